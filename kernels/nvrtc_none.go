//go:build !cuda

package kernels

import "github.com/rotorkernels/rotor/ops"

// nvrtcCompiler returns a compile function that fails: NVRTC is linked
// only with the cuda build tag.
func nvrtcCompiler() (nvrtcFunc, string) {
	return func(string, string, []Header, []string) (string, string, error) {
		return "", "", ops.Errorf(ops.ErrUnsupported, "nvrtc", nil, "rotor was built without the cuda tag")
	}, "none"
}

// SupportedArchs returns nil without the cuda build tag.
func SupportedArchs() ([]Arch, error) {
	return nil, ops.Errorf(ops.ErrUnsupported, "nvrtc", nil, "rotor was built without the cuda tag")
}

// NVRTCVersion returns "none" without the cuda build tag.
func NVRTCVersion() string { return "none" }

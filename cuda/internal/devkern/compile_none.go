//go:build !cuda

package devkern

import "github.com/rotorkernels/rotor/ops"

// PTX returns ErrUnsupported: NVRTC is linked only with the cuda tag.
func PTX(compute string) (string, error) {
	return "", ops.Errorf(ops.ErrUnsupported, "nvrtc", compute, "rotor was built without the cuda tag")
}

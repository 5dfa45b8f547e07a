//go:build cuda

package kernels

// This file links NVRTC only: gorgonia.org/cu/nvrtc and libnvrtc, never
// the driver package gorgonia.org/cu (whose init exits the process when
// no GPU is present) nor libcuda. Compiling needs no GPU.

// nvrtcGetSupportedArchs exists since NVRTC 11.2; rotor builds against
// CUDA 11.8 to 12.x.

/*
#cgo LDFLAGS: -lnvrtc
#include <nvrtc.h>
*/
import "C"

import (
	"fmt"
	"strings"

	"gorgonia.org/cu/nvrtc"

	"github.com/rotorkernels/rotor/ops"
)

func nvrtcCompiler() (nvrtcFunc, string) {
	maj, min, err := nvrtc.Version()
	v := fmt.Sprintf("nvrtc %d.%d", maj, min)
	if err != nil {
		v = "nvrtc unknown"
	}
	return compileNVRTC, v
}

// compileNVRTC runs one NVRTC compilation. A failed compilation returns
// an ErrConfig error carrying the program log.
func compileNVRTC(name, src string, headers []Header, flags []string) (string, string, error) {
	inc := make([]nvrtc.Include, len(headers))
	for i, h := range headers {
		inc[i] = nvrtc.Include{Source: h.Source, Name: h.Name}
	}
	prog, err := nvrtc.CreateProgram(src, name, inc...)
	if err != nil {
		return "", "", ops.Errorf(ops.ErrDevice, "nvrtc", name, "creating the program: %v", err)
	}
	defer prog.Destroy()
	cerr := prog.Compile(flags...)
	log, _ := prog.GetLog()
	log = strings.TrimRight(log, "\x00\n")
	if cerr != nil {
		return "", log, ops.Errorf(ops.ErrConfig, "nvrtc", name, "compiling with %v: %v\n%s", flags, cerr, log)
	}
	ptx, err := prog.GetPTX()
	if err != nil {
		return "", log, ops.Errorf(ops.ErrDevice, "nvrtc", name, "reading the PTX: %v", err)
	}
	return ptx, log, nil
}

// SupportedArchs returns the architectures the linked NVRTC compiles for
// (nvrtcGetSupportedArchs).
func SupportedArchs() ([]Arch, error) {
	var n C.int
	if rc := C.nvrtcGetNumSupportedArchs(&n); rc != C.NVRTC_SUCCESS {
		return nil, ops.Errorf(ops.ErrDevice, "nvrtc", int(rc), "nvrtcGetNumSupportedArchs failed")
	}
	if n <= 0 {
		return nil, nil
	}
	a := make([]C.int, n)
	if rc := C.nvrtcGetSupportedArchs(&a[0]); rc != C.NVRTC_SUCCESS {
		return nil, ops.Errorf(ops.ErrDevice, "nvrtc", int(rc), "nvrtcGetSupportedArchs failed")
	}
	out := make([]Arch, n)
	for i, v := range a {
		out[i] = ArchFromInt(int(v))
	}
	return out, nil
}

// NVRTCVersion returns the linked NVRTC's version, e.g. "nvrtc 11.8".
func NVRTCVersion() string {
	_, v := nvrtcCompiler()
	return v
}

// Package rotor is a library of long-context attention kernels with two
// interchangeable backends: fused RoPE for every context-extension
// schedule, exact softmax attention over selected KV-cache slots, and
// precision audits of bf16 and fp32 rotations.
//
// What is computed is defined once in package ops (the Backend interface,
// tensors, RoPE schedules, attention and selection arguments, typed
// errors). The pure-Go backend lives in package fallback and needs no
// GPU; the CUDA backend lives in package cuda and is built with the
// build tag cuda. Package precision holds the float64 truth both are
// checked against, and package bench measures them.
//
// Open returns the backend this binary was built for; Backends lists
// what is available on this machine.
package rotor

import (
	"strconv"
	"strings"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// Open returns the default backend of this build: the CUDA backend on
// device 0 when rotor is built with -tags cuda (its error, such as a
// missing device, is returned rather than hidden behind a silent
// fallback), else the pure-Go fallback backend. Close it when done.
func Open() (ops.Backend, error) { return openDefault() }

// OpenBackend returns the backend called name: "fallback", "cuda" (device
// 0) or "cuda:N" (device N). Asking for cuda in a build without the cuda
// tag returns an error wrapping ops.ErrUnsupported.
func OpenBackend(name string) (ops.Backend, error) {
	switch {
	case name == fallback.Name:
		return fallback.New(), nil
	case name == "cuda":
		return openCUDA(0)
	case strings.HasPrefix(name, "cuda:"):
		n, err := strconv.Atoi(strings.TrimPrefix(name, "cuda:"))
		if err != nil || n < 0 {
			return nil, ops.Errorf(ops.ErrConfig, "backend", name, "want cuda:N with a device number N ≥ 0")
		}
		return openCUDA(n)
	}
	return nil, ops.Errorf(ops.ErrConfig, "backend", name, "want fallback, cuda or cuda:N")
}

// Backends returns the names of the backends available here: "fallback"
// always, then "cuda" when rotor is built with -tags cuda and at least
// one CUDA device is present.
func Backends() []string {
	names := []string{fallback.Name}
	if cudaDevices() > 0 {
		names = append(names, "cuda")
	}
	return names
}

// CUDABuilt reports whether this binary was built with the cuda tag.
func CUDABuilt() bool { return cudaBuilt }

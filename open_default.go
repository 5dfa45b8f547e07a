//go:build !cuda

package rotor

import (
	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// Without the cuda tag rotor has only the fallback backend. A build with
// the tag replaces this file with open_cuda.go, which defines the same
// four names in terms of package cuda.

const cudaBuilt = false

func openDefault() (ops.Backend, error) { return fallback.New(), nil }

func openCUDA(ordinal int) (ops.Backend, error) {
	return nil, ops.Errorf(ops.ErrUnsupported, "backend", "cuda", "rotor was built without -tags cuda")
}

func cudaDevices() int { return 0 }

//go:build cuda

package rotor

import (
	"github.com/rotorkernels/rotor/cuda"
	"github.com/rotorkernels/rotor/ops"
)

// With the cuda tag rotor opens the CUDA backend by default. Such a
// binary needs the CUDA driver (libcuda.so.1) to start, and exits at
// start-up when the driver finds no device (gorgonia.org/cu initialises
// the driver in its package init).

const cudaBuilt = true

func openDefault() (ops.Backend, error) { return openCUDA(0) }

func openCUDA(ordinal int) (ops.Backend, error) {
	b, err := cuda.Open(ordinal)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return b, nil
}

func cudaDevices() int { return cuda.Devices() }

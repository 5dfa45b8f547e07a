//go:build cuda

package main

import (
	"fmt"

	"github.com/rotorkernels/rotor/cuda"
	"github.com/rotorkernels/rotor/kernels"
)

// cudaInfo describes the CUDA devices and the linked NVRTC.
func cudaInfo() (devs []deviceJSON, nvrtc string) {
	for i := range cuda.Devices() {
		d, err := cuda.Describe(i)
		j := deviceJSON{Ordinal: i, Name: d.Name, Compute: d.Arch.String(), CompiledFor: d.CompileArch.String(),
			SMs: d.SMs, MemoryBytes: d.TotalMem,
			Driver: fmt.Sprintf("%d.%d", d.DriverVersion/1000, d.DriverVersion%1000/10)}
		if err != nil {
			j.Error = err.Error()
		}
		devs = append(devs, j)
	}
	return devs, kernels.NVRTCVersion()
}

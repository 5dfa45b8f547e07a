//go:build cuda

package cuda

import (
	"gorgonia.org/cu"

	"github.com/rotorkernels/rotor/cuda/internal/devkern"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// Devices returns the number of CUDA devices, or 0 when the driver finds
// none.
func Devices() int {
	n, err := cu.NumDevices()
	if err != nil {
		return 0
	}
	return n
}

// Open returns a backend on device ordinal, with its own stream. The
// kernels are compiled by NVRTC for the device's compute capability (or
// the newest one the linked NVRTC supports below it) on first use and
// cached (see package kernels). Close the backend when done.
func Open(ordinal int) (*Backend, error) {
	n := Devices()
	if n == 0 {
		return nil, ops.Errorf(ops.ErrDevice, "device", ordinal, "no CUDA device is present")
	}
	if ordinal < 0 || ordinal >= n {
		return nil, ops.Errorf(ops.ErrConfig, "device", ordinal, "want a device ordinal in [0, %d)", n)
	}
	info, err := deviceInfo(ordinal)
	if err != nil {
		return nil, err
	}
	drv, err := newCUDriver(ordinal)
	if err != nil {
		return nil, err
	}
	dev := acquireDevice(ordinal, info, compileKernels, devkern.PTX)
	return newBackend(drv, dev)
}

// compileKernels compiles with the kernels package's process-wide
// compiler (memory and disk cache).
func compileKernels(f kernels.Family, o kernels.Options, arch kernels.Arch) (string, error) {
	m, err := kernels.Compile(f, o, arch)
	if err != nil {
		return "", err
	}
	return m.PTX, nil
}

// deviceInfo queries device ordinal's description and checks that the
// backend can run on it.
func deviceInfo(ordinal int) (DeviceInfo, error) {
	dev, err := cu.GetDevice(ordinal)
	if err != nil {
		return DeviceInfo{}, cuErr("cuDeviceGet", err)
	}
	info := DeviceInfo{Ordinal: ordinal, DriverVersion: cu.Version()}
	if info.Name, err = dev.Name(); err != nil {
		return info, cuErr("cuDeviceGetName", err)
	}
	attr := func(a cu.DeviceAttribute) int {
		v, e := dev.Attribute(a)
		if e != nil && err == nil {
			err = cuErr("cuDeviceGetAttribute", e)
		}
		return v
	}
	info.Arch = kernels.Arch{Major: attr(cu.ComputeCapabilityMajor), Minor: attr(cu.ComputeCapabilityMinor)}
	info.SMs = attr(cu.MultiprocessorCount)
	unified := attr(cu.UnifiedAddressing)
	if err != nil {
		return info, err
	}
	if unified != 1 {
		return info, ops.Errorf(ops.ErrUnsupported, "device", info.Name, "the backend needs unified addressing")
	}
	smem, r := shimMaxSmemOptin(ordinal)
	if r != 0 {
		return info, driverError("cuDeviceGetAttribute", r)
	}
	info.SmemOptin = smem
	total, err := dev.TotalMem()
	if err != nil {
		return info, cuErr("cuDeviceTotalMem", err)
	}
	info.TotalMem = int(total)
	archs, err := kernels.SupportedArchs()
	if err != nil {
		return info, err
	}
	if info.CompileArch, err = kernels.ClampArch(info.Arch, archs); err != nil {
		return info, err
	}
	return info, nil
}

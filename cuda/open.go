//go:build cuda

package cuda

import (
	"runtime"

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
	// Modules live in a context: backends share them per context.
	dev := acquireDevice(drv.ctx, info, compileKernels, devkern.PTX)
	return newBackend(drv, dev)
}

// OpenStream returns a backend that works in a caller's CUDA context and
// on a caller's stream, given as raw driver handles: ctx a CUcontext (0:
// the context current on the calling thread) and stream a CUstream of
// that context (0: its NULL stream), for example an inference engine's
// current stream. Every op, copy and launch of the backend is queued on
// that stream behind the caller's own work, with no synchronisation of
// the backend's own beyond what Open's backends do (Write, Read, Sync,
// and the value checks, which SetValueChecks(false) turns off). After
// each call the context the caller had current is current again.
//
// The caller keeps ownership of both: they must outlive the backend, and
// Close destroys neither. Backends on one context share its compiled
// modules (those of Open on the device's primary context included).
//
// Ops may run while the stream is being captured into a CUDA graph when
// they neither wait for the device nor allocate: see the package
// documentation; the others return ErrUnsupported during a capture and
// leave it intact.
func OpenStream(ctx, stream uintptr) (*Backend, error) {
	if ctx == 0 {
		c, r := shimCtxGetCurrent()
		if r != 0 {
			return nil, driverError("cuCtxGetCurrent", r)
		}
		if c == 0 {
			return nil, ops.Errorf(ops.ErrConfig, "context", 0, "no CUDA context is current on this thread: pass one")
		}
		ctx = c
	}
	var sw ctxSwitch
	runtime.LockOSThread()
	err := sw.enter(ctx, shimCtxGetCurrent, shimCtxSetCurrent)
	ordinal, r := 0, Result(0)
	if err == nil {
		ordinal, r = shimCtxGetDevice()
		sw.exit(shimCtxSetCurrent)
	}
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	if r != 0 {
		return nil, driverError("cuCtxGetDevice", r)
	}
	info, err := deviceInfo(ordinal)
	if err != nil {
		return nil, err
	}
	dev := acquireDevice(ctx, info, compileKernels, devkern.PTX)
	return newBackend(newCUDriverOn(ordinal, ctx, stream), dev)
}

// Describe returns the description of device ordinal — name, compute
// capability, the architecture the kernels are compiled for, SMs,
// memory, driver version — without opening a backend. It fails as Open
// does on a device the backend cannot use.
func Describe(ordinal int) (DeviceInfo, error) {
	n := Devices()
	if ordinal < 0 || ordinal >= n {
		return DeviceInfo{}, ops.Errorf(ops.ErrConfig, "device", ordinal, "want a device ordinal in [0, %d)", n)
	}
	return deviceInfo(ordinal)
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

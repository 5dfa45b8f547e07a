//go:build cuda

package cuda

import (
	"errors"
	"reflect"
	"runtime"

	"gorgonia.org/cu"

	"github.com/rotorkernels/rotor/ops"
)

// cuDriver is the driver over the real CUDA driver API: gorgonia.org/cu
// for device memory, the cgo shim (shim.go) for the rest. One per
// Backend: a context (a reference on the device's primary context, or a
// caller's context), a stream (its own, or a caller's) and a parameter
// block.
type cuDriver struct {
	ordinal   int
	ctx       uintptr // CUcontext
	stream    uintptr // CUstream
	ownStream bool    // created here: close destroys it
	retains   bool    // holds a primary-context reference
	args      *argBlock
	sw        ctxSwitch
}

// cuResultOf returns the CUresult inside an error from gorgonia.org/cu
// (an int-kinded type, possibly wrapped), or CUDA_ERROR_UNKNOWN.
func cuResultOf(err error) Result {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if v := reflect.ValueOf(e); v.Kind() == reflect.Int {
			return Result(v.Int())
		}
	}
	return 999
}

// cuErr maps an error of gorgonia.org/cu from call to the backend's error.
func cuErr(call string, err error) error {
	if err == nil {
		return nil
	}
	return driverError(call, cuResultOf(err))
}

// newCUDriver retains device ordinal's primary context and creates the
// backend's stream and parameter block.
func newCUDriver(ordinal int) (*cuDriver, error) {
	ctx, r := shimPrimaryCtxRetain(ordinal)
	if r != 0 {
		return nil, driverError("cuDevicePrimaryCtxRetain", r)
	}
	d := &cuDriver{ordinal: ordinal, ctx: ctx, retains: true}
	if err := d.enter(); err != nil {
		d.close()
		return nil, err
	}
	s, r := shimStreamCreate()
	d.exit()
	if r != 0 {
		d.close()
		return nil, driverError("cuStreamCreate", r)
	}
	d.stream, d.ownStream = s, true
	d.args = newArgBlock()
	return d, nil
}

// newCUDriverOn uses a caller's context ctx (of device ordinal) and
// stream, neither of which it owns.
func newCUDriverOn(ordinal int, ctx, stream uintptr) *cuDriver {
	return &cuDriver{ordinal: ordinal, ctx: ctx, stream: stream, args: newArgBlock()}
}

// enter pins the goroutine to its OS thread and makes the context current
// there (the driver's current context is per thread, and a goroutine may
// otherwise move between the calls of one op), remembering the caller's.
func (d *cuDriver) enter() error {
	runtime.LockOSThread()
	if err := d.sw.enter(d.ctx, shimCtxGetCurrent, shimCtxSetCurrent); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	return nil
}

// exit restores the caller's current context and unpins the thread.
func (d *cuDriver) exit() {
	d.sw.exit(shimCtxSetCurrent)
	runtime.UnlockOSThread()
}

// capturing asks the driver about a caller's stream; the backend's own
// stream is never known to anyone who could capture it.
func (d *cuDriver) capturing() (bool, error) {
	if d.ownStream {
		return false, nil
	}
	on, r := shimStreamCapturing(d.stream)
	return on, driverError("cuStreamIsCapturing", r)
}

func (d *cuDriver) alloc(n int) (uint64, error) {
	p, err := cu.MemAlloc(int64(n))
	return uint64(p), cuErr("cuMemAlloc", err)
}

func (d *cuDriver) free(p uint64) error { return cuErr("cuMemFree", cu.MemFree(cu.DevicePtr(p))) }

func (d *cuDriver) hostAlloc(n int) ([]byte, uint64, error) {
	h, dev, r := shimHostAlloc(n)
	return h, dev, driverError("cuMemHostAlloc", r)
}

func (d *cuDriver) hostFree(h []byte) error { return driverError("cuMemFreeHost", shimHostFree(h)) }

func (d *cuDriver) pointerDevice(p uint64) (int, error) {
	ord, r := shimPointerDevice(p)
	return ord, driverError("cuPointerGetAttribute", r)
}

func (d *cuDriver) addressRange(p uint64) (uint64, int, error) {
	base, size, r := shimAddressRange(p)
	return base, size, driverError("cuMemGetAddressRange", r)
}

func (d *cuDriver) memset32(p uint64, v uint32, n int) error {
	return driverError("cuMemsetD32Async", shimMemset32(p, v, n, d.stream))
}

func (d *cuDriver) copy(c copy2D) error {
	return driverError("cuMemcpy2DAsync", shimCopy(c, d.stream))
}

func (d *cuDriver) launch(f handle, grid, block [3]int, smem int, args []uint64) error {
	return driverError("cuLaunchKernel", shimLaunch(f, grid, block, smem, d.stream, d.args, args))
}

func (d *cuDriver) record(e handle) error {
	return driverError("cuEventRecord", shimEventRecord(e, d.stream))
}

func (d *cuDriver) sync() error { return driverError("cuStreamSynchronize", shimStreamSync(d.stream)) }

func (d *cuDriver) waitEvent(e handle) error {
	return driverError("cuEventSynchronize", shimEventSync(e))
}

func (d *cuDriver) elapsed(a, b handle) (float64, error) {
	ms, r := shimEventElapsed(a, b)
	return ms, driverError("cuEventElapsedTime", r)
}

func (d *cuDriver) newEvent() (handle, error) {
	e, r := shimEventCreate()
	return e, driverError("cuEventCreate", r)
}

func (d *cuDriver) destroyEvent(e handle) error {
	return driverError("cuEventDestroy", shimEventDestroy(e))
}

func (d *cuDriver) load(ptx string) (handle, error) {
	m, log, r := shimModuleLoad(ptx)
	if r != 0 {
		return 0, ops.Errorf(ops.ErrDevice, "cuModuleLoadDataEx", r, "the driver rejected the kernels' PTX: %s", log)
	}
	return m, nil
}

func (d *cuDriver) unload(m handle) error { return driverError("cuModuleUnload", shimModuleUnload(m)) }

func (d *cuDriver) function(m handle, name string) (handle, error) {
	f, r := shimModuleFunction(m, name)
	return f, driverError("cuModuleGetFunction", r)
}

func (d *cuDriver) setMaxDynamicSmem(f handle, n int) error {
	return driverError("cuFuncSetAttribute", shimSetMaxDynamicSmem(f, n))
}

func (d *cuDriver) memInfo() (int, int, error) {
	free, total, err := cu.MemInfo()
	return int(free), int(total), cuErr("cuMemGetInfo", err)
}

// close destroys the stream (its own only) and parameter block and
// releases the primary context reference. The context must not be
// current-locked by the caller any more (exit was called).
func (d *cuDriver) close() error {
	var first error
	if d.ownStream && d.stream != 0 {
		if err := d.enter(); err == nil {
			first = driverError("cuStreamDestroy", shimStreamDestroy(d.stream))
			d.exit()
		} else {
			first = err
		}
	}
	d.stream, d.ownStream = 0, false
	if d.args != nil {
		d.args.free()
		d.args = nil
	}
	if d.retains {
		if r := shimPrimaryCtxRelease(d.ordinal); r != 0 && first == nil {
			first = driverError("cuDevicePrimaryCtxRelease", r)
		}
		d.retains = false
	}
	return first
}

package cuda

import (
	"fmt"

	"github.com/rotorkernels/rotor/ops"
)

// Result is a CUDA driver result code (CUresult). Driver failures reach
// callers as *ops.ArgError values of kind ops.ErrDevice whose Arg names
// the driver call and whose Value is the Result.
type Result int

// resultNames names the driver results rotor can meet, as cuda.h spells
// them without the CUDA_ERROR_ prefix.
var resultNames = map[Result]string{
	0: "SUCCESS", 1: "INVALID_VALUE", 2: "OUT_OF_MEMORY", 3: "NOT_INITIALIZED", 4: "DEINITIALIZED",
	34: "STUB_LIBRARY", 46: "DEVICE_UNAVAILABLE",
	100: "NO_DEVICE", 101: "INVALID_DEVICE", 200: "INVALID_IMAGE", 201: "INVALID_CONTEXT",
	209: "NO_BINARY_FOR_GPU", 214: "ECC_UNCORRECTABLE", 218: "INVALID_PTX",
	221: "JIT_COMPILER_NOT_FOUND", 222: "UNSUPPORTED_PTX_VERSION", 223: "JIT_COMPILATION_DISABLED",
	400: "INVALID_HANDLE", 401: "ILLEGAL_STATE", 500: "NOT_FOUND", 600: "NOT_READY",
	700: "ILLEGAL_ADDRESS", 701: "LAUNCH_OUT_OF_RESOURCES", 702: "LAUNCH_TIMEOUT",
	709: "CONTEXT_IS_DESTROYED", 710: "ASSERT", 714: "HARDWARE_STACK_ERROR",
	715: "ILLEGAL_INSTRUCTION", 716: "MISALIGNED_ADDRESS", 717: "INVALID_ADDRESS_SPACE",
	718: "INVALID_PC", 719: "LAUNCH_FAILED", 720: "COOPERATIVE_LAUNCH_TOO_LARGE",
	800: "NOT_PERMITTED", 801: "NOT_SUPPORTED", 802: "SYSTEM_NOT_READY", 803: "SYSTEM_DRIVER_MISMATCH",
	804: "COMPAT_NOT_SUPPORTED_ON_DEVICE",
	900: "STREAM_CAPTURE_UNSUPPORTED", 901: "STREAM_CAPTURE_INVALIDATED", 902: "STREAM_CAPTURE_MERGE",
	903: "STREAM_CAPTURE_UNMATCHED", 904: "STREAM_CAPTURE_UNJOINED", 905: "STREAM_CAPTURE_ISOLATION",
	906: "STREAM_CAPTURE_IMPLICIT", 907: "CAPTURED_EVENT", 908: "STREAM_CAPTURE_WRONG_THREAD",
	999: "UNKNOWN",
}

// String returns the cuda.h name, e.g. "CUDA_ERROR_ILLEGAL_ADDRESS (700)".
func (r Result) String() string {
	if r == 0 {
		return "CUDA_SUCCESS"
	}
	if n, ok := resultNames[r]; ok {
		return fmt.Sprintf("CUDA_ERROR_%s (%d)", n, int(r))
	}
	return fmt.Sprintf("CUresult %d", int(r))
}

// Sticky reports whether r leaves the CUDA context unusable: a kernel
// fault or a device failure. Every later call in the context fails, for
// every backend and library of the process that shares it (the primary
// context is shared), so the backend refuses further work; only a new
// process can use the device again.
func (r Result) Sticky() bool {
	switch r {
	case 214, 700, 702, 709, 710, 714, 715, 716, 717, 718, 719:
		return true
	}
	return false
}

// driverError returns the error of driver call call failing with r, or
// nil when r is success.
func driverError(call string, r Result) error {
	if r == 0 {
		return nil
	}
	want := "the CUDA driver call failed"
	switch {
	case r.Sticky():
		want = "a kernel or the device failed; the CUDA context is unusable for the rest of this process (closing or reopening the backend does not help): restart the process"
	case r == 2:
		want = "the device is out of memory"
	case r == 34 || r == 100:
		want = "no CUDA device or driver is present"
	case r == 209 || r == 218 || r == 222:
		want = "the driver cannot load the compiled kernels for this device"
	case r >= 900 && r <= 908:
		want = "the call is not allowed while the stream is being captured into a CUDA graph"
	}
	return ops.Errorf(ops.ErrDevice, call, r, "%s", want)
}

// resultOf returns the Result inside err, when err is a *ops.ArgError of
// kind ErrDevice made by driverError.
func resultOf(err error) (Result, bool) {
	ae, ok := err.(*ops.ArgError)
	if !ok || ae.Kind != ops.ErrDevice {
		return 0, false
	}
	r, ok := ae.Value.(Result)
	return r, ok
}

//go:build cuda

package cuda

// The driver calls gorgonia.org/cu does not offer, or offers only in a
// form that costs too much per call: launching with a parameter block in
// C memory (cu's Launch mallocs two arrays per launch and cannot take a
// block), cuFuncSetAttribute (dynamic shared memory above 48 KiB), pinned
// and device-mapped host memory, 2-D copies between any two unified
// addresses, pointer attributes, and modules, functions, streams and
// events as plain handles. Handles cross into Go as uintptr values of
// C-owned objects and are only ever turned back into pointers in C.

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
#include <stdint.h>
#include <string.h>

#define ROTOR_MAX_ARGS 64

static int rotor_launch(uintptr_t f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned smem, uintptr_t stream, unsigned long long* argv, int n) {
	void* params[ROTOR_MAX_ARGS];
	if (n > ROTOR_MAX_ARGS) {
		return CUDA_ERROR_INVALID_VALUE;
	}
	for (int i = 0; i < n; i++) {
		params[i] = &argv[i];
	}
	return cuLaunchKernel((CUfunction)f, gx, gy, gz, bx, by, bz, smem, (CUstream)stream, params, NULL);
}

static int rotor_func_set_max_dynamic_smem(uintptr_t f, int bytes) {
	return cuFuncSetAttribute((CUfunction)f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
}

static int rotor_host_alloc(size_t n, void** host, unsigned long long* dev) {
	void* p = NULL;
	int rc = cuMemHostAlloc(&p, n, CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP);
	if (rc != CUDA_SUCCESS) {
		return rc;
	}
	CUdeviceptr d = 0;
	rc = cuMemHostGetDevicePointer(&d, p, 0);
	if (rc != CUDA_SUCCESS) {
		cuMemFreeHost(p);
		return rc;
	}
	memset(p, 0, n);
	*host = p;
	*dev = (unsigned long long)d;
	return CUDA_SUCCESS;
}

static int rotor_host_free(void* host) { return cuMemFreeHost(host); }

static int rotor_pointer_device(unsigned long long p, int* ordinal) {
	return cuPointerGetAttribute(ordinal, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, (CUdeviceptr)p);
}

static int rotor_address_range(unsigned long long p, unsigned long long* base, size_t* size) {
	CUdeviceptr b = 0;
	int rc = cuMemGetAddressRange(&b, size, (CUdeviceptr)p);
	*base = (unsigned long long)b;
	return rc;
}

// rotor_copy copies height rows of width bytes between unified addresses
// (device memory or pinned host memory), asynchronously on stream.
static int rotor_copy(unsigned long long dst, size_t dpitch, unsigned long long src, size_t spitch,
                      size_t width, size_t height, uintptr_t stream) {
	if (height == 1) {
		return cuMemcpyAsync((CUdeviceptr)dst, (CUdeviceptr)src, width, (CUstream)stream);
	}
	CUDA_MEMCPY2D c;
	memset(&c, 0, sizeof c);
	c.srcMemoryType = CU_MEMORYTYPE_UNIFIED;
	c.srcDevice = (CUdeviceptr)src;
	c.srcPitch = spitch;
	c.dstMemoryType = CU_MEMORYTYPE_UNIFIED;
	c.dstDevice = (CUdeviceptr)dst;
	c.dstPitch = dpitch;
	c.WidthInBytes = width;
	c.Height = height;
	return cuMemcpy2DAsync(&c, (CUstream)stream);
}

static int rotor_memset32(unsigned long long p, unsigned v, size_t n, uintptr_t stream) {
	return cuMemsetD32Async((CUdeviceptr)p, v, n, (CUstream)stream);
}

static int rotor_stream_create(uintptr_t* s) {
	CUstream st = NULL;
	int rc = cuStreamCreate(&st, CU_STREAM_NON_BLOCKING);
	*s = (uintptr_t)st;
	return rc;
}

static int rotor_stream_destroy(uintptr_t s) { return cuStreamDestroy((CUstream)s); }
static int rotor_stream_sync(uintptr_t s) { return cuStreamSynchronize((CUstream)s); }

static int rotor_event_create(uintptr_t* e) {
	CUevent ev = NULL;
	int rc = cuEventCreate(&ev, CU_EVENT_DEFAULT);
	*e = (uintptr_t)ev;
	return rc;
}

static int rotor_event_destroy(uintptr_t e) { return cuEventDestroy((CUevent)e); }
static int rotor_event_record(uintptr_t e, uintptr_t s) { return cuEventRecord((CUevent)e, (CUstream)s); }
static int rotor_event_sync(uintptr_t e) { return cuEventSynchronize((CUevent)e); }
static int rotor_event_elapsed(uintptr_t a, uintptr_t b, float* ms) {
	return cuEventElapsedTime(ms, (CUevent)a, (CUevent)b);
}

// rotor_module_load loads PTX (NUL-terminated), JIT-compiling it for the
// context's device; on failure log receives the JIT error log.
static int rotor_module_load(const char* ptx, uintptr_t* mod, char* log, unsigned logsize) {
	CUjit_option opts[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
	void* vals[2] = {log, (void*)(uintptr_t)logsize};
	CUmodule m = NULL;
	int rc = cuModuleLoadDataEx(&m, ptx, 2, opts, vals);
	*mod = (uintptr_t)m;
	return rc;
}

static int rotor_module_unload(uintptr_t m) { return cuModuleUnload((CUmodule)m); }

static int rotor_module_function(uintptr_t m, const char* name, uintptr_t* f) {
	CUfunction fn = NULL;
	int rc = cuModuleGetFunction(&fn, (CUmodule)m, name);
	*f = (uintptr_t)fn;
	return rc;
}

static int rotor_ctx_get_current(uintptr_t* c) {
	CUcontext x = NULL;
	int rc = cuCtxGetCurrent(&x);
	*c = (uintptr_t)x;
	return rc;
}

static int rotor_ctx_set_current(uintptr_t c) { return cuCtxSetCurrent((CUcontext)c); }

static int rotor_ctx_get_device(int* ordinal) {
	CUdevice d = 0;
	int rc = cuCtxGetDevice(&d);
	*ordinal = (int)d;
	return rc;
}

static int rotor_primary_ctx_retain(int ordinal, uintptr_t* c) {
	CUdevice d = 0;
	int rc = cuDeviceGet(&d, ordinal);
	if (rc != CUDA_SUCCESS) {
		return rc;
	}
	CUcontext x = NULL;
	rc = cuDevicePrimaryCtxRetain(&x, d);
	*c = (uintptr_t)x;
	return rc;
}

static int rotor_primary_ctx_release(int ordinal) {
	CUdevice d = 0;
	int rc = cuDeviceGet(&d, ordinal);
	if (rc != CUDA_SUCCESS) {
		return rc;
	}
	return cuDevicePrimaryCtxRelease(d);
}

// rotor_stream_capturing sets *active to 1 while stream is being captured
// into a graph (or its capture was invalidated), else 0.
static int rotor_stream_capturing(uintptr_t s, int* active) {
	CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_NONE;
	int rc = cuStreamIsCapturing((CUstream)s, &st);
	*active = st != CU_STREAM_CAPTURE_STATUS_NONE;
	return rc;
}

static int rotor_device_attribute(int attr, int dev, int* v) {
	return cuDeviceGetAttribute(v, (CUdevice_attribute)attr, (CUdevice)dev);
}

static int rotor_max_smem_optin_attr(void) { return CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN; }
*/
import "C"

import (
	"strings"
	"unsafe"
)

// argBlock is a C-allocated array of maxArgs kernel parameter words.
type argBlock struct {
	p     *C.ulonglong
	words []uint64 // Go view of the same C memory
}

func newArgBlock() *argBlock {
	p := (*C.ulonglong)(C.calloc(maxArgs, 8))
	return &argBlock{p: p, words: unsafe.Slice((*uint64)(unsafe.Pointer(p)), maxArgs)}
}

func (a *argBlock) free() {
	C.free(unsafe.Pointer(a.p))
	a.p, a.words = nil, nil
}

func shimLaunch(f handle, grid, block [3]int, smem int, stream uintptr, blk *argBlock, args []uint64) Result {
	n := copy(blk.words, args)
	return Result(C.rotor_launch(C.uintptr_t(f), C.uint(grid[0]), C.uint(grid[1]), C.uint(grid[2]),
		C.uint(block[0]), C.uint(block[1]), C.uint(block[2]), C.uint(smem), C.uintptr_t(stream), blk.p, C.int(n)))
}

func shimSetMaxDynamicSmem(f handle, bytes int) Result {
	return Result(C.rotor_func_set_max_dynamic_smem(C.uintptr_t(f), C.int(bytes)))
}

func shimHostAlloc(n int) ([]byte, uint64, Result) {
	var host unsafe.Pointer
	var dev C.ulonglong
	if r := Result(C.rotor_host_alloc(C.size_t(n), &host, &dev)); r != 0 {
		return nil, 0, r
	}
	return unsafe.Slice((*byte)(host), n), uint64(dev), 0
}

func shimHostFree(h []byte) Result {
	return Result(C.rotor_host_free(unsafe.Pointer(&h[0])))
}

func shimPointerDevice(p uint64) (int, Result) {
	var ord C.int
	r := Result(C.rotor_pointer_device(C.ulonglong(p), &ord))
	return int(ord), r
}

func shimAddressRange(p uint64) (uint64, int, Result) {
	var base C.ulonglong
	var size C.size_t
	r := Result(C.rotor_address_range(C.ulonglong(p), &base, &size))
	return uint64(base), int(size), r
}

func shimCopy(c copy2D, stream uintptr) Result {
	return Result(C.rotor_copy(C.ulonglong(c.dst), C.size_t(c.dstPitch), C.ulonglong(c.src), C.size_t(c.srcPitch),
		C.size_t(c.width), C.size_t(c.height), C.uintptr_t(stream)))
}

func shimMemset32(p uint64, v uint32, n int, stream uintptr) Result {
	return Result(C.rotor_memset32(C.ulonglong(p), C.uint(v), C.size_t(n), C.uintptr_t(stream)))
}

func shimStreamCreate() (uintptr, Result) {
	var s C.uintptr_t
	r := Result(C.rotor_stream_create(&s))
	return uintptr(s), r
}

func shimStreamDestroy(s uintptr) Result { return Result(C.rotor_stream_destroy(C.uintptr_t(s))) }
func shimStreamSync(s uintptr) Result    { return Result(C.rotor_stream_sync(C.uintptr_t(s))) }

func shimEventCreate() (handle, Result) {
	var e C.uintptr_t
	r := Result(C.rotor_event_create(&e))
	return handle(e), r
}

func shimEventDestroy(e handle) Result { return Result(C.rotor_event_destroy(C.uintptr_t(e))) }
func shimEventRecord(e handle, s uintptr) Result {
	return Result(C.rotor_event_record(C.uintptr_t(e), C.uintptr_t(s)))
}
func shimEventSync(e handle) Result { return Result(C.rotor_event_sync(C.uintptr_t(e))) }

func shimEventElapsed(a, b handle) (float64, Result) {
	var ms C.float
	r := Result(C.rotor_event_elapsed(C.uintptr_t(a), C.uintptr_t(b), &ms))
	return float64(ms), r
}

// shimModuleLoad loads PTX text; on failure it also returns the JIT log.
func shimModuleLoad(ptx string) (handle, string, Result) {
	src := C.CString(ptx)
	defer C.free(unsafe.Pointer(src))
	const logSize = 8 << 10
	log := (*C.char)(C.calloc(logSize, 1))
	defer C.free(unsafe.Pointer(log))
	var m C.uintptr_t
	r := Result(C.rotor_module_load(src, &m, log, logSize))
	return handle(m), strings.TrimSpace(C.GoString(log)), r
}

func shimModuleUnload(m handle) Result { return Result(C.rotor_module_unload(C.uintptr_t(m))) }

func shimModuleFunction(m handle, name string) (handle, Result) {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	var f C.uintptr_t
	r := Result(C.rotor_module_function(C.uintptr_t(m), n, &f))
	return handle(f), r
}

func shimMaxSmemOptin(ordinal int) (int, Result) {
	var v C.int
	r := Result(C.rotor_device_attribute(C.rotor_max_smem_optin_attr(), C.int(ordinal), &v))
	return int(v), r
}

func shimCtxGetCurrent() (uintptr, Result) {
	var c C.uintptr_t
	r := Result(C.rotor_ctx_get_current(&c))
	return uintptr(c), r
}

func shimCtxSetCurrent(c uintptr) Result { return Result(C.rotor_ctx_set_current(C.uintptr_t(c))) }

func shimCtxGetDevice() (int, Result) {
	var d C.int
	r := Result(C.rotor_ctx_get_device(&d))
	return int(d), r
}

func shimPrimaryCtxRetain(ordinal int) (uintptr, Result) {
	var c C.uintptr_t
	r := Result(C.rotor_primary_ctx_retain(C.int(ordinal), &c))
	return uintptr(c), r
}

func shimPrimaryCtxRelease(ordinal int) Result {
	return Result(C.rotor_primary_ctx_release(C.int(ordinal)))
}

func shimStreamCapturing(s uintptr) (bool, Result) {
	var active C.int
	r := Result(C.rotor_stream_capturing(C.uintptr_t(s), &active))
	return active != 0, r
}

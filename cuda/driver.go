package cuda

// handle is an opaque driver object: a module, a kernel function or an
// event, as the driver implementation represents it.
type handle uintptr

// copyKind is the direction of a copy.
type copyKind uint8

const (
	hostToDevice copyKind = iota
	deviceToHost
	deviceToDevice
)

// copy2D is an asynchronous, stream-ordered copy of height rows of width
// bytes: row i goes from src + i*srcPitch to dst + i*dstPitch. Host
// addresses are always pinned host memory from hostAlloc.
type copy2D struct {
	kind               copyKind
	dst, src           uint64
	dstPitch, srcPitch int
	width, height      int
}

// driver is the CUDA driver as one Backend uses it: one device context,
// made current on the calling OS thread by enter, and one stream, on
// which every asynchronous call is ordered. The backend calls it only
// between enter and exit, under its own mutex, so an implementation needs
// no locking of its own.
//
// The real implementation (driver_cu.go, build tag cuda) calls
// gorgonia.org/cu and a small cgo shim; the tests use a fake over host
// memory.
type driver interface {
	// enter locks the calling goroutine to its OS thread and makes the
	// context current there; exit makes the context that was current
	// before enter current again and unlocks the thread.
	enter() error
	exit()
	// capturing reports whether the stream is being captured into a
	// CUDA graph.
	capturing() (bool, error)

	// alloc and free manage device memory (alloc's memory is 256-byte
	// aligned and not initialised).
	alloc(bytes int) (uint64, error)
	free(ptr uint64) error
	// hostAlloc returns pinned host memory mapped into the device's
	// address space: the Go view of it and its device address.
	hostAlloc(bytes int) (host []byte, dev uint64, err error)
	hostFree(host []byte) error
	// pointerDevice returns the ordinal of the device a device pointer
	// belongs to.
	pointerDevice(ptr uint64) (int, error)
	// addressRange returns the allocation a device pointer lies in.
	addressRange(ptr uint64) (base uint64, size int, err error)

	// Stream-ordered work.
	memset32(ptr uint64, value uint32, n int) error
	copy(c copy2D) error
	launch(f handle, grid, block [3]int, smem int, args []uint64) error
	record(e handle) error
	// sync waits until all work on the stream has completed.
	sync() error
	// waitEvent waits until the work recorded before e has completed.
	waitEvent(e handle) error
	// elapsed returns the milliseconds between two completed events.
	elapsed(start, end handle) (float64, error)
	newEvent() (handle, error)
	destroyEvent(e handle) error

	// Modules live in the context, shared by every backend of the device.
	load(ptx string) (handle, error)
	unload(m handle) error
	function(m handle, name string) (handle, error)
	// setMaxDynamicSmem opts function f in to bytes of dynamic shared
	// memory per block (cuFuncSetAttribute), needed above 48 KiB.
	setMaxDynamicSmem(f handle, bytes int) error

	// memInfo returns the device's free and total memory.
	memInfo() (free, total int, err error)
	// close destroys the stream and releases the context.
	close() error
}

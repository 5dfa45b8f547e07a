package cuda

import (
	"sync"
	"sync/atomic"

	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// Name is the backend name reported by Backend.Name and by its memory.
const Name = "cuda"

// Sizes of the backend's pinned host buffers.
const (
	// stageBytes is the size of each of the two staging buffers through
	// which Write and Read move data (double-buffered).
	stageBytes = 4 << 20
	// maxChecks is the most value checks one op runs.
	maxChecks = 16
	// maxArgs is the most parameters a kernel takes.
	maxArgs = 64
)

// Backend is the CUDA implementation of ops.Backend on one device. See
// the package documentation for its concurrency, memory and validation
// model.
type Backend struct {
	drv  *captureGuard // the driver, refusing what a graph capture forbids
	dev  *device
	kdev kernels.Device

	// mu serialises every call into the driver (see enter).
	mu     sync.Mutex
	closed bool
	broken error // a sticky device error: every later op fails with it

	owned    map[*Memory]struct{} // live allocations made by Alloc
	inUse    atomic.Int64         // bytes of owned
	internal atomic.Int64         // device bytes held for scratch and tables

	ctl       control      // pinned validation flags and descriptors
	stage     [2]stageBuf  // pinned staging buffers
	nextStage int          // the staging buffer to use next
	scratch   arena        // per-op device scratch
	inv       invFreqCache // device copies of inverse-frequency tables
	timing    [2]handle    // events timing the peak measurements
	words     []uint64     // kernel parameters of the launch in progress
	fns       []*kfunc     // the kernels of the op being launched

	uncheckedValues bool // SetValueChecks(false)
}

// Process-wide accounting of the memory all backends hold.
var (
	liveDevice atomic.Int64 // device bytes allocated by backends, not yet freed
	livePinned atomic.Int64 // pinned host bytes
)

// LiveBytes returns the device memory, in bytes, that every open Backend
// of this process holds: tensors from Alloc not yet freed plus each
// backend's scratch and tables. It returns to its earlier value when the
// backends opened since are closed.
func LiveBytes() int { return int(liveDevice.Load()) }

// newBackend builds a backend over a driver whose context and stream
// exist, on shared device state dev. On error everything it made is
// released (the driver included).
func newBackend(drv driver, dev *device) (*Backend, error) {
	b := &Backend{drv: &captureGuard{driver: drv}, dev: dev, kdev: kernels.Device{SMs: dev.info.SMs},
		owned: map[*Memory]struct{}{}, words: make([]uint64, 0, maxArgs)}
	b.scratch = arena{alloc: b.internalAlloc, free: b.internalFree, sync: b.drv.sync}
	b.inv.b = b
	if err := drv.enter(); err != nil {
		dev.release(drv)
		drv.close()
		return nil, err
	}
	err := b.setup()
	drv.exit()
	if err != nil {
		b.mu.Lock()
		b.teardown()
		b.mu.Unlock()
		return nil, err
	}
	return b, nil
}

// setup allocates the pinned buffers and events (context current).
func (b *Backend) setup() error {
	var err error
	if b.ctl.host, b.ctl.dev, err = b.pinnedAlloc(controlBytes); err != nil {
		return err
	}
	for i := range b.stage {
		s := &b.stage[i]
		if s.host, s.addr, err = b.pinnedAlloc(stageBytes); err != nil {
			return err
		}
		if s.event, err = b.drv.newEvent(); err != nil {
			return err
		}
	}
	for i := range b.timing {
		if b.timing[i], err = b.drv.newEvent(); err != nil {
			return err
		}
	}
	return nil
}

// Name returns "cuda".
func (b *Backend) Name() string { return Name }

// Device describes the backend's device.
func (b *Backend) Device() DeviceInfo { return b.dev.info }

// MemInUse returns the device bytes of the tensors this backend allocated
// with Alloc and has not freed (each rounded up to whole 4-byte words).
func (b *Backend) MemInUse() int { return int(b.inUse.Load()) }

// InternalBytes returns the device bytes the backend holds for itself:
// scratch for kernels and value checks, and device copies of RoPE
// inverse-frequency tables.
func (b *Backend) InternalBytes() int { return int(b.internal.Load()) }

// SetValueChecks turns the device-side checks of argument values on (the
// default) or off. Off skips the checks whose bad values the kernels
// tolerate without touching memory out of bounds — positions (they only
// set rotation angles), slot values of RoPEAppend (the kernel skips a
// slot outside the cache; a slot given twice is written by an
// unspecified one of its tokens), slot indices of attention and scores
// (an index outside [0, S) is read as padding) and sink and LSE logits —
// and so saves one device round trip per op for engines that guarantee
// their values, and makes every op capture-safe (see the package
// documentation). Bad values then give unspecified results, never an
// access out of bounds.
func (b *Backend) SetValueChecks(on bool) {
	b.mu.Lock()
	b.uncheckedValues = !on
	b.mu.Unlock()
}

// errClosed is returned by every call on a closed backend.
var errClosed = ops.Errorf(ops.ErrDevice, "backend", Name, "the backend is closed")

// enter takes the backend's lock, refuses a closed or broken backend,
// makes the context current on the calling (now locked) OS thread and
// asks whether the stream is being captured into a graph, in which case
// the driver refuses, until exit, the calls a capture forbids. Every
// driver call happens between enter and exit.
func (b *Backend) enter() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return errClosed
	}
	if b.broken != nil {
		err := b.broken
		b.mu.Unlock()
		return err
	}
	if err := b.drv.enter(); err != nil {
		b.note(err)
		b.mu.Unlock()
		return err
	}
	on, err := b.drv.capturing()
	if err != nil {
		b.exit()
		return err
	}
	b.drv.on = on
	return nil
}

// exit undoes enter.
func (b *Backend) exit() {
	b.drv.on = false
	b.drv.exit()
	b.mu.Unlock()
}

// note records a sticky driver error, after which the backend refuses
// work, and returns err.
func (b *Backend) note(err error) error {
	if r, ok := resultOf(err); ok && r.Sticky() && b.broken == nil {
		b.broken = err
	}
	return err
}

// Sync waits for all work submitted to the backend. An asynchronous
// kernel fault surfaces here (or at the next call) as an ErrDevice.
func (b *Backend) Sync() error {
	if err := b.enter(); err != nil {
		return err
	}
	defer b.exit()
	return b.note(b.drv.sync())
}

// Close waits for the backend's work, frees every tensor it allocated
// that is still live (their Memory reads as freed), its scratch, tables
// and pinned buffers, and releases the device. Closing twice is a no-op.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if err := b.drv.enter(); err != nil {
		return err
	}
	err := b.drv.sync()
	if e := b.teardownEntered(); err == nil {
		err = e
	}
	return err
}

// teardown releases everything (entering the context itself).
func (b *Backend) teardown() error {
	b.closed = true
	if err := b.drv.enter(); err != nil {
		return err
	}
	return b.teardownEntered()
}

// teardownEntered releases everything with the context current, exits
// it and closes the driver. It returns the first error but keeps going.
func (b *Backend) teardownEntered() error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for m := range b.owned {
		keep(b.drv.free(m.ptr))
		b.release(m)
	}
	b.inv.clear(keep)
	keep(b.scratch.freeAll())
	for i := range b.stage {
		s := &b.stage[i]
		if s.event != 0 {
			keep(b.drv.destroyEvent(s.event))
		}
		keep(b.pinnedFree(s.host))
		s.host = nil
	}
	for _, e := range b.timing {
		if e != 0 {
			keep(b.drv.destroyEvent(e))
		}
	}
	keep(b.pinnedFree(b.ctl.host))
	b.ctl.host = nil
	keep(b.dev.release(b.drv))
	b.drv.exit()
	keep(b.drv.close())
	return first
}

// pinnedAlloc allocates pinned, device-mapped host memory.
func (b *Backend) pinnedAlloc(n int) ([]byte, uint64, error) {
	h, d, err := b.drv.hostAlloc(n)
	if err != nil {
		return nil, 0, err
	}
	livePinned.Add(int64(n))
	return h, d, nil
}

// pinnedFree frees pinned memory from pinnedAlloc (nil is a no-op).
func (b *Backend) pinnedFree(h []byte) error {
	if h == nil {
		return nil
	}
	livePinned.Add(-int64(len(h)))
	return b.drv.hostFree(h)
}

// internalAlloc allocates device memory the backend holds for itself.
func (b *Backend) internalAlloc(n int) (uint64, error) {
	p, err := b.drv.alloc(n)
	if err != nil {
		return 0, b.note(err)
	}
	b.internal.Add(int64(n))
	liveDevice.Add(int64(n))
	return p, nil
}

// internalFree frees memory from internalAlloc of n bytes.
func (b *Backend) internalFree(p uint64, n int) error {
	b.internal.Add(-int64(n))
	liveDevice.Add(-int64(n))
	return b.note(b.drv.free(p))
}

var _ ops.Backend = (*Backend)(nil)

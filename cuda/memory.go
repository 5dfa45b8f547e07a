package cuda

import (
	"sync/atomic"

	"github.com/rotorkernels/rotor/ops"
)

// Memory is device memory of one CUDA device behind a tensor: an
// allocation made by a Backend's Alloc, or an engine's memory wrapped by
// Wrap.
type Memory struct {
	ptr     uint64
	bytes   int
	alloc   int // bytes allocated: bytes rounded up to whole 4-byte words
	ordinal int
	owner   *Backend // nil for wrapped memory
	freed   atomic.Bool
}

// Backend returns "cuda".
func (m *Memory) Backend() string { return Name }

// Bytes returns the size of the memory, or 0 once it has been freed (so
// that every op rejects tensors over freed memory with ErrBuffer).
func (m *Memory) Bytes() int {
	if m.freed.Load() {
		return 0
	}
	return m.bytes
}

// Ptr returns the device address of the memory's first byte (0 for an
// empty allocation), for engines that pass rotor's tensors to their own
// kernels.
func (m *Memory) Ptr() uintptr { return uintptr(m.ptr) }

// Device returns the ordinal of the device the memory belongs to.
func (m *Memory) Device() int { return m.ordinal }

// Owned reports whether the memory was allocated by a Backend (rather
// than wrapped).
func (m *Memory) Owned() bool { return m.owner != nil }

// Alloc returns a new dense tensor in device memory, zeroed on the
// backend's stream (so the zeros precede any later op of this backend).
func (b *Backend) Alloc(dt ops.DType, shape ...int) (*ops.Tensor, error) {
	n, err := ops.DenseBytes(dt, shape)
	if err != nil {
		return nil, err
	}
	t := &ops.Tensor{DType: dt, Shape: append([]int(nil), shape...)}
	if err := b.enter(); err != nil {
		return nil, err
	}
	defer b.exit()
	m := &Memory{bytes: n, alloc: (n + 3) &^ 3, ordinal: b.dev.info.Ordinal, owner: b}
	if n > 0 {
		p, err := b.drv.alloc(m.alloc)
		if err != nil {
			return nil, b.note(err)
		}
		m.ptr = p
		if err := b.drv.memset32(p, 0, m.alloc/4); err != nil {
			b.drv.free(p)
			return nil, b.note(err)
		}
	}
	b.owned[m] = struct{}{}
	b.inUse.Add(int64(m.alloc))
	liveDevice.Add(int64(m.alloc))
	t.Mem = m
	return t, nil
}

// Free releases the device memory behind t, which must come from this
// backend's Alloc (any view of it will do), after the backend's queued
// work completes. Every tensor over that memory becomes invalid: ops
// reject it with ErrBuffer. Freeing a wrapped tensor releases nothing the
// caller owns; freeing twice is a no-op.
func (b *Backend) Free(t *ops.Tensor) error {
	if t == nil || t.Mem == nil {
		return nil
	}
	m, ok := t.Mem.(*Memory)
	if !ok {
		return ops.Errorf(ops.ErrBuffer, "t.mem", t.Mem.Backend(), "memory belongs to another backend, want %s", Name)
	}
	if m.owner == nil || m.freed.Load() {
		t.Mem = nil
		return nil
	}
	if m.owner != b {
		return ops.Errorf(ops.ErrBuffer, "t.mem", m.ptr, "allocated by another cuda backend: free it there")
	}
	if err := b.enter(); err != nil {
		return err
	}
	defer b.exit()
	if m.freed.Load() { // freed meanwhile through another view
		t.Mem = nil
		return nil
	}
	if err := b.drv.sync(); err != nil {
		return b.note(err)
	}
	if m.ptr != 0 {
		if err := b.drv.free(m.ptr); err != nil {
			return b.note(err)
		}
	}
	b.release(m)
	t.Mem = nil
	return nil
}

// release marks an owned allocation freed and drops it from the books
// (the caller has freed the device memory).
func (b *Backend) release(m *Memory) {
	m.freed.Store(true)
	delete(b.owned, m)
	b.inUse.Add(-int64(m.alloc))
	liveDevice.Add(-int64(m.alloc))
}

// Wrap returns a tensor over bytes of device memory at ptr that the
// caller owns (an engine's KV cache, say), without copying. The bytes
// must lie in one device allocation of the backend's device (the driver
// is asked) and stay allocated while the tensor is used; stride is the
// row stride of the leading dimension in elements (0 = dense). Free on
// the tensor releases nothing.
func (b *Backend) Wrap(ptr uintptr, bytes int, dt ops.DType, stride int, shape ...int) (*ops.Tensor, error) {
	if bytes < 0 {
		return nil, ops.Errorf(ops.ErrBuffer, "bytes", bytes, "want ≥ 0")
	}
	if ptr == 0 && bytes > 0 {
		return nil, ops.Errorf(ops.ErrBuffer, "ptr", ptr, "want a device address")
	}
	if _, err := ops.DenseBytes(dt, shape); err != nil {
		return nil, err
	}
	t := &ops.Tensor{DType: dt, Shape: append([]int(nil), shape...), Stride: stride,
		Mem: &Memory{ptr: uint64(ptr), bytes: bytes, ordinal: b.dev.info.Ordinal}}
	if err := ops.CheckTensor("tensor", t, Name, len(shape)); err != nil {
		return nil, err
	}
	if bytes == 0 {
		return t, nil
	}
	if err := b.enter(); err != nil {
		return nil, err
	}
	defer b.exit()
	dev, err := b.drv.pointerDevice(uint64(ptr))
	if err != nil {
		return nil, ops.Errorf(ops.ErrBuffer, "ptr", ptr, "not device memory the driver knows: %v", err)
	}
	if dev != b.dev.info.Ordinal {
		return nil, ops.Errorf(ops.ErrBuffer, "ptr", ptr, "memory of device %d, want device %d", dev, b.dev.info.Ordinal)
	}
	base, size, err := b.drv.addressRange(uint64(ptr))
	if err != nil {
		return nil, ops.Errorf(ops.ErrBuffer, "ptr", ptr, "not in a device allocation: %v", err)
	}
	if end := base + uint64(size); uint64(ptr)+uint64(bytes) > end {
		return nil, ops.Errorf(ops.ErrBuffer, "bytes", bytes, "the allocation at %#x ends %d bytes after ptr", base, end-uint64(ptr))
	}
	return t, nil
}

// addr returns the device address of t's element 0 (Offset included)
// after CheckTensor has passed: t's memory must belong to this device.
func (b *Backend) addr(t *ops.Tensor) (uint64, error) {
	if t == nil || t.Mem == nil {
		return 0, nil
	}
	m, ok := t.Mem.(*Memory)
	if !ok {
		return 0, ops.Errorf(ops.ErrBuffer, "mem", t.Mem.Backend(), "memory belongs to another backend, want %s", Name)
	}
	if m.freed.Load() {
		return 0, ops.Errorf(ops.ErrBuffer, "mem", t.String(), "the memory was freed")
	}
	if m.ordinal != b.dev.info.Ordinal {
		return 0, ops.Errorf(ops.ErrBuffer, "mem", t.String(), "memory of device %d, want device %d", m.ordinal, b.dev.info.Ordinal)
	}
	return m.ptr + uint64(t.Offset*t.DType.Size()), nil
}

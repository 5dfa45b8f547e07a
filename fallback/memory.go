package fallback

import (
	"unsafe"

	"github.com/rotorkernels/rotor/internal/hugepage"
	"github.com/rotorkernels/rotor/ops"
)

// Host is host memory readable by the fallback backend: a byte slice.
type Host struct {
	B []byte
}

// Backend returns "fallback".
func (h *Host) Backend() string { return Name }

// Bytes returns len(h.B).
func (h *Host) Bytes() int { return len(h.B) }

// Ptr returns the address of h.B's first byte (0 when empty), so that
// ops.Overlap sees two wraps of one Go buffer as the same memory.
func (h *Host) Ptr() uintptr {
	if len(h.B) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&h.B[0]))
}

// Alloc returns a dense zeroed tensor backed by Go memory aligned to 64
// bytes. Tensors of hugepage.MinBytes (8 MiB) or more, such as KV pools,
// are advised to the kernel for transparent huge pages (Linux): gathered
// rows scattered over a large pool then cost far fewer TLB misses.
func (b *Backend) Alloc(dt ops.DType, shape ...int) (*ops.Tensor, error) {
	n, err := ops.DenseBytes(dt, shape)
	if err != nil {
		return nil, err
	}
	if n > maxAlloc() {
		return nil, ops.Errorf(ops.ErrBuffer, "shape", shape, "%d bytes exceed this machine's %d bytes of memory", n, maxAlloc())
	}
	words, err := allocWords((n+63)/8 + 8)
	if err != nil {
		return nil, ops.Errorf(ops.ErrBuffer, "shape", shape, "cannot allocate %d bytes: %v", n, err)
	}
	off := 0
	if a := uintptr(unsafe.Pointer(&words[0])) & 63; a != 0 {
		off = int(64-a) / 8
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&words[off])), n)
	hugepage.Advise(raw)
	return &ops.Tensor{DType: dt, Shape: append([]int(nil), shape...), Mem: &Host{B: raw}}, nil
}

// Free drops the backend's reference; Go's collector reclaims the memory.
func (b *Backend) Free(t *ops.Tensor) error {
	if t != nil {
		t.Mem = nil
	}
	return nil
}

// Wrap returns a tensor over caller-owned bytes without copying. stride is
// the row stride of the leading dimension in elements (0 = dense).
func Wrap(dt ops.DType, mem []byte, stride int, shape ...int) *ops.Tensor {
	return &ops.Tensor{DType: dt, Shape: append([]int(nil), shape...), Stride: stride, Mem: &Host{B: mem}}
}

// WrapF32 wraps a float32 slice as an F32 tensor without copying.
func WrapF32(s []float32, shape ...int) *ops.Tensor { return Wrap(ops.F32, ops.Bytes(s), 0, shape...) }

// WrapI32 wraps an int32 slice as an I32 tensor without copying.
func WrapI32(s []int32, shape ...int) *ops.Tensor { return Wrap(ops.I32, ops.Bytes(s), 0, shape...) }

// WrapU16 wraps a uint16 slice holding bf16 or f16 bits as a tensor of
// dtype dt without copying.
func WrapU16(dt ops.DType, s []uint16, shape ...int) *ops.Tensor {
	return Wrap(dt, ops.Bytes(s), 0, shape...)
}

// bytesOf returns the bytes of t's memory from its offset on (none when
// the offset lies past the end, which ops.CheckTensor allows for an empty
// view). Callers have validated t with ops.CheckTensor.
func bytesOf(t *ops.Tensor) []byte {
	b := t.Mem.(*Host).B
	return b[min(t.Offset*t.DType.Size(), len(b)):]
}

func f32s(t *ops.Tensor) []float32 {
	b := bytesOf(t)
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func i32s(t *ops.Tensor) []int32 {
	b := bytesOf(t)
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func u16s(t *ops.Tensor) []uint16 {
	b := bytesOf(t)
	if len(b) < 2 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}

// Write copies dense host bytes into t, row by row when t is strided.
func (b *Backend) Write(dst *ops.Tensor, src []byte) error {
	if err := ops.CheckCopy("dst", dst, Name, "src", len(src)); err != nil || dst.Len() == 0 {
		return err
	}
	d := bytesOf(dst)
	es := dst.DType.Size()
	w, rs := dst.RowWidth()*es, dst.RowStride()*es
	for r := 0; r < dst.Rows(); r++ {
		copy(d[r*rs:r*rs+w], src[r*w:(r+1)*w])
	}
	return nil
}

// Read copies t into dense host bytes.
func (b *Backend) Read(dst []byte, src *ops.Tensor) error {
	if err := ops.CheckCopy("src", src, Name, "dst", len(dst)); err != nil || src.Len() == 0 {
		return err
	}
	s := bytesOf(src)
	es := src.DType.Size()
	w, rs := src.RowWidth()*es, src.RowStride()*es
	for r := 0; r < src.Rows(); r++ {
		copy(dst[r*w:(r+1)*w], s[r*rs:r*rs+w])
	}
	return nil
}

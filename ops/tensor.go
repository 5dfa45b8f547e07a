package ops

import "fmt"

// Memory is storage owned (or wrapped) by one backend: a Go byte slice for
// the fallback backend, a device allocation for the CUDA backend.
type Memory interface {
	// Backend returns the name of the backend that can read this memory.
	Backend() string
	// Bytes returns the size of the storage in bytes.
	Bytes() int
}

// Tensor is a typed, row-major view of backend memory.
//
// Only the leading dimension may be strided: element [i, j, k] of a rank-3
// tensor lives at Offset + i*RowStride() + j*Shape[2] + k (in elements).
// Stride 0 means dense rows. A positive Stride larger than the row width
// lets q, k and v be views into one fused QKV buffer (see Sub).
type Tensor struct {
	DType  DType
	Shape  []int
	Stride int // elements between consecutive rows of dim 0; 0 = dense
	Offset int // elements from the start of Mem to element 0
	Mem    Memory
}

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Dim returns Shape[i], or 0 when i is out of range.
func (t *Tensor) Dim(i int) int {
	if i < 0 || i >= len(t.Shape) {
		return 0
	}
	return t.Shape[i]
}

// Rows returns the extent of the leading dimension (1 for a scalar).
func (t *Tensor) Rows() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.Shape[0]
}

// RowWidth returns the number of elements in one row of the leading
// dimension: the product of Shape[1:].
func (t *Tensor) RowWidth() int {
	w := 1
	for _, d := range t.Shape[min(1, len(t.Shape)):] {
		w *= d
	}
	return w
}

// RowStride returns the distance in elements between consecutive rows.
func (t *Tensor) RowStride() int {
	if t.Stride > 0 {
		return t.Stride
	}
	return t.RowWidth()
}

// Len returns the number of logical elements.
func (t *Tensor) Len() int { return t.Rows() * t.RowWidth() }

// Contiguous reports whether the rows are packed with no gaps.
func (t *Tensor) Contiguous() bool { return t.RowStride() == t.RowWidth() }

// SpanElems returns the number of elements from Offset to one past the last
// element the view can address; 0 for an empty tensor.
func (t *Tensor) SpanElems() int {
	if t.Len() == 0 {
		return 0
	}
	return (t.Rows()-1)*t.RowStride() + t.RowWidth()
}

// Sub returns a view of the same memory starting offset elements after t's
// own offset, with the given shape and row stride (0 = dense). It does not
// check bounds; ops check every tensor before use.
func (t *Tensor) Sub(offset int, shape []int, stride int) *Tensor {
	return &Tensor{DType: t.DType, Shape: append([]int(nil), shape...), Stride: stride, Offset: t.Offset + offset, Mem: t.Mem}
}

// RowRange returns the view of rows [lo, hi) of the leading dimension.
func (t *Tensor) RowRange(lo, hi int) *Tensor {
	shape := append([]int(nil), t.Shape...)
	shape[0] = hi - lo
	return &Tensor{DType: t.DType, Shape: shape, Stride: t.Stride, Offset: t.Offset + lo*t.RowStride(), Mem: t.Mem}
}

// String describes the view, e.g. "bf16[8192 32 128] stride 6144".
func (t *Tensor) String() string {
	if t == nil {
		return "<nil>"
	}
	s := fmt.Sprintf("%v%v", t.DType, t.Shape)
	if t.Stride > 0 && t.Stride != t.RowWidth() {
		s += fmt.Sprintf(" stride %d", t.Stride)
	}
	if t.Offset != 0 {
		s += fmt.Sprintf(" offset %d", t.Offset)
	}
	return s
}

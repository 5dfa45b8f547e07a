package ops

import "reflect"

// Addressed is memory that knows its address (fallback.Host, cuda.Memory),
// so that Overlap sees two wraps of one buffer as the same memory.
type Addressed interface {
	// Ptr returns the address of the memory's first byte.
	Ptr() uintptr
}

// Overlap reports whether two validated views may share an element: they
// live in the same memory — the same Memory pointer, or Addressed memory
// of one backend — and their byte ranges meet. Views with the same row
// stride are compared row by row, so q and k views into one fused QKV
// buffer (the same stride, disjoint columns) do not overlap; views with
// different row strides are taken to overlap when their spans meet.
func Overlap(a, b *Tensor) bool {
	if a == nil || b == nil || a.Mem == nil || b.Mem == nil || a.Len() == 0 || b.Len() == 0 {
		return false
	}
	var baseA, baseB int
	pa, okA := a.Mem.(Addressed)
	pb, okB := b.Mem.(Addressed)
	switch {
	case okA && okB && a.Mem.Backend() == b.Mem.Backend():
		baseA, baseB = int(pa.Ptr()), int(pb.Ptr())
	case !sameMemory(a.Mem, b.Mem):
		return false
	}
	ea, eb := a.DType.Size(), b.DType.Size()
	ra := rowSpan{start: baseA + a.Offset*ea, width: a.RowWidth() * ea, stride: a.RowStride() * ea, rows: a.Rows()}
	rb := rowSpan{start: baseB + b.Offset*eb, width: b.RowWidth() * eb, stride: b.RowStride() * eb, rows: b.Rows()}
	if ra.end() <= rb.start || rb.end() <= ra.start {
		return false
	}
	switch {
	case ra.rows == 1:
		return rb.meets(ra.start, ra.end())
	case rb.rows == 1:
		return ra.meets(rb.start, rb.end())
	case ra.stride == rb.stride:
		// Two row sets of one period meet iff their column ranges meet
		// modulo the period (their spans meeting, checked above).
		s := ra.stride
		d := ((rb.start-ra.start)%s + s) % s
		return d < ra.width || s-d < rb.width
	}
	return true
}

// CheckDisjoint returns ErrBuffer naming argB when view b may share an
// element with view a (argA names it): an op that writes one of them
// while reading the other would read its own output.
func CheckDisjoint(argA string, a *Tensor, argB string, b *Tensor) error {
	if Overlap(a, b) {
		return Errorf(ErrBuffer, argB, b, "overlaps %s (%v): want separate memory", argA, a)
	}
	return nil
}

// sameMemory reports whether two Memory values are the same pointer
// (values of other kinds, equal or not, say nothing about identity).
func sameMemory(a, b Memory) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta.Kind() == reflect.Pointer && a == b
}

// rowSpan is a view's byte layout: rows of width bytes, stride apart,
// from start.
type rowSpan struct{ start, width, stride, rows int }

func (r rowSpan) end() int { return r.start + (r.rows-1)*r.stride + r.width }

// meets reports whether a row of r meets the byte range [lo, hi).
func (r rowSpan) meets(lo, hi int) bool {
	// Row i covers [start + i·stride, start + i·stride + width): the
	// first row ending after lo is the only candidate to start before hi.
	i := 0
	if lo-r.start-r.width >= 0 {
		i = (lo-r.start-r.width)/r.stride + 1
	}
	if i >= r.rows {
		return false
	}
	return r.start+i*r.stride < hi
}

package fallback

import (
	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// fview is a validated float tensor of the attention and selection ops
// seen as raw elements from its offset: f for F32, h for BF16 and F16
// bits. rs is the row stride of the leading dimension in elements.
type fview struct {
	dt ops.DType
	f  []float32
	h  []uint16
	rs int
}

func fviewOf(t *ops.Tensor) fview {
	v := fview{dt: t.DType, rs: t.RowStride()}
	if t.Len() == 0 {
		return v
	}
	if t.DType == ops.F32 {
		v.f = f32s(t)
	} else {
		v.h = u16s(t)
	}
	return v
}

// load returns the n elements at element offset off as float32: the
// memory itself for F32 (the caller must not modify it), else buf[:n]
// holding the exactly widened values.
func (v *fview) load(off, n int, buf []float32) []float32 {
	switch v.dt {
	case ops.F32:
		return v.f[off : off+n : off+n]
	case ops.BF16:
		vec.BF16ToF32(buf[:n], v.h[off:off+n])
	default:
		vec.F16ToF32(buf[:n], v.h[off:off+n])
	}
	return buf[:n]
}

// accumulate adds Σ_i p[r·pstride+i]·row_i to the rows r of acc (dv
// floats each), row_i being the dv elements at element offset offs[i]
// (vec.Accumulate); F32 and BF16 only.
func (v *fview) accumulate(acc []float32, dv int, p []float32, pstride int, offs []int) {
	if v.dt == ops.F32 {
		vec.Accumulate(acc, dv, p, pstride, v.f, offs)
		return
	}
	vec.AccumulateBF16(acc, dv, p, pstride, v.h, offs)
}

// dotsGather sets x[r·xstride+i] to scale times the dot product of row r
// of q (d floats each) with the d elements at element offset offs[i]
// (vec.DotsGather); F32 and BF16 only.
func (v *fview) dotsGather(x []float32, xstride int, q []float32, d int, scale float32, offs []int) {
	if v.dt == ops.F32 {
		vec.DotsGather(x, xstride, q, d, scale, v.f, offs)
		return
	}
	vec.DotsGatherBF16(x, xstride, q, d, scale, v.h, offs)
}

// prefetch asks for the cache lines of the n elements at element offset
// off (a hint: it changes nothing and never faults).
func (v *fview) prefetch(off, n int) {
	if v.dt == ops.F32 {
		vec.PrefetchF32(v.f[off : off+n])
		return
	}
	vec.PrefetchU16(v.h[off : off+n])
}

// loadCopy is load into buf even for F32, for callers that modify the
// values.
func (v *fview) loadCopy(off, n int, buf []float32) []float32 {
	if v.dt == ops.F32 {
		copy(buf[:n], v.f[off:off+n])
		return buf[:n]
	}
	return v.load(off, n, buf)
}

// store rounds src once to the view's dtype into the n = len(src)
// elements at element offset off.
func (v *fview) store(off int, src []float32) {
	n := len(src)
	switch v.dt {
	case ops.F32:
		copy(v.f[off:off+n], src)
	case ops.BF16:
		vec.F32ToBF16(v.h[off:off+n], src)
	default:
		vec.F32ToF16(v.h[off:off+n], src)
	}
}

// denseI32 returns t's elements in row-major order: t's own memory when
// its rows are packed, else a copy in buf (grown as needed).
func denseI32(t *ops.Tensor, buf []int32) (vals, grown []int32) {
	n := t.Len()
	if n == 0 {
		return nil, buf
	}
	if t.Contiguous() {
		return i32s(t)[:n:n], buf
	}
	buf = grow.Slice(buf, n)
	src, w, rs := i32s(t), t.RowWidth(), t.RowStride()
	for r := range t.Rows() {
		copy(buf[r*w:(r+1)*w], src[r*rs:r*rs+w])
	}
	return buf, buf
}

// denseF32 is denseI32 for F32 tensors.
func denseF32(t *ops.Tensor, buf []float32) (vals, grown []float32) {
	n := t.Len()
	if n == 0 {
		return nil, buf
	}
	if t.Contiguous() {
		return f32s(t)[:n:n], buf
	}
	buf = grow.Slice(buf, n)
	src, w, rs := f32s(t), t.RowWidth(), t.RowStride()
	for r := range t.Rows() {
		copy(buf[r*w:(r+1)*w], src[r*rs:r*rs+w])
	}
	return buf, buf
}

package sparse

import "github.com/rotorkernels/rotor/ops"

// rows is a policy-owned I32 index tensor of R rows of width W: the
// selection a policy returns. It is reused from call to call, so a
// selection stays valid until the policy's next Select.
type rows struct {
	t    *ops.Tensor // I32 [R, W]
	r, w int
}

// ensure makes the tensor R×W, reallocating only when the shape changes.
// It reports whether the old contents were kept.
func (o *rows) ensure(b ops.Backend, r, w int) (kept bool, err error) {
	if o.t != nil && o.r == r && o.w == w {
		return true, nil
	}
	if o.t != nil {
		if err := b.Free(o.t); err != nil {
			return false, err
		}
		o.t = nil
	}
	t, err := b.Alloc(ops.I32, r, w)
	if err != nil {
		return false, err
	}
	o.t, o.r, o.w = t, r, w
	return false, nil
}

// part returns the view of columns [lo, lo+n) of every row.
func (o *rows) part(lo, n int) *ops.Tensor {
	return o.t.Sub(lo, []int{o.r, n}, o.w)
}

// write copies R*W host entries into the tensor.
func (o *rows) write(b ops.Backend, host []int32) error {
	return b.Write(o.t, ops.Bytes(host))
}

// writePart writes host (R rows of n entries) into columns [lo, lo+n).
func (o *rows) writePart(b ops.Backend, lo int, host []int32) error {
	if len(host) == 0 {
		return nil
	}
	return b.Write(o.part(lo, len(host)/o.r), ops.Bytes(host))
}

// selection returns the tensor as a selection of granularity g: [W] for
// PerRequest, [R, W] otherwise.
func (o *rows) selection(g ops.Granularity) ops.Selection {
	if g == ops.PerRequest {
		return ops.Selection{Indices: o.t.Sub(0, []int{o.w}, 0), Granularity: g}
	}
	return ops.Selection{Indices: o.t, Granularity: g}
}

// scratch is a grow-only backend buffer of one dtype, handed out as
// dense views, so per-step temporaries are not reallocated.
type scratch struct {
	dt ops.DType
	t  *ops.Tensor
}

// view returns a dense view of the given shape, growing the buffer when
// needed.
func (s *scratch) view(b ops.Backend, shape ...int) (*ops.Tensor, error) {
	n, ok := ops.Size(shape...)
	if !ok {
		return nil, ops.Errorf(ops.ErrShape, "scratch", shape, "more than 2^48 elements")
	}
	t, err := s.grow(b, n)
	if err != nil {
		return nil, err
	}
	return t.Sub(0, shape, 0), nil
}

// grow makes the buffer hold at least n elements and returns it whole (a
// flat tensor, for setView).
func (s *scratch) grow(b ops.Backend, n int) (*ops.Tensor, error) {
	if s.t == nil || s.t.Len() < n {
		if s.t != nil {
			if err := b.Free(s.t); err != nil {
				return nil, err
			}
			s.t = nil
		}
		t, err := b.Alloc(s.dt, max(n, 1))
		if err != nil {
			return nil, err
		}
		s.t = t
	}
	return s.t, nil
}

// setView makes dst the view of t that t.Sub(offset, shape, stride) would
// return, reusing dst's shape slice, and returns dst: a policy keeps such
// views from step to step so that a warm step allocates nothing.
func setView(dst, t *ops.Tensor, offset, stride int, shape ...int) *ops.Tensor {
	*dst = ops.Tensor{DType: t.DType, Shape: append(dst.Shape[:0], shape...), Stride: stride, Offset: t.Offset + offset, Mem: t.Mem}
	return dst
}

// fill returns n copies of v.
func fill(n int, v int32) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// replicate returns r copies of row laid end to end.
func replicate(row []int32, r int) []int32 {
	out := make([]int32, 0, len(row)*r)
	for range r {
		out = append(out, row...)
	}
	return out
}

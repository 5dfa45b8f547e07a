package sparse

import (
	"fmt"

	"github.com/rotorkernels/rotor/ops"
)

// Context names the tokens of one request in a KV-cache slot pool.
//
// Token i of the request lives in slot Start+i of K when Slots is nil, or
// in slot Slots[i] when the engine keeps a token-to-slot table (the
// token-granular pools of SGLang and vLLM). Selections are written in
// token order.
type Context struct {
	// K is the key slot pool [S, Hk, D].
	K *ops.Tensor
	// Len is the number of the request's tokens.
	Len int
	// Start is the slot of token 0 when Slots is nil.
	Start int
	// Slots (optional) is a dense I32 [Len] backend tensor holding the
	// slot of every token, in token order.
	Slots *ops.Tensor
}

// check validates the context's shapes for backend b (named "" to skip
// the memory-owner check) and returns Hk and D.
func (c *Context) check(backend string) (hk, d int, err error) {
	if err := ops.CheckTensor("ctx.k", c.K, backend, 3, ops.F32, ops.BF16, ops.F16); err != nil {
		return 0, 0, err
	}
	s, hk, d := c.K.Shape[0], c.K.Shape[1], c.K.Shape[2]
	if hk == 0 || d == 0 {
		return 0, 0, ops.Errorf(ops.ErrShape, "ctx.k.shape", c.K.Shape, "want kv heads and head dim ≥ 1")
	}
	if c.Len < 0 {
		return 0, 0, ops.Errorf(ops.ErrRange, "ctx.len", c.Len, "want ≥ 0")
	}
	if c.Slots == nil {
		if c.Start < 0 || c.Start > s || c.Len > s-c.Start {
			return 0, 0, ops.Errorf(ops.ErrRange, "ctx.start", c.Start, "want tokens [start, start+%d) inside the %d slots", c.Len, s)
		}
		return hk, d, nil
	}
	if err := ops.CheckTensor("ctx.slots", c.Slots, backend, 1, ops.I32); err != nil {
		return 0, 0, err
	}
	if c.Slots.Stride > 1 {
		return 0, 0, ops.Errorf(ops.ErrStride, "ctx.slots.stride", c.Slots.Stride, "want a dense slot table")
	}
	if c.Slots.Shape[0] != c.Len {
		return 0, 0, ops.Errorf(ops.ErrShape, "ctx.slots.shape[0]", c.Slots.Shape[0], "want ctx.len = %d", c.Len)
	}
	if c.Len > s {
		return 0, 0, ops.Errorf(ops.ErrRange, "ctx.len", c.Len, "want at most one token per slot of the %d-slot pool", s)
	}
	return hk, d, nil
}

// hostSlots returns the slots of tokens [lo, hi) on the host, checking
// that each lies inside the pool.
func (c *Context) hostSlots(b ops.Backend, lo, hi int) ([]int32, error) {
	out := make([]int32, hi-lo)
	if hi <= lo {
		return out, nil
	}
	if c.Slots == nil {
		for i := range out {
			out[i] = int32(c.Start + lo + i)
		}
		return out, nil
	}
	if err := b.Read(ops.Bytes(out), c.Slots.Sub(lo, []int{hi - lo}, 0)); err != nil {
		return nil, err
	}
	s := c.K.Shape[0]
	for i, v := range out {
		if v < 0 || int(v) >= s {
			return nil, ops.Errorf(ops.ErrRange, fmt.Sprintf("ctx.slots[%d]", lo+i), v, "want a slot in [0, %d)", s)
		}
	}
	return out, nil
}

// same reports whether c may name the same tokens as o, grown by
// appending (o.Len ≤ c.Len): a pool of the same layout and the same slot
// addressing. Memory identity is not compared, since engines may wrap the
// same buffers anew on every step; policies document when to Reset.
func (c *Context) same(o *Context) bool {
	if c.K == nil || o.K == nil || !sameLayout(c.K, o.K) || c.Len < o.Len {
		return false
	}
	if c.Slots == nil || o.Slots == nil {
		return c.Slots == nil && o.Slots == nil && c.Start == o.Start
	}
	return true
}

// sameLayout reports whether a and b have one dtype, shape, stride and
// offset.
func sameLayout(a, b *ops.Tensor) bool {
	return a.DType == b.DType && a.Offset == b.Offset && a.Stride == b.Stride && sameShape(a.Shape, b.Shape)
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// queryView returns q as a [Hq, D] view: q may be [Hq, D] or [1, Hq, D].
// It checks D against the keys and that Hq is a multiple of hk.
func queryView(q *ops.Tensor, backend string, hk, d int) (*ops.Tensor, error) {
	return queryViewIn(q, backend, hk, d, nil)
}

// queryViewIn is queryView writing the [Hq, D] view of a [1, Hq, D] query
// into buf when buf is not nil, so that a policy's warm step allocates
// nothing.
func queryViewIn(q *ops.Tensor, backend string, hk, d int, buf *ops.Tensor) (*ops.Tensor, error) {
	if q == nil {
		return nil, ops.Errorf(ops.ErrShape, "q", nil, "a query tensor is required")
	}
	switch q.Rank() {
	case 2:
	case 3:
		if q.Shape[0] != 1 {
			return nil, ops.Errorf(ops.ErrShape, "q.shape[0]", q.Shape[0], "want one query token")
		}
	default:
		return nil, ops.Errorf(ops.ErrShape, "q.shape", q.Shape, "want [Hq, D] or [1, Hq, D]")
	}
	if err := ops.CheckTensor("q", q, backend, q.Rank(), ops.F32, ops.BF16, ops.F16); err != nil {
		return nil, err
	}
	if q.Rank() == 3 {
		if buf == nil {
			buf = new(ops.Tensor)
		}
		q = setView(buf, q, 0, 0, q.Shape[1:]...)
	}
	if err := checkHeads(q.Shape[0], q.Shape[1], hk, d); err != nil {
		return nil, err
	}
	return q, nil
}

func checkHeads(hq, qd, hk, d int) error {
	if qd != d {
		return ops.Errorf(ops.ErrShape, "q head dim", qd, "want the keys' head dim %d", d)
	}
	if hq == 0 || hq%hk != 0 {
		return ops.Errorf(ops.ErrShape, "q heads", hq, "want a positive multiple of the %d kv heads", hk)
	}
	return nil
}

// slotMap hands out I32 backend views of the slots of a run of tokens:
// the context's slot table, or for a slot range an identity table (slot i
// holds i) kept by the policy. Top-k maps candidate columns through it.
type slotMap struct {
	iota *ops.Tensor
}

// view returns the slots of tokens [lo, hi) of c as an I32 [hi-lo] view.
func (m *slotMap) view(b ops.Backend, c *Context, lo, hi int) (*ops.Tensor, error) {
	if c.Slots != nil {
		return c.Slots.Sub(lo, []int{hi - lo}, 0), nil
	}
	s := c.K.Shape[0]
	if m.iota == nil || m.iota.Len() < s {
		if m.iota != nil {
			if err := b.Free(m.iota); err != nil {
				return nil, err
			}
			m.iota = nil
		}
		t, err := b.Alloc(ops.I32, s)
		if err != nil {
			return nil, err
		}
		ids := make([]int32, s)
		for i := range ids {
			ids[i] = int32(i)
		}
		if err := b.Write(t, ops.Bytes(ids)); err != nil {
			return nil, err
		}
		m.iota = t
	}
	return m.iota.Sub(c.Start+lo, []int{hi - lo}, 0), nil
}

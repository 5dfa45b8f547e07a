package fallback

import (
	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// ropeView is a validated q, k or cache tensor seen as raw element slices
// starting at its offset: f for F32, h for BF16 and F16 bits.
type ropeView struct {
	f      []float32
	h      []uint16
	stride int // elements between consecutive rows (tokens or slots)
	heads  int
}

func viewOf(t *ops.Tensor) ropeView {
	if t == nil || t.Len() == 0 {
		return ropeView{}
	}
	v := ropeView{stride: t.RowStride(), heads: t.Shape[1]}
	if t.DType == ops.F32 {
		v.f = f32s(t)
	} else {
		v.h = u16s(t)
	}
	return v
}

// ropeScratch is one worker's reusable state: the cos and sin of the
// token it last served and a float32 buffer one head wide.
type ropeScratch struct {
	tok  int
	c, s []float32
	buf  []float32
}

// ropeJob is one RoPE or RoPEAppend call, cut into units of (token, head
// group). Jobs are recycled, so a call allocates nothing once the scratch
// has grown to the shapes in use.
type ropeJob struct {
	dt      ops.DType
	layout  ops.Layout
	mode    ops.AngleMode
	rot     *ops.Rotary
	dim     int // rotated elements per head
	headDim int
	pos     []int32

	q, k ropeView
	// RoPEAppend: k heads go to kc rows slots[t]; v rows to vc rows.
	kc, v, vc ropeView
	slots     []int32
	dv        int
	appendKV  bool

	groups, perGroup int // head groups per token, heads per group

	// The inverse frequencies in the order of the cos and sin tables:
	// bfloat16 NeoX heads go to the split kernels, so for them the tables
	// are made in split order (vec.SplitPairs) from frequencies split once
	// per call into invBuf and inv32B.
	inv    []float64
	inv32  []float32 // the same for InvFreqF32 (nil when it is)
	invBuf []float64
	inv32B []float32

	scratch []ropeScratch
	posBuf  []int32
	slotBuf []int32
}

var ropeJobs = jobs[ropeJob]{limit: 16}

func getRoPEJob() *ropeJob { return ropeJobs.get() }

// putRoPEJob recycles j, dropping its references to caller memory.
func putRoPEJob(j *ropeJob) {
	posBuf, slotBuf, scratch, invBuf, inv32B := j.posBuf, j.slotBuf, j.scratch, j.invBuf, j.inv32B
	*j = ropeJob{posBuf: posBuf[:0], slotBuf: slotBuf[:0], scratch: scratch, invBuf: invBuf, inv32B: inv32B}
	ropeJobs.put(j)
}

// gatherI32 returns the int32 entries of the rank-1 tensor t (validated)
// as a slice: a view of its memory when dense, else a copy into *buf.
func gatherI32(t *ops.Tensor, buf *[]int32) []int32 {
	n := t.Shape[0]
	if n == 0 {
		return nil
	}
	src := i32s(t)
	st := t.RowStride()
	if st == 1 {
		return src[:n]
	}
	if cap(*buf) < n {
		*buf = make([]int32, n)
	}
	out := (*buf)[:n]
	for i := range out {
		out[i] = src[i*st]
	}
	return out
}

// setup fills the fields shared by RoPE and RoPEAppend and sizes the
// per-worker scratch for width workers.
func (j *ropeJob) setup(q, k *ops.Tensor, r *ops.Rotary, mode ops.AngleMode, width int) {
	j.dt, j.layout, j.mode, j.rot = q.DType, r.Layout, mode, r
	j.dim, j.headDim = r.Dim, r.HeadDim
	j.q, j.k = viewOf(q), viewOf(k)
	j.setupFreqs()
	if len(j.scratch) < width {
		j.scratch = append(j.scratch, make([]ropeScratch, width-len(j.scratch))...)
	}
	half := r.Dim / 2
	for i := range j.scratch[:width] {
		sc := &j.scratch[i]
		sc.tok = -1
		if cap(sc.c) < half {
			sc.c, sc.s = make([]float32, half), make([]float32, half)
		}
		sc.c, sc.s = sc.c[:half], sc.s[:half]
		if cap(sc.buf) < r.HeadDim {
			sc.buf = make([]float32, r.HeadDim)
		}
		sc.buf = sc.buf[:r.HeadDim]
	}
}

// setupFreqs chooses the order of the cos and sin tables: split for
// bfloat16 NeoX heads, natural otherwise.
func (j *ropeJob) setupFreqs() {
	r := j.rot
	j.inv, j.inv32 = r.InvFreq, r.InvFreqF32
	if j.dt != ops.BF16 || j.layout != ops.NeoX {
		return
	}
	half := r.Dim / 2
	j.invBuf = grow.Slice(j.invBuf, half)
	vec.SplitPairs(j.invBuf, r.InvFreq[:half], half)
	j.inv = j.invBuf
	if r.InvFreqF32 != nil {
		j.inv32B = grow.Slice(j.inv32B, half)
		vec.SplitPairs(j.inv32B, r.InvFreqF32[:half], half)
		j.inv32 = j.inv32B
	}
}

// minChunkElems is the least work, in head elements, worth handing to
// another core.
const minChunkElems = 16 << 10

// plan splits tokens × heads into units for width workers and returns
// the unit count and the grain (units per chunk at least).
func (j *ropeJob) plan(tokens, width int) (units, grain int) {
	heads := j.q.heads + j.k.heads
	j.groups, j.perGroup = 1, max(heads, 1)
	if tokens < 2*width && heads > 1 {
		// Few tokens: split each token's heads so every worker has some.
		j.groups = min(heads, (2*width+tokens-1)/tokens)
		j.perGroup = (heads + j.groups - 1) / j.groups
		j.groups = (heads + j.perGroup - 1) / j.perGroup
	}
	unitElems := max(j.perGroup*j.headDim, 1)
	return tokens * j.groups, max(1, minChunkElems/unitElems)
}

// cosSin fills sc.c and sc.s for token t unless they hold it already, in
// the order of j.inv.
func (j *ropeJob) cosSin(sc *ropeScratch, t int) {
	if sc.tok == t {
		return
	}
	p, attn := j.pos[t], j.rot.AttentionFactor
	c, s := sc.c, sc.s[:len(sc.c)]
	if j.mode == ops.Accurate {
		vec.AccurateCosSin(c, s, p, j.inv, attn)
	} else if f32 := j.inv32; f32 != nil {
		vec.CompatCosSin(c, s, p, f32, attn)
	} else {
		inv := j.inv[:len(c)]
		for i := range c {
			c[i], s[i] = precision.CompatCosSin(p, float32(inv[i]), attn)
		}
	}
	sc.tok = t
}

// run processes units [lo, hi): unit u is head group u%groups of token
// u/groups.
func (j *ropeJob) run(worker, lo, hi int) {
	sc := &j.scratch[worker]
	hq, heads := j.q.heads, j.q.heads+j.k.heads
	for u := lo; u < hi; u++ {
		t, g := u/j.groups, u%j.groups
		h0 := g * j.perGroup
		h1 := min(heads, h0+j.perGroup)
		j.cosSin(sc, t)
		if a, b := h0, min(h1, hq); a < b {
			j.rotateInPlace(sc, &j.q, t*j.q.stride+a*j.headDim, b-a)
		}
		if a, b := max(h0, hq)-hq, h1-hq; a < b && !j.appendKV {
			j.rotateInPlace(sc, &j.k, t*j.k.stride+a*j.headDim, b-a)
		}
		for h := max(h0, hq); h < h1 && j.appendKV; h++ {
			off := t*j.k.stride + (h-hq)*j.headDim
			slot := int(j.slots[t])
			j.rotate(sc, &j.k, off, &j.kc, slot*j.kc.stride+(h-hq)*j.headDim)
		}
		if j.appendKV && g == 0 {
			j.copyV(t)
		}
	}
}

// copyV copies token t's value row into its cache slot.
func (j *ropeJob) copyV(t int) {
	n := j.v.heads * j.dv
	if n == 0 {
		return
	}
	so, do := t*j.v.stride, int(j.slots[t])*j.vc.stride
	if j.dt == ops.F32 {
		copy(j.vc.f[do:do+n], j.v.f[so:so+n])
	} else {
		copy(j.vc.h[do:do+n], j.v.h[so:so+n])
	}
}

// rotateInPlace rotates the n consecutive heads of v from element off in
// place with the worker's cos and sin; NeoX heads, and bfloat16 GPT-J
// heads, go to one vector call.
func (j *ropeJob) rotateInPlace(sc *ropeScratch, v *ropeView, off, n int) {
	if j.layout != ops.NeoX && j.dt == ops.BF16 {
		vec.RotateInterleavedBF16Heads(v.h[off:], n, j.headDim, sc.c, sc.s)
		return
	}
	if j.layout != ops.NeoX {
		for h := range n {
			j.rotate(sc, v, off+h*j.headDim, v, off+h*j.headDim)
		}
		return
	}
	switch j.dt {
	case ops.F32:
		vec.RotateHeads(v.f[off:], n, j.headDim, sc.c, sc.s)
	case ops.BF16:
		vec.RotateBF16HeadsSplit(v.h[off:], n, j.headDim, sc.c, sc.s)
	default:
		vec.RotateF16Heads(v.h[off:], n, j.headDim, sc.c, sc.s)
	}
}

// rotate rotates the head at src[so:] with the worker's cos and sin and
// stores it at dst[do:] (the same place for in-place RoPE). Elements
// past the rotary dimension are copied when src and dst differ and left
// alone otherwise.
func (j *ropeJob) rotate(sc *ropeScratch, src *ropeView, so int, dst *ropeView, do int) {
	dim, hd := j.dim, j.headDim
	half := dim / 2
	if j.dt == ops.F32 {
		x := dst.f[do : do+hd]
		if src != dst {
			copy(x, src.f[so:so+hd])
		}
		if j.layout == ops.NeoX {
			vec.Rotate(x[:half], x[half:dim], sc.c, sc.s)
		} else {
			rotateInterleaved(x[:dim], sc.c, sc.s)
		}
		return
	}
	in := src.h[so : so+hd]
	out := dst.h[do : do+hd]
	// One pass (widen, rotate and round in registers) except for binary16
	// GPT-J heads, which go through float32 in sc.buf.
	switch {
	case j.layout == ops.NeoX && j.dt == ops.BF16:
		vec.RotateBF16Split(out, in, sc.c, sc.s)
	case j.layout == ops.NeoX:
		vec.RotateF16(out, in, sc.c, sc.s)
	case j.dt == ops.BF16:
		vec.RotateInterleavedBF16(out, in, sc.c, sc.s)
	default:
		x := sc.buf[:dim]
		vec.F16ToF32(x, in[:dim])
		rotateInterleaved(x, sc.c, sc.s)
		vec.F32ToF16(out[:dim], x)
	}
	if src != dst {
		copy(out[dim:], in[dim:])
	}
}

package opstest

import (
	"fmt"
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// attnCase is one attention problem: shapes, selection, options and the
// seed of its random inputs.
type attnCase struct {
	dt                   ops.DType
	Tq, Hq, Hk, S, D, Dv int

	// Selection: dense range [start, end) when gran < 0, else index rows
	// of width W. rows, when set, supplies the index values; otherwise
	// they are drawn at random with padding.
	dense      bool
	start, end int
	gran       ops.Granularity
	W          int
	rows       []int32

	causal  bool
	scale   float64
	softcap float64
	sinks   []float64
	rope    *ops.KeyRoPE
	seed    uint64
	noLSE   bool
	// docs > 0 packs the slots into that many documents of consecutive
	// slots (document masks, see docIDs), with anchors (-1) among them
	// when anchors is set. logn is the log-n training length.
	docs    int
	anchors bool
	logn    int32
	// positions, when set, rewrites the random causal positions of the
	// fixture (f.qpos, f.kpos) before they are uploaded.
	positions func(f *attnFixture)
	// qScale multiplies the random queries (larger logits, peakier
	// softmax).
	qScale float64
	// poison, when set, edits the drawn inputs (NaN, ±Inf) before they
	// are uploaded and the truth is computed.
	poison func(f *attnFixture)
	// pad > 0 puts every tensor in a guarded buffer (see guarded), rows
	// pad elements apart beyond their width; the fuzz bodies check that
	// nothing outside O and LSE changed. lazyTruth leaves the truth to
	// the caller (truth), for calls that may be invalid.
	pad       int
	lazyTruth bool
}

func (c *attnCase) String() string {
	sel := fmt.Sprintf("%v/W%d", c.gran, c.W)
	if c.dense {
		sel = fmt.Sprintf("dense[%d,%d)", c.start, c.end)
	}
	return fmt.Sprintf("%v Tq%d H%d/%d S%d D%d/%d %s", c.dt, c.Tq, c.Hq, c.Hk, c.S, c.D, c.Dv, sel)
}

// attnFixture holds a case's exact inputs, its tensors on a backend and
// the float64 truth.
type attnFixture struct {
	c                *attnCase
	q, k, v          []float64
	idx, qpos, kpos  []int32
	qdoc, kdoc       []int32
	Q, K, V, O, LSE  *ops.Tensor
	Idx, QPos, KPos  *ops.Tensor
	QDoc, KDoc       *ops.Tensor
	Sinks            *ops.Tensor
	ref              *precision.RefAttentionResult
	idxShape, oShape []int
	// gO and gLSE are the guarded buffers of O and LSE (pad > 0); bufs
	// are the tensors to free.
	gO, gLSE *guarded
	bufs     []*ops.Tensor
}

// attnRotary is a default-θ schedule (base 10000) over dim of headDim
// dimensions with attention factor attn.
func attnRotary(headDim, dim int, attn float64, l ops.Layout) *ops.Rotary {
	inv := make([]float64, dim/2)
	inv32 := make([]float32, dim/2)
	for j := range inv {
		inv[j] = math.Pow(10000, -float64(2*j)/float64(dim))
		inv32[j] = float32(inv[j])
	}
	return &ops.Rotary{Type: "default", HeadDim: headDim, Dim: dim, InvFreq: inv, InvFreqF32: inv32,
		AttentionFactor: attn, Layout: l}
}

// attnRows draws n index rows of width W over S slots: slots with
// replacement (so duplicates occur), in random order, about a quarter
// -1 padding, every fifth row padded for its first 40 entries (a leading
// block of padding), and row 3 entirely padding when n > 3.
func attnRows(seed uint64, n, W, S int) []int32 {
	r := newRand(seed)
	out := make([]int32, n*W)
	for i := range out {
		if r.IntN(4) == 0 || S == 0 {
			out[i] = -1
		} else {
			out[i] = int32(r.IntN(S))
		}
	}
	for row := 0; row < n; row += 5 {
		for i := 0; i < min(40, W); i++ {
			out[row*W+i] = -1
		}
	}
	if n > 3 {
		for i := range W {
			out[3*W+i] = -1
		}
	}
	return out
}

// newAttnFixture draws the inputs of c, lets c.poison edit them, uploads
// them to b and computes the truth.
func newAttnFixture(t testing.TB, b ops.Backend, c *attnCase) *attnFixture {
	t.Helper()
	f := &attnFixture{c: c}
	qs := c.qScale
	if qs == 0 {
		qs = 1
	}
	f.q = randNormal(c.seed, c.Tq*c.Hq*c.D)
	for i := range f.q {
		f.q[i] *= qs
	}
	f.q = roundAll(c.dt, f.q)
	f.k = roundAll(c.dt, randNormal(c.seed+1, c.S*c.Hk*c.D))
	f.v = roundAll(c.dt, randNormal(c.seed+2, c.S*c.Hk*c.Dv))
	if !c.dense {
		nrows := 1
		f.idxShape = []int{c.W}
		switch c.gran {
		case ops.PerKVHead:
			nrows, f.idxShape = c.Hk, []int{c.Hk, c.W}
		case ops.PerQuery:
			nrows, f.idxShape = c.Tq*c.Hk, []int{c.Tq, c.Hk, c.W}
		}
		f.idx = c.rows
		if f.idx == nil {
			f.idx = attnRows(c.seed+3, nrows, c.W, c.S)
		}
	}
	if c.causal {
		r := newRand(c.seed + 4)
		f.kpos = make([]int32, c.S)
		for s := range f.kpos {
			f.kpos[s] = int32(r.IntN(max(c.S, 1)))
		}
		f.qpos = make([]int32, c.Tq)
		for i := range f.qpos {
			f.qpos[i] = int32(r.IntN(max(c.S, 1)))
		}
		if c.Tq > 1 && (c.rope == nil || c.rope.KeyPos == ops.KeyPosRank) {
			f.qpos[1] = -1 // sees no key: a fully masked row
		}
		if c.positions != nil {
			c.positions(f)
		}
	}
	if c.docs > 0 {
		f.qdoc, f.kdoc = docIDs(c)
	}
	if c.poison != nil {
		c.poison(f)
	}
	f.Q = f.input(t, b, c.dt, f.q, c.Tq, c.Hq, c.D)
	f.K = f.input(t, b, c.dt, f.k, c.S, c.Hk, c.D)
	f.V = f.input(t, b, c.dt, f.v, c.S, c.Hk, c.Dv)
	f.oShape = []int{c.Tq, c.Hq, c.Dv}
	f.O, f.gO = f.output(t, b, c.dt, f.oShape...)
	if !c.noLSE {
		f.LSE, f.gLSE = f.output(t, b, ops.F32, c.Tq, c.Hq)
	}
	if !c.dense {
		f.Idx = f.inputI32(t, b, f.idx, f.idxShape...)
	}
	if c.causal {
		f.QPos = f.inputI32(t, b, f.qpos, c.Tq)
		f.KPos = f.inputI32(t, b, f.kpos, c.S)
	}
	if c.sinks != nil {
		f.Sinks = f.input(t, b, ops.F32, c.sinks, c.Hq)
	}
	if c.docs > 0 {
		f.QDoc = f.inputI32(t, b, f.qdoc, c.Tq)
		f.KDoc = f.inputI32(t, b, f.kdoc, c.S)
	}
	if !c.lazyTruth {
		f.truth()
	}
	return f
}

// truth computes the float64 truth of the fixture.
func (f *attnFixture) truth() { f.ref = precision.RefAttention(f.refArgs()) }

// input uploads vals as a tensor of dtype dt: dense, or with pad > 0 a
// strided view in a guarded buffer.
func (f *attnFixture) input(t testing.TB, b ops.Backend, dt ops.DType, vals []float64, shape ...int) *ops.Tensor {
	t.Helper()
	if f.c.pad == 0 {
		x := upload(t, b, dt, vals, shape...)
		f.bufs = append(f.bufs, x)
		return x
	}
	g := f.guard(t, b, dt, vals, shape)
	return g.view
}

// inputI32 is input for int32 values.
func (f *attnFixture) inputI32(t testing.TB, b ops.Backend, vals []int32, shape ...int) *ops.Tensor {
	t.Helper()
	if f.c.pad == 0 {
		x := uploadI32(t, b, vals, shape...)
		f.bufs = append(f.bufs, x)
		return x
	}
	g := f.guard(t, b, ops.I32, nil, shape)
	raw := make([]float64, len(vals))
	for i, v := range vals {
		raw[i] = float64(v)
	}
	writeRaw(t, b, g.view, encode(ops.I32, raw))
	g.raw = readRaw(t, b, g.all)
	return g.view
}

// output allocates an output tensor: zeroed and dense, or with pad > 0 a
// strided view in a guarded buffer of random contents.
func (f *attnFixture) output(t testing.TB, b ops.Backend, dt ops.DType, shape ...int) (*ops.Tensor, *guarded) {
	t.Helper()
	if f.c.pad == 0 {
		x := alloc(t, b, dt, shape...)
		f.bufs = append(f.bufs, x)
		return x, nil
	}
	g := f.guard(t, b, dt, nil, shape)
	return g.view, g
}

// guard makes a guarded, strided view (rows pad elements apart beyond
// their width) holding vals (nil: random contents).
func (f *attnFixture) guard(t testing.TB, b ops.Backend, dt ops.DType, vals []float64, shape []int) *guarded {
	t.Helper()
	w := 1
	for _, d := range shape[1:] {
		w *= d
	}
	g := newGuarded(t, b, dt, shape, w+f.c.pad, f.c.seed+uint64(17*len(f.bufs)), vals)
	f.bufs = append(f.bufs, g.all)
	return g
}

// refArgs is the case as a float64 reference problem.
func (f *attnFixture) refArgs() *precision.RefAttentionArgs {
	c := f.c
	a := &precision.RefAttentionArgs{
		Tq: c.Tq, Hq: c.Hq, Hk: c.Hk, S: c.S, D: c.D, Dv: c.Dv,
		Q: f.q, K: f.k, V: f.v, QPos: f.qpos, KPos: f.kpos, QDoc: f.qdoc, KDoc: f.kdoc,
		Scale: float64(float32(c.scale)), SoftCap: float64(float32(c.softcap)), RoPE: c.rope, LogN: c.logn,
	}
	if c.sinks != nil {
		a.Sinks = roundAll(ops.F32, c.sinks)
	}
	if c.dense {
		a.Start, a.End = c.start, c.end
	} else {
		a.Indices, a.W, a.Granularity = f.idx, c.W, c.gran
	}
	return a
}

// args returns the op's arguments for the fixture.
func (f *attnFixture) args() *ops.AttentionArgs {
	c := f.c
	a := &ops.AttentionArgs{Q: f.Q, K: f.K, V: f.V, O: f.O, LSE: f.LSE, QPos: f.QPos, KPos: f.KPos,
		QDoc: f.QDoc, KDoc: f.KDoc, Scale: float32(c.scale), SoftCap: float32(c.softcap), Sinks: f.Sinks,
		RoPE: c.rope, LogN: c.logn}
	if c.dense {
		a.Sel = ops.Selection{Start: c.start, End: c.end}
	} else {
		a.Sel = ops.Selection{Indices: f.Idx, Granularity: c.gran}
	}
	return a
}

func (f *attnFixture) free(b ops.Backend) { free(b, f.bufs...) }

// run calls Attention and returns O and LSE (nil without LSE).
func (f *attnFixture) run(t testing.TB, b ops.Backend) (o, lse []float64) {
	t.Helper()
	if err := b.Attention(f.args()); err != nil {
		t.Fatalf("%v: Attention: %v", f.c, err)
	}
	o = download(t, b, f.O)
	if f.LSE != nil {
		lse = download(t, b, f.LSE)
	}
	return o, lse
}

// attnStats accumulates the worst errors of a comparison, relative to
// their allowed bounds.
type attnStats struct {
	worstO, worstF32, worstLSE float64
	rows, empty                int
}

// check compares O and LSE with the truth: per output row, for float32
// outputs |o - o*| ≤ 1e-5·max Σp|v| normwise; for 16-bit outputs each
// element may also differ by one ulp of the output dtype at
// max(|o|, |o*|) (the single rounding of O). Rows with no visible key
// must be exactly O = 0 and LSE = -Inf (or the sink). Where the truth is
// NaN or infinite (non-finite inputs) the output must be the same: NaN
// for NaN, an infinity of the same sign for an infinity.
func (f *attnFixture) check(t testing.TB, o, lse []float64, st *attnStats) {
	t.Helper()
	c, ref := f.c, f.ref
	bad := 0
	for row := range c.Tq * c.Hq {
		st.rows++
		got := o[row*c.Dv : (row+1)*c.Dv]
		want := ref.O[row*c.Dv : (row+1)*c.Dv]
		if ref.Visible[row] == 0 {
			st.empty++
			for d, x := range got {
				if x != 0 {
					bad++
					if bad <= 5 {
						t.Errorf("%v: row %d has no visible key: o[%d] = %g, want 0", c, row, d, x)
					}
					break
				}
			}
			if lse != nil && lse[row] != ref.LSE[row] {
				bad++
				if bad <= 5 {
					t.Errorf("%v: row %d has no visible key: lse = %g, want %g", c, row, lse[row], ref.LSE[row])
				}
			}
			continue
		}
		mag := 0.0
		for _, m := range ref.Mag[row*c.Dv : (row+1)*c.Dv] {
			if finite(m) {
				mag = max(mag, m)
			}
		}
		for d := range got {
			if math.IsNaN(got[d]) && !math.IsNaN(want[d]) && f.zeroTimesValue(row/c.Hq, row%c.Hq, d) {
				continue // allowed: see zeroTimesValue
			}
			if !finite(want[d]) { // NaN (or ±Inf) from a non-finite input
				if !sameNonFinite(got[d], want[d]) {
					bad++
					if bad <= 5 {
						t.Errorf("%v: o[row %d, %d] = %g, want %g", c, row, d, got[d], want[d])
					}
				}
				continue
			}
			bound := precision.AttentionOBound(c.dt, mag, got[d], want[d])
			e := math.Abs(got[d] - want[d])
			if !(e <= bound) {
				bad++
				if bad <= 5 {
					t.Errorf("%v: o[row %d, %d] = %.9g, want %.9g (|err| %.3g > bound %.3g)", c, row, d, got[d], want[d], e, bound)
				}
			} else if bound > 0 {
				st.worstO = max(st.worstO, e/bound)
				if c.dt == ops.F32 {
					st.worstF32 = max(st.worstF32, e/bound)
				}
			}
		}
		if lse != nil && !finite(ref.LSE[row]) {
			if !sameNonFinite(lse[row], ref.LSE[row]) {
				bad++
				if bad <= 5 {
					t.Errorf("%v: lse[row %d] = %g, want %g", c, row, lse[row], ref.LSE[row])
				}
			}
		} else if lse != nil {
			bound := precision.AttentionLSEBound(ref.LSE[row])
			e := math.Abs(lse[row] - ref.LSE[row])
			if !(e <= bound) {
				bad++
				if bad <= 5 {
					t.Errorf("%v: lse[row %d] = %.9g, want %.9g (|err| %.3g > %.3g)", c, row, lse[row], ref.LSE[row], e, bound)
				}
			} else {
				st.worstLSE = max(st.worstLSE, e/bound)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%v: %d mismatches in all", c, bad)
	}
}

// zeroTimesValue reports whether the selection row of output row (t, h)
// lists a slot whose value row holds a NaN or an infinity in column d.
// Weights of 0 then make 0·NaN or 0·Inf, so the contract
// (ops.AttentionArgs) lets a NaN reach the row where the float64 truth is
// a number or an infinity: from a slot masked for the row but seen by
// another query token of the call, or from a seen slot whose float32
// weight rounds to 0 while its float64 weight does not.
func (f *attnFixture) zeroTimesValue(t, h, d int) bool {
	c := f.c
	kv := h / (c.Hq / c.Hk)
	for _, s := range f.selRow(t, kv) {
		if s >= 0 && !finite(f.v[(int(s)*c.Hk+kv)*c.Dv+d]) {
			return true
		}
	}
	return false
}

// runAttnCase runs c on b and checks it against the truth.
func runAttnCase(t testing.TB, b ops.Backend, c *attnCase, st *attnStats) {
	t.Helper()
	f := newAttnFixture(t, b, c)
	defer f.free(b)
	o, lse := f.run(t, b)
	f.check(t, o, lse, st)
}

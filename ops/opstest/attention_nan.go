package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// RunNaN runs the NaN part of the suite (also part of Run): the NaN rule
// of ops.AttentionArgs on every attention path, and NaN through Merge and
// the selection primitives. A backend with several code paths chosen
// outside the op's arguments (the fallback's SIMD levels) runs it once
// per path.
func RunNaN(t *testing.T, b ops.Backend) {
	t.Run("attention", func(t *testing.T) { testAttnNaN(t, b) })
	t.Run("merge", func(t *testing.T) { testMergeNaN(t, b) })
	t.Run("selection", func(t *testing.T) { testSelectionNaN(t, b) })
}

// nanShapes are the attention paths the NaN rule is checked on: rows of
// one key block, causal rows with sinks and a soft-cap, split-KV decode
// over long rows, prefill tiles of many query tokens, and in-op key RoPE.
var nanShapes = []struct {
	name string
	c    attnCase
}{
	{"short", attnCase{Tq: 3, Hq: 8, Hk: 4, S: 200, D: 64, Dv: 48, W: 56}},
	{"causal-sinks-softcap", attnCase{Tq: 6, Hq: 8, Hk: 4, S: 200, D: 64, Dv: 64, W: 60, causal: true,
		sinks: []float64{0.5, -1, math.Inf(-1), 3, 2.25, -0.75, 10, math.Inf(-1)}, softcap: 20}},
	{"decode-split", attnCase{Tq: 1, Hq: 16, Hk: 4, S: 1200, D: 64, Dv: 64, W: 1100}},
	{"prefill", attnCase{Tq: 40, Hq: 12, Hk: 4, S: 200, D: 32, Dv: 32, W: 90, causal: true}},
	{"key-rope", attnCase{Tq: 3, Hq: 8, Hk: 4, S: 300, D: 64, Dv: 32, W: 80,
		rope: &ops.KeyRoPE{Rotary: attnRotary(64, 64, 1, ops.NeoX), KeyPos: ops.KeyPosRank}}},
}

// testAttnNaN checks the NaN rule on every path of nanShapes, every float
// dtype and every selection kind (dense range and the three
// granularities). Each case plants three NaNs: in the query of the last
// (token, head), which belongs to the last kv head; in the key of a slot
// that a selection row of kv head 0 lists; in the value of a slot that a
// selection row of kv head 1 lists (for causal cases the listed slot with
// the lowest position, which every query that sees any key of the row
// sees). The float64 truth then has NaN O and LSE in the rows whose
// logits meet a NaN, NaN O with a finite LSE in the rows that weigh the
// NaN value, finite rows elsewhere (kv head 2) and, where the fixture has
// them, rows with no visible key; check compares every row. The test
// fails if a case lacks any of the first three kinds of rows, so it
// cannot pass vacuously.
func testAttnNaN(t *testing.T, b ops.Backend) {
	seed := uint64(8000)
	for _, dt := range floatDTypes {
		for _, sh := range nanShapes {
			for sel := range 1 + len(granularities) { // the dense range, then each granularity
				seed += 10
				c := sh.c
				c.dt, c.seed = dt, seed
				if sel == 0 {
					c.dense, c.W = true, 0
				} else {
					c.gran = granularities[sel-1]
				}
				if dt != ops.F32 && sh.name == "decode-split" && sel > 1 {
					continue // the split path is the same; keep the suite quick
				}
				c.poison = plantNaNs
				selName := "dense"
				if sel > 0 {
					selName = c.gran.String()
				}
				t.Run(dt.String()+"/"+sh.name+"/"+selName, func(t *testing.T) {
					var st attnStats
					f := newAttnFixture(t, b, &c)
					defer f.free(b)
					o, lse := f.run(t, b)
					f.check(t, o, lse, &st)
					requireNaNRows(t, f)
				})
			}
		}
	}
}

// plantNaNs is testAttnNaN's poison.
func plantNaNs(f *attnFixture) {
	c := f.c
	nan := math.NaN()
	f.q[((c.Tq-1)*c.Hq+c.Hq-1)*c.D+c.D/2] = nan
	if s := f.seenSlot(0); s >= 0 {
		f.k[(int(s)*c.Hk)*c.D+1] = nan
	}
	if s := f.seenSlot(1); s >= 0 {
		f.v[(int(s)*c.Hk+1)*c.Dv+c.Dv-1] = nan
	}
}

// seenSlot returns a slot that a selection row of kv head kv lists (the
// first row, by token, that lists any) — with causal masking the one with
// the lowest key position — or -1.
func (f *attnFixture) seenSlot(kv int) int32 {
	for t := range f.c.Tq {
		best := int32(-1)
		for _, s := range f.selRow(t, kv) {
			if s >= 0 && (best < 0 || (f.kpos != nil && f.kpos[s] < f.kpos[best])) {
				best = s
			}
		}
		if best >= 0 {
			return best
		}
	}
	return -1
}

// selRow returns the slots of the selection row of (t, kv).
func (f *attnFixture) selRow(t, kv int) []int32 { return f.refArgs().AppendRow(nil, t, kv) }

// requireNaNRows fails unless the truth of f has a row whose LSE is NaN,
// a row whose O is NaN under a finite LSE, and a finite non-empty row.
func requireNaNRows(t testing.TB, f *attnFixture) {
	t.Helper()
	c, ref := f.c, f.ref
	var nanLSE, nanO, fine bool
	for row := range c.Tq * c.Hq {
		o := ref.O[row*c.Dv : (row+1)*c.Dv]
		oNaN := false
		for _, x := range o {
			oNaN = oNaN || math.IsNaN(x)
		}
		switch {
		case math.IsNaN(ref.LSE[row]):
			nanLSE = true
		case oNaN:
			nanO = true
		case ref.Visible[row] > 0:
			fine = true
		}
	}
	if !nanLSE || !nanO || !fine {
		t.Errorf("%v: the case does not test the rule: rows with NaN LSE %v, NaN O only %v, finite %v", c, nanLSE, nanO, fine)
	}
}

// testMergeNaN checks that Merge propagates NaN: one half of a row
// attended with testAttnNaN's NaNs and one clean half, merged, give NaN O
// and LSE where the first half's LSE is NaN, NaN O where only its O is,
// and elsewhere the float64 merge of the two halves.
func testMergeNaN(t *testing.T, b ops.Backend) {
	const W = 200
	for i, dt := range floatDTypes {
		r := newRand(uint64(8500 + i))
		half1, half2 := make([]int32, W), make([]int32, W)
		for e := range W {
			half1[e], half2[e] = int32(r.IntN(500)), int32(500+r.IntN(500))
		}
		mk := func(rows []int32, poison func(*attnFixture)) *attnFixture {
			return newAttnFixture(t, b, &attnCase{dt: dt, Tq: 3, Hq: 8, Hk: 4, S: 1000, D: 64, Dv: 64,
				gran: ops.PerRequest, W: W, rows: rows, seed: uint64(8510 + i), poison: poison})
		}
		f1, f2 := mk(half1, plantNaNs), mk(half2, nil)
		o1, l1 := f1.run(t, b)
		o2, l2 := f2.run(t, b)
		out := alloc(t, b, dt, 3, 8, 64)
		lse := alloc(t, b, ops.F32, 3, 8)
		if err := b.Merge(&ops.MergeArgs{O1: f1.O, LSE1: f1.LSE, O2: f2.O, LSE2: f2.LSE, O: out, LSE: lse}); err != nil {
			t.Fatalf("%v: Merge: %v", dt, err)
		}
		om, lm := download(t, b, out), download(t, b, lse)
		ro, rl := precision.RefMerge(o1, l1, o2, l2, 64)
		var nanLSE, nanO, fine bool
		for row := range 3 * 8 {
			rowNaN := false
			for d := range 64 {
				k := row*64 + d
				got, want := om[k], ro[k]
				if !finite(want) {
					rowNaN = true
					if !sameNonFinite(got, want) {
						t.Errorf("%v: merged o[%d, %d] = %g, want %g", dt, row, d, got, want)
					}
					continue
				}
				bound := 4*precision.U32*max(math.Abs(o1[k]), math.Abs(o2[k]), math.Abs(want)) + precision.Spacing(dt, max(math.Abs(got), math.Abs(want)))
				if !(math.Abs(got-want) <= bound) {
					t.Errorf("%v: merged o[%d, %d] = %g, float64 merge %g", dt, row, d, got, want)
				}
			}
			switch {
			case math.IsNaN(rl[row]):
				nanLSE = true
				if !math.IsNaN(lm[row]) {
					t.Errorf("%v: merged lse[%d] = %g, want NaN", dt, row, lm[row])
				}
			case rowNaN:
				nanO = true
			default:
				fine = true
			}
			if !math.IsNaN(rl[row]) && !(math.Abs(lm[row]-rl[row]) <= 4*precision.U32*max(1, math.Abs(rl[row]))) {
				t.Errorf("%v: merged lse[%d] = %g, float64 merge %g", dt, row, lm[row], rl[row])
			}
		}
		if !nanLSE || !nanO || !fine {
			t.Errorf("%v: the merge does not test the rule: rows with NaN LSE %v, NaN O only %v, finite %v", dt, nanLSE, nanO, fine)
		}
		free(b, out, lse)
		f1.free(b)
		f2.free(b)
	}
}

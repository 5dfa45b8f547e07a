package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// testMerge checks Merge: two attentions over disjoint halves of a row,
// merged, equal the attention over the whole row; the merge of the actual
// halves equals the float64 merge of them; an empty side (LSE -Inf)
// leaves the other side exactly; two empty sides give O = 0, LSE = -Inf;
// O may alias O1.
func testMerge(t *testing.T, b ops.Backend) {
	const W = 300
	for i, dt := range floatDTypes {
		r := newRand(uint64(7500 + i))
		whole := make([]int32, W)
		for e := range whole {
			whole[e] = int32(r.IntN(1000))
			if e%7 == 0 {
				whole[e] = -1
			}
		}
		half1, half2 := make([]int32, W), make([]int32, W)
		for e, s := range whole { // disjoint by position in the row
			half1[e], half2[e] = -1, -1
			if e%2 == 0 {
				half1[e] = s
			} else {
				half2[e] = s
			}
		}
		empty := make([]int32, W)
		for e := range empty {
			empty[e] = -1
		}
		base := attnCase{dt: dt, Tq: 3, Hq: 8, Hk: 2, S: 1000, D: 64, Dv: 64, gran: ops.PerRequest, W: W,
			causal: true, seed: uint64(7510 + i)}
		mk := func(rows []int32) *attnFixture {
			c := base
			c.rows = rows
			return newAttnFixture(t, b, &c)
		}
		fw, f1, f2, fe := mk(whole), mk(half1), mk(half2), mk(empty)
		fw.run(t, b)
		o1, l1 := f1.run(t, b)
		o2, l2 := f2.run(t, b)
		fe.run(t, b)
		out := alloc(t, b, dt, base.Tq, base.Hq, base.Dv)
		lse := alloc(t, b, ops.F32, base.Tq, base.Hq)
		merge := func(a1, b1, a2, b2 *ops.Tensor) ([]float64, []float64) {
			t.Helper()
			if err := b.Merge(&ops.MergeArgs{O1: a1, LSE1: b1, O2: a2, LSE2: b2, O: out, LSE: lse}); err != nil {
				t.Fatalf("%v: Merge: %v", dt, err)
			}
			return download(t, b, out), download(t, b, lse)
		}

		// Halves merged against the truth over the whole row.
		om, lm := merge(f1.O, f1.LSE, f2.O, f2.LSE)
		checkMerged(t, fw, om, lm)

		// Against the float64 merge of the actual halves.
		ro, rl := precision.RefMerge(o1, l1, o2, l2, base.Dv)
		for k := range om {
			bound := precision.MergeOBound(dt, o1[k], o2[k], om[k], ro[k])
			if math.Abs(om[k]-ro[k]) > bound {
				t.Errorf("%v: merge o[%d] = %g, float64 merge of the same halves %g", dt, k, om[k], ro[k])
				break
			}
		}
		for k := range lm {
			if math.Abs(lm[k]-rl[k]) > precision.MergeLSEBound(rl[k]) {
				t.Errorf("%v: merge lse[%d] = %g, float64 merge %g", dt, k, lm[k], rl[k])
			}
		}

		// An empty side leaves the other exactly, on either side.
		for side := range 2 {
			var om2, lm2 []float64
			if side == 0 {
				om2, lm2 = merge(f1.O, f1.LSE, fe.O, fe.LSE)
			} else {
				om2, lm2 = merge(fe.O, fe.LSE, f1.O, f1.LSE)
			}
			if !equalBits(om2, o1) || !equalBits(lm2, l1) {
				t.Errorf("%v: merging with an empty side (side %d) changed the result", dt, side)
			}
		}
		// Two empty sides.
		om3, lm3 := merge(fe.O, fe.LSE, fe.O, fe.LSE)
		for k := range om3 {
			if om3[k] != 0 {
				t.Fatalf("%v: empty ⊕ empty: o[%d] = %g, want 0", dt, k, om3[k])
			}
		}
		for k := range lm3 {
			if !math.IsInf(lm3[k], -1) {
				t.Fatalf("%v: empty ⊕ empty: lse[%d] = %g, want -Inf", dt, k, lm3[k])
			}
		}

		// In place: O aliases O1.
		if err := b.Merge(&ops.MergeArgs{O1: f1.O, LSE1: f1.LSE, O2: f2.O, LSE2: f2.LSE, O: f1.O, LSE: f1.LSE}); err != nil {
			t.Fatalf("%v: in-place Merge: %v", dt, err)
		}
		if !equalBits(download(t, b, f1.O), om) || !equalBits(download(t, b, f1.LSE), lm) {
			t.Errorf("%v: in-place merge differs from the out-of-place one", dt)
		}
		free(b, out, lse)
		for _, f := range []*attnFixture{fw, f1, f2, fe} {
			f.free(b)
		}
	}
}

// checkMerged compares a merged result with the fixture's truth over the
// union: each half contributes its own float32 error, and 16-bit halves
// one rounding each, so the bound is twice the attention bound plus one
// more ulp.
func checkMerged(t *testing.T, f *attnFixture, o, lse []float64) {
	t.Helper()
	c, ref := f.c, f.ref
	for row := range c.Tq * c.Hq {
		if ref.Visible[row] == 0 {
			for d := range c.Dv {
				if o[row*c.Dv+d] != 0 {
					t.Errorf("%v: merged empty row %d: o[%d] = %g", c.dt, row, d, o[row*c.Dv+d])
					break
				}
			}
			if !math.IsInf(lse[row], -1) {
				t.Errorf("%v: merged empty row %d: lse = %g, want -Inf", c.dt, row, lse[row])
			}
			continue
		}
		mag := 0.0
		for d := range c.Dv {
			mag = max(mag, ref.Mag[row*c.Dv+d])
		}
		for d := range c.Dv {
			got, want := o[row*c.Dv+d], ref.O[row*c.Dv+d]
			bound := 2 * precision.AttentionTol * mag
			if c.dt != ops.F32 {
				bound += precision.Spacing(c.dt, mag) + precision.Spacing(c.dt, max(math.Abs(got), math.Abs(want)))
			}
			if math.Abs(got-want) > bound {
				t.Errorf("%v: merged o[%d,%d] = %.8g, attention over the union %.8g (bound %.3g)", c.dt, row, d, got, want, bound)
				return
			}
		}
		if e := math.Abs(lse[row] - ref.LSE[row]); e > 2*precision.AttentionTol*max(1, math.Abs(ref.LSE[row])) {
			t.Errorf("%v: merged lse[%d] = %.8g, want %.8g", c.dt, row, lse[row], ref.LSE[row])
		}
	}
}

// testMergeErrors checks Merge's validation: shapes, dtypes, and LSE
// values of +Inf, with the outputs untouched.
func testMergeErrors(t *testing.T, b ops.Backend) {
	o1 := upload(t, b, ops.BF16, randNormal(7600, 2*4*8), 2, 4, 8)
	o2 := upload(t, b, ops.BF16, randNormal(7601, 2*4*8), 2, 4, 8)
	l1 := upload(t, b, ops.F32, randNormal(7602, 8), 2, 4)
	l2 := upload(t, b, ops.F32, randNormal(7603, 8), 2, 4)
	o := upload(t, b, ops.BF16, randNormal(7604, 2*4*8), 2, 4, 8)
	l := upload(t, b, ops.F32, randNormal(7605, 8), 2, 4)
	lInf1 := upload(t, b, ops.F32, []float64{0, 1, 2, math.Inf(1), 4, 5, 6, 7}, 2, 4)
	lInf := upload(t, b, ops.F32, []float64{0, 1, 2, 3, 4, 5, math.Inf(1), 7}, 2, 4)
	oF16 := alloc(t, b, ops.F16, 2, 4, 8)
	oShape := alloc(t, b, ops.BF16, 2, 4, 9)
	lShape := alloc(t, b, ops.F32, 2, 5)
	defer free(b, o1, o2, l1, l2, o, l, lInf1, lInf, oF16, oShape, lShape)
	snap := takeSnapshot(t, b, o, l, o1, o2)
	valid := func() *ops.MergeArgs { return &ops.MergeArgs{O1: o1, LSE1: l1, O2: o2, LSE2: l2, O: o, LSE: l} }
	cases := []struct {
		name     string
		sentinel error
		arg      string
		edit     func(a *ops.MergeArgs)
	}{
		{"nil o1", ops.ErrShape, "o1", func(a *ops.MergeArgs) { a.O1 = nil }},
		{"o2 dtype", ops.ErrDType, "o2.dtype", func(a *ops.MergeArgs) { a.O2 = oF16 }},
		{"o shape", ops.ErrShape, "o.shape[2]", func(a *ops.MergeArgs) { a.O = oShape }},
		{"lse2 shape", ops.ErrShape, "lse2.shape[1]", func(a *ops.MergeArgs) { a.LSE2 = lShape }},
		{"lse nil", ops.ErrShape, "lse", func(a *ops.MergeArgs) { a.LSE = nil }},
		{"lse1 +Inf", ops.ErrRange, "lse1[3]", func(a *ops.MergeArgs) { a.LSE1 = lInf1 }},
		{"lse2 +Inf", ops.ErrRange, "lse2[6]", func(a *ops.MergeArgs) { a.LSE2 = lInf }},
		{"foreign o1", ops.ErrBuffer, "o1.mem", func(a *ops.MergeArgs) { a.O1 = foreign(ops.BF16, 2, 4, 8) }},
	}
	for _, mc := range cases {
		a := valid()
		mc.edit(a)
		checkArg(t, b.Merge(a), mc.sentinel, mc.arg)
		snap.unchanged(t, b, mc.name)
	}
	if err := b.Merge(nil); !isErr(err, ops.ErrShape) {
		t.Errorf("Merge(nil) = %v, want ErrShape", err)
	}
}

package opstest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// fuzzHeads decodes a query-head and kv-head count: Hk ≤ 3 and Hq a
// multiple of it, or any count up to 12 when hq ≥ 128.
func fuzzHeads(hq, hk uint8) (Hq, Hk int) {
	Hk = 1 + int(hk%3)
	Hq = Hk * (1 + int(hq%4))
	if hq >= 128 {
		Hq = int(hq % 13)
	}
	return Hq, Hk
}

// fuzzHeadDim decodes a head dimension from a small set, 0 included.
func fuzzHeadDim(d uint8) int { return [...]int{8, 16, 4, 32, 1, 24, 64, 0}[d%8] }

// fuzzScale decodes a scale: 0 (the default), NaN or +Inf (invalid), or
// x/32.
func fuzzScale(x int8) float32 {
	switch x {
	case -128:
		return float32(math.NaN())
	case 127:
		return float32(math.Inf(1))
	}
	return float32(x) / 32
}

// corruptOne breaks *ts[arg % len] with mode and reports whether the call
// is now invalid for certain (optional says which may be nil).
func corruptOne(ts []**ops.Tensor, optional map[**ops.Tensor]bool, arg, mode uint8) bool {
	if mode == 0 || len(ts) == 0 {
		return false
	}
	p := ts[int(arg)%len(ts)]
	if *p == nil {
		return false
	}
	certain := mode <= 9 && !(optional[p] && mode == 1) && !(mode == 8 && (*p).Len() == 0)
	*p = corrupt(mode, *p)
	return certain
}

// refused checks a refused call: a typed error and untouched buffers.
func refused(t testing.TB, b ops.Backend, err error, gs ...*guarded) {
	t.Helper()
	typedError(t, err)
	for _, g := range gs {
		g.unchanged(t, b, "refused call")
	}
}

// within fails t unless got matches want within bound (same non-finite
// value where want is not finite).
func within(t testing.TB, what string, i int, got, want, bound float64) {
	t.Helper()
	if !finite(want) {
		if !sameNonFinite(got, want) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got, want)
		}
		return
	}
	if !(math.Abs(got-want) <= bound) {
		t.Fatalf("%s[%d] = %.9g, want %.9g (bound %.3g)", what, i, got, want, bound)
	}
}

// FuzzScores is the fuzz body of Backend.Scores on b: heads, head
// dimensions, slot ranges or lists with padding and values out of range,
// scales (NaN and Inf invalid), planted NaN and ±Inf, a strided output in
// a guarded buffer and one corrupted argument; a success must match the
// float64 dot products within their float32 bound.
func FuzzScores(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, hq, hk, d, s, cand, dt uint8, scale int8, corruptArg, corruptMode uint8, specials []byte) {
		Hq, Hk := fuzzHeads(hq, hk)
		D, S, dtype := fuzzHeadDim(d), int(s%80), fuzzDType(dt)
		q, k := fuzzValues(seed, Hq*D, dtype), fuzzValues(seed+1, S*Hk*D, dtype)
		plantSpecialsIn(specials, q, k)
		r := newRand(seed + 2)
		sel, slots, valid := fuzzCandidates(r, seed+3, cand, S, 50)
		gq := newGuarded(t, b, dtype, []int{Hq, D}, D+1, seed, q)
		gk := newGuarded(t, b, dtype, []int{S, Hk, D}, 0, seed+1, k)
		N := len(slots)
		gout := newGuarded(t, b, ops.F32, []int{Hq, N}, N+2, seed+4, nil)
		gs := []*guarded{gq, gk, gout}
		var idx *ops.Tensor
		if sel.End == 0 && sel.Start == 0 && cand%4 != 0 && cand%4 != 3 {
			idx = uploadI32(t, b, slots, N)
			sel = ops.Selection{Indices: idx}
			defer free(b, idx)
		}
		defer func() {
			for _, g := range gs {
				free(b, g.all)
			}
		}()
		a := &ops.ScoresArgs{Q: gq.view, K: gk.view, Candidates: sel, Out: gout.view, Scale: fuzzScale(scale)}
		corrupted := corruptOne([]**ops.Tensor{&a.Q, &a.K, &a.Out, &a.Candidates.Indices}, map[**ops.Tensor]bool{&a.Candidates.Indices: true}, corruptArg, corruptMode)
		err := b.Scores(a)
		if err != nil {
			refused(t, b, err, gout)
			return
		}
		// A dropped list leaves the valid range [0, S): a bad value in the
		// list no longer makes the call invalid.
		dropped := a.Candidates.Indices == nil && idx != nil
		if corrupted || (!valid && !dropped) || math.IsNaN(float64(a.Scale)) || math.IsInf(float64(a.Scale), 0) {
			t.Fatalf("Scores with invalid arguments succeeded")
		}
		if dropped { // the range [0, S)
			slots = seq(0, S)
			if len(slots) != N {
				return // the output view no longer matches; only the guards are checked
			}
		}
		want, bound := precision.RefScores(q, k, Hq, Hk, D, slots, scoreScale(float64(a.Scale), D))
		for i, x := range gout.values(t, b) {
			within(t, "score", i, x, want[i], bound[i])
		}
		gout.outside(t, b, "scores")
	})
}

// FuzzCriticality is the fuzz body of Backend.Criticality on b: scores
// [Hq, N] with many NaN, ±Inf and ±0 entries, a guarded output and one
// corrupted argument; a success must match the float64 soft vote within
// its bound.
func FuzzCriticality(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, hq, n uint8, specials []byte, corruptArg, corruptMode uint8) {
		Hq, N := int(hq%9), int(n)
		s := randNormal(seed, Hq*N)
		for i := range s {
			s[i] *= 6
		}
		plantSpecials(s, specials)
		s = roundAll(ops.F32, s)
		if len(specials) > 0 && specials[0]%5 == 0 && Hq > 1 { // a whole head of NaN: a NaN query
			for i := range N {
				s[N+i] = math.NaN()
			}
		}
		gs := newGuarded(t, b, ops.F32, []int{Hq, N}, N+1, seed, s)
		gout := newGuarded(t, b, ops.F32, []int{N}, 0, seed+1, nil)
		defer free(b, gs.all, gout.all)
		a := &ops.CriticalityArgs{Scores: gs.view, Out: gout.view}
		corrupted := corruptOne([]**ops.Tensor{&a.Scores, &a.Out}, nil, corruptArg, corruptMode)
		err := b.Criticality(a)
		if err != nil {
			refused(t, b, err, gout)
			return
		}
		if corrupted {
			t.Fatalf("Criticality with a corrupted argument succeeded")
		}
		want, bound, _ := precision.RefCriticality(s, Hq, N)
		for i, x := range gout.values(t, b) {
			within(t, "vote", i, x, want[i], bound[i]+1e-37)
		}
		gout.outside(t, b, "criticality")
	})
}

// FuzzTopK is the fuzz body of Backend.TopK on b: rows of the kinds the
// conformance test draws (normal, ties, narrow, special values, almost
// all NaN, all equal) with planted specials, k from 0 past N, with and
// without Map, a guarded output and one corrupted argument; a success
// must equal the brute-force definition exactly.
func FuzzTopK(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, rows uint8, n, k uint16, kind uint8, withMap bool, specials []byte, corruptArg, corruptMode uint8) {
		kinds := []string{"normal", "ties", "narrow", "special", "nan", "equal"}
		R, N := int(rows%5), int(n%1500)
		K := int(k % uint16(N+9))
		if k >= 0x8000 {
			K = -int(k % 3) // invalid
		}
		s := topkRows(kinds[int(kind)%len(kinds)], seed, R, N)
		plantSpecials(s, specials)
		s = roundAll(ops.F32, s)
		gs := newGuarded(t, b, ops.F32, []int{R, N}, 0, seed, s)
		gout := newGuarded(t, b, ops.I32, []int{R, max(K, 0)}, max(K, 0)+1, seed+1, nil)
		m := make([]int32, N)
		for i := range m {
			m[i] = int32(5*i + 2)
		}
		var mt *ops.Tensor
		if withMap {
			mt = uploadI32(t, b, m, N)
			defer free(b, mt)
		}
		defer free(b, gs.all, gout.all)
		a := &ops.TopKArgs{Scores: gs.view, K: K, Out: gout.view, Map: mt}
		corrupted := corruptOne([]**ops.Tensor{&a.Scores, &a.Out, &a.Map}, map[**ops.Tensor]bool{&a.Map: true}, corruptArg, corruptMode)
		err := b.TopK(a)
		if err != nil {
			refused(t, b, err, gout)
			return
		}
		if corrupted || K < 0 {
			t.Fatalf("TopK with invalid arguments succeeded")
		}
		got := gout.values(t, b)
		var mm []int32
		if a.Map != nil {
			mm = m
		}
		for r := range R {
			want := precision.RefTopK(precision.TopKOrder(s[r*N:(r+1)*N]), K, mm)
			for i, w := range want {
				if got[r*K+i] != float64(w) {
					t.Fatalf("row %d: top-%d = %v, want %v", r, K, got[r*K:(r+1)*K], want)
				}
			}
		}
		gout.outside(t, b, "topk")
	})
}

// FuzzPageMeta is the fuzz body of Backend.PageMeta on b: pools, page
// sizes (0 invalid), slot ranges (empty, partial pages, past the pool),
// planted NaN and ±Inf keys, guarded metadata and one corrupted
// argument; a success must recompute exactly the pages the range
// touches (element-wise min and max, NaN winning) and leave every other
// element as it was.
func FuzzPageMeta(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, s, hk, d, p, from, to, dt uint8, specials []byte, corruptArg, corruptMode uint8) {
		S, Hk, D, P := int(s%100), 1+int(hk%3), fuzzHeadDim(d), int(p%20)
		dtype := fuzzDType(dt)
		k := fuzzValues(seed, S*Hk*D, dtype)
		plantSpecials(k, specials)
		From, To := int(from), int(to)
		pages := ops.PageCount(S, max(P, 1))
		gk := newGuarded(t, b, dtype, []int{S, Hk, D}, 0, seed, k)
		gmn := newGuarded(t, b, ops.F32, []int{pages, Hk, D}, Hk*D+1, seed+1, nil)
		gmx := newGuarded(t, b, ops.F32, []int{pages, Hk, D}, 0, seed+2, nil)
		defer free(b, gk.all, gmn.all, gmx.all)
		mn0, mx0 := gmn.values(t, b), gmx.values(t, b)
		a := &ops.PageMetaArgs{K: gk.view, PageSize: P, From: From, To: To, Min: gmn.view, Max: gmx.view}
		corrupted := corruptOne([]**ops.Tensor{&a.K, &a.Min, &a.Max}, nil, corruptArg, corruptMode)
		err := b.PageMeta(a)
		if err != nil {
			refused(t, b, err, gmn, gmx)
			return
		}
		if corrupted || P < 1 || From > To || To > S {
			t.Fatalf("PageMeta with invalid arguments succeeded (P %d, [%d, %d) of %d)", P, From, To, S)
		}
		wmn, wmx := precision.RefPageMeta(k, S, Hk, D, P, To)
		for e := range mn0 {
			if pg := e / (Hk * D); From == To || pg < From/P || pg > (To-1)/P {
				wmn[e], wmx[e] = mn0[e], mx0[e] // not touched
			}
		}
		if !sameBitsOrNaN(gmn.values(t, b), wmn) || !sameBitsOrNaN(gmx.values(t, b), wmx) {
			t.Fatalf("page metadata differs from the element-wise min and max of the touched pages")
		}
		gmn.outside(t, b, "min")
		gmx.outside(t, b, "max")
	})
}

// FuzzPageScores is the fuzz body of Backend.PageScores on b: heads,
// head dimensions, page counts (past the metadata invalid), scales,
// planted NaN and ±Inf in q and the metadata, a guarded output and one
// corrupted argument; a success must match the float64 bound within its
// float32 error.
func FuzzPageScores(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, hq, hk, d, pages, np, dt uint8, scale int8, specials []byte, corruptArg, corruptMode uint8) {
		Hq, Hk := fuzzHeads(hq, hk)
		D, Pg, Np := fuzzHeadDim(d), int(pages%40), int(np%44)
		dtype := fuzzDType(dt)
		q, mn, mx := fuzzValues(seed, Hq*D, dtype), fuzzValues(seed+1, Pg*Hk*D, ops.F32), fuzzValues(seed+2, Pg*Hk*D, ops.F32)
		plantSpecialsIn(specials, q, mn, mx)
		gq := newGuarded(t, b, dtype, []int{Hq, D}, 0, seed, q)
		gmn := newGuarded(t, b, ops.F32, []int{Pg, Hk, D}, 0, seed+1, mn)
		gmx := newGuarded(t, b, ops.F32, []int{Pg, Hk, D}, Hk*D+2, seed+2, mx)
		gout := newGuarded(t, b, ops.F32, []int{Hq, Np}, Np+1, seed+3, nil)
		defer free(b, gq.all, gmn.all, gmx.all, gout.all)
		a := &ops.PageScoresArgs{Q: gq.view, Min: gmn.view, Max: gmx.view, Pages: Np, Out: gout.view, Scale: fuzzScale(scale)}
		corrupted := corruptOne([]**ops.Tensor{&a.Q, &a.Min, &a.Max, &a.Out}, nil, corruptArg, corruptMode)
		err := b.PageScores(a)
		if err != nil {
			refused(t, b, err, gout)
			return
		}
		if corrupted || Np > Pg {
			t.Fatalf("PageScores with invalid arguments succeeded (%d pages of %d)", Np, Pg)
		}
		want, bound := precision.RefPageScores(q, mn, mx, Hq, Hk, D, Np, scoreScale(float64(a.Scale), D))
		for i, x := range gout.values(t, b) {
			within(t, "page score", i, x, want[i], bound[i])
		}
		gout.outside(t, b, "page scores")
	})
}

// FuzzMerge is the fuzz body of Backend.Merge on b: shapes, dtypes, LSEs
// with planted NaN (which propagates), -Inf (an empty side) and +Inf
// (invalid), NaN in O, in-place outputs (O aliasing O1, LSE aliasing
// LSE1), guarded outputs and one corrupted argument; a success must match
// precision.RefMerge within four float32 roundings (plus the output's
// rounding to a 16-bit dtype).
func FuzzMerge(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, tq, hq, dv, dt, opts uint8, specials []byte, corruptArg, corruptMode uint8) {
		Tq, Hq, Dv, dtype := int(tq%5), int(hq%6), int(dv%40), fuzzDType(dt)
		rows := Tq * Hq
		noInf := func(xs []float64) []float64 { // O holds numbers or NaN
			for i, x := range xs {
				if math.IsInf(x, 0) {
					xs[i] = math.NaN()
				}
			}
			return xs
		}
		o1, o2 := fuzzValues(seed, rows*Dv, dtype), fuzzValues(seed+1, rows*Dv, dtype)
		l1, l2 := randNormal(seed+2, rows), randNormal(seed+3, rows)
		for i := range l1 {
			l1[i] *= 4
			l2[i] *= 4
		}
		plantSpecialsIn(specials, o1, o2, l1, l2)
		o1, o2 = noInf(o1), noInf(o2)
		l1, l2 = roundAll(ops.F32, l1), roundAll(ops.F32, l2)
		g1 := newGuarded(t, b, dtype, []int{Tq, Hq, Dv}, Hq*Dv+1, seed, o1)
		g2 := newGuarded(t, b, dtype, []int{Tq, Hq, Dv}, 0, seed+1, o2)
		gl1 := newGuarded(t, b, ops.F32, []int{Tq, Hq}, Hq+1, seed+2, l1)
		gl2 := newGuarded(t, b, ops.F32, []int{Tq, Hq}, 0, seed+3, l2)
		gs := []*guarded{g1, g2, gl1, gl2}
		a := &ops.MergeArgs{O1: g1.view, LSE1: gl1.view, O2: g2.view, LSE2: gl2.view, O: g1.view, LSE: gl1.view}
		gO, gL := g1, gl1
		if opts&1 == 0 {
			gO = newGuarded(t, b, dtype, []int{Tq, Hq, Dv}, Hq*Dv+2, seed+4, nil)
			gL = newGuarded(t, b, ops.F32, []int{Tq, Hq}, Hq+2, seed+5, nil)
			gs = append(gs, gO, gL)
			a.O, a.LSE = gO.view, gL.view
		}
		defer func() {
			for _, g := range gs {
				free(b, g.all)
			}
		}()
		corrupted := corruptOne([]**ops.Tensor{&a.O1, &a.LSE1, &a.O2, &a.LSE2, &a.O, &a.LSE}, nil, corruptArg, corruptMode)
		inf := false
		for i := range l1 {
			inf = inf || math.IsInf(l1[i], 1) || math.IsInf(l2[i], 1)
		}
		err := b.Merge(a)
		if err != nil {
			refused(t, b, err, gs...)
			return
		}
		if corrupted || inf {
			t.Fatalf("Merge with invalid arguments succeeded")
		}
		want, wantL := precision.RefMerge(o1, l1, o2, l2, Dv)
		for i, x := range gO.values(t, b) {
			mag := 0.0
			for _, v := range [...]float64{o1[i], o2[i], want[i]} {
				if finite(v) { // a NaN O on an empty side is not read
					mag = max(mag, math.Abs(v))
				}
			}
			bound := 4 * precision.U32 * mag
			if dtype != ops.F32 {
				bound += precision.Spacing(dtype, max(math.Abs(x), math.Abs(want[i])))
			}
			within(t, "o", i, x, want[i], bound)
		}
		for i, x := range gL.values(t, b) {
			within(t, "lse", i, x, wantL[i], 4*precision.U32*max(1, math.Abs(wantL[i])))
		}
		checkOnly(t, b, gs, a.O, a.LSE)
	})
}

// fuzzCandidates draws the candidates of a call over S slots from r, by
// cand mod 4: 0 a slot range (sometimes open-ended: End 0), 1 a list of
// up to maxList slots with padding and repeats (drawn from seed), 2 such
// a list with one value past the pool, 3 a range ending one past the
// pool. valid is false for 2 and 3. A caller turns a list into an I32
// tensor itself; slots are the candidates in order.
func fuzzCandidates(r *rand.Rand, seed uint64, cand uint8, S, maxList int) (sel ops.Selection, slots []int32, valid bool) {
	valid = true
	switch cand % 4 {
	case 0, 3:
		lo := r.IntN(S + 1)
		hi := lo + r.IntN(S-lo+1)
		if cand%4 == 3 {
			hi = S + 1
			valid = false
		}
		sel = ops.Selection{Start: lo, End: hi}
		if hi == S && lo < S && r.IntN(2) == 0 {
			sel.End = 0 // every slot from lo
		}
		slots = seq(lo, min(hi, S))
	default:
		slots = attnRows(seed, 1, r.IntN(maxList), S)
		if cand%4 == 2 && len(slots) > 0 {
			slots[r.IntN(len(slots))] = int32(S + r.IntN(3))
			valid = false
		}
	}
	return sel, slots, valid
}

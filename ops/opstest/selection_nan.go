package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// testSelectionNaN checks how the selection primitives treat NaN inputs,
// each poisoned call against the same call on clean inputs: Scores gives
// NaN for every candidate of a query head holding a NaN and for every
// head of a kv group on a key holding one (padding still scores -Inf),
// and leaves the other scores bit for bit; PageMeta makes the page
// element of a NaN key element NaN in Min and Max; PageScores gives NaN
// for every page of a NaN query head and for the heads of a group on a
// page whose metadata holds a NaN. Criticality gives a NaN score weight
// 0, so a query head whose scores are all NaN adds nothing: the vote
// equals the vote without that head, bit for bit. That is why the
// policies of package sparse check their query instead of relying on
// the vote.
func testSelectionNaN(t *testing.T, b ops.Backend) {
	const S, Hk, D, P, g = 120, 2, 32, 16, 3
	const Hq = Hk * g
	nan := math.NaN()
	for i, dt := range floatDTypes {
		seed := uint64(8600 + 10*i)
		q := roundAll(dt, randNormal(seed, Hq*D))
		k := roundAll(dt, randNormal(seed+1, S*Hk*D))
		qn, kn := append([]float64(nil), q...), append([]float64(nil), k...)
		const nanHead, nanSlot, nanKV = 4, 37, 0 // head 4 is in kv group 1
		qn[nanHead*D+5] = nan
		kn[(nanSlot*Hk+nanKV)*D+9] = nan
		Q, K := upload(t, b, dt, q, Hq, D), upload(t, b, dt, k, S, Hk, D)
		QN, KN := upload(t, b, dt, qn, Hq, D), upload(t, b, dt, kn, S, Hk, D)
		list := []int32{3, nanSlot, -1, 100, nanSlot, 0}
		Idx := uploadI32(t, b, list, len(list))

		// Scores over a list and over a range holding the NaN key.
		for _, cs := range []struct {
			sel   ops.Selection
			slots []int32
		}{{ops.Selection{Indices: Idx}, list}, {ops.Selection{Start: 30, End: 50}, seq(30, 50)}} {
			N := len(cs.slots)
			clean, poisoned := alloc(t, b, ops.F32, Hq, N), alloc(t, b, ops.F32, Hq, N)
			if err := b.Scores(&ops.ScoresArgs{Q: Q, K: K, Candidates: cs.sel, Out: clean}); err != nil {
				t.Fatalf("%v: Scores: %v", dt, err)
			}
			if err := b.Scores(&ops.ScoresArgs{Q: QN, K: KN, Candidates: cs.sel, Out: poisoned}); err != nil {
				t.Fatalf("%v: Scores with NaN inputs: %v", dt, err)
			}
			want, got := download(t, b, clean), download(t, b, poisoned)
			for h := range Hq {
				for n, s := range cs.slots {
					x := got[h*N+n]
					switch {
					case s < 0:
						if !math.IsInf(x, -1) {
							t.Errorf("%v: padding candidate %d of head %d scores %g, want -Inf", dt, n, h, x)
						}
					case h == nanHead || (s == nanSlot && h/g == nanKV):
						if !math.IsNaN(x) {
							t.Errorf("%v: score[%d,%d] (slot %d) = %g, want NaN", dt, h, n, s, x)
						}
					case math.Float64bits(x) != math.Float64bits(want[h*N+n]):
						t.Errorf("%v: score[%d,%d] (slot %d) = %g, the clean inputs give %g", dt, h, n, s, x, want[h*N+n])
					}
				}
			}
			free(b, clean, poisoned)
		}

		// Criticality: the NaN head adds nothing.
		N := 40
		sc := randNormal(seed+2, Hq*N)
		for n := range N {
			sc[nanHead*N+n] = nan
		}
		sc = roundAll(ops.F32, sc)
		without := append(append([]float64(nil), sc[:nanHead*N]...), sc[(nanHead+1)*N:]...)
		SC, SW := upload(t, b, ops.F32, sc, Hq, N), upload(t, b, ops.F32, without, Hq-1, N)
		o1, o2 := alloc(t, b, ops.F32, N), alloc(t, b, ops.F32, N)
		if err := b.Criticality(&ops.CriticalityArgs{Scores: SC, Out: o1}); err != nil {
			t.Fatalf("%v: Criticality: %v", dt, err)
		}
		if err := b.Criticality(&ops.CriticalityArgs{Scores: SW, Out: o2}); err != nil {
			t.Fatalf("%v: Criticality: %v", dt, err)
		}
		if !equalBits(download(t, b, o1), download(t, b, o2)) {
			t.Errorf("%v: a head of NaN scores changed the vote", dt)
		}

		// PageMeta and PageScores.
		pages := ops.PageCount(S, P)
		mn, mx := alloc(t, b, ops.F32, pages, Hk, D), alloc(t, b, ops.F32, pages, Hk, D)
		if err := b.PageMeta(&ops.PageMetaArgs{K: KN, PageSize: P, To: S, Min: mn, Max: mx}); err != nil {
			t.Fatalf("%v: PageMeta: %v", dt, err)
		}
		wmn, wmx := precision.RefPageMeta(kn, S, Hk, D, P, S) // NaN wins
		if gmn, gmx := download(t, b, mn), download(t, b, mx); !sameBitsOrNaN(gmn, wmn) || !sameBitsOrNaN(gmx, wmx) {
			t.Errorf("%v: page metadata over a NaN key differs from the element-wise min and max", dt)
		}
		cmn, cmx := alloc(t, b, ops.F32, pages, Hk, D), alloc(t, b, ops.F32, pages, Hk, D)
		if err := b.PageMeta(&ops.PageMetaArgs{K: K, PageSize: P, To: S, Min: cmn, Max: cmx}); err != nil {
			t.Fatalf("%v: PageMeta: %v", dt, err)
		}
		clean, poisoned := alloc(t, b, ops.F32, Hq, pages), alloc(t, b, ops.F32, Hq, pages)
		if err := b.PageScores(&ops.PageScoresArgs{Q: Q, Min: cmn, Max: cmx, Pages: pages, Out: clean}); err != nil {
			t.Fatalf("%v: PageScores: %v", dt, err)
		}
		if err := b.PageScores(&ops.PageScoresArgs{Q: QN, Min: mn, Max: mx, Pages: pages, Out: poisoned}); err != nil {
			t.Fatalf("%v: PageScores with NaN inputs: %v", dt, err)
		}
		want, got := download(t, b, clean), download(t, b, poisoned)
		for h := range Hq {
			for p := range pages {
				x := got[h*pages+p]
				if h == nanHead || (p == nanSlot/P && h/g == nanKV) {
					if !math.IsNaN(x) {
						t.Errorf("%v: page score[%d,%d] = %g, want NaN", dt, h, p, x)
					}
				} else if math.Float64bits(x) != math.Float64bits(want[h*pages+p]) {
					t.Errorf("%v: page score[%d,%d] = %g, the clean inputs give %g", dt, h, p, x, want[h*pages+p])
				}
			}
		}
		free(b, Q, K, QN, KN, Idx, SC, SW, o1, o2, mn, mx, cmn, cmx, clean, poisoned)
	}
}

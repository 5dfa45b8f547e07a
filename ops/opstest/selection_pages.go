package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// testPageMeta checks Quest page metadata exactly against brute force:
// one call over all slots, and incremental calls as slots are appended
// (partial pages growing, pages past To untouched), for every dtype.
func testPageMeta(t *testing.T, b ops.Backend) {
	const S, Hk, D, P = 100, 2, 16, 16
	pages := ops.PageCount(S, P)
	for i, dt := range floatDTypes {
		k := roundAll(dt, randNormal(uint64(8300+i), S*Hk*D))
		K := upload(t, b, dt, k, S, Hk, D)
		// Sentinel contents show which pages a call touched.
		sentinel := make([]float64, pages*Hk*D)
		for e := range sentinel {
			sentinel[e] = 1234
		}
		Min := upload(t, b, ops.F32, sentinel, pages, Hk, D)
		Max := upload(t, b, ops.F32, sentinel, pages, Hk, D)
		steps := [][2]int{{0, 37}, {37, 38}, {38, 38}, {38, 64}, {64, 100}}
		for _, st := range steps {
			if err := b.PageMeta(&ops.PageMetaArgs{K: K, PageSize: P, From: st[0], To: st[1], Min: Min, Max: Max}); err != nil {
				t.Fatalf("%v [%d,%d): PageMeta: %v", dt, st[0], st[1], err)
			}
			to := st[1]
			wmn, wmx := precision.RefPageMeta(k, S, Hk, D, P, to)
			gmn, gmx := download(t, b, Min), download(t, b, Max)
			for e := range gmn {
				p := e / (Hk * D)
				wantMin, wantMax := wmn[e], wmx[e]
				if p*P >= to { // no slot below To yet: untouched
					wantMin, wantMax = 1234, 1234
				}
				if gmn[e] != wantMin || gmx[e] != wantMax {
					t.Errorf("%v after [%d,%d): page %d element %d: min/max %g/%g, want %g/%g",
						dt, st[0], st[1], p, e%(Hk*D), gmn[e], gmx[e], wantMin, wantMax)
					break
				}
			}
		}
		free(b, K, Min, Max)
	}
}

// testPageScores checks Quest's page upper bound against float64 (bound
// γ_D·Σ_d max(|q·min|, |q·max|) plus the scale's rounding) and that it
// bounds every key of its page: Scores ≤ PageScores up to rounding.
func testPageScores(t *testing.T, b ops.Backend) {
	const S, Hk, D, P, g = 203, 2, 32, 16, 4
	const Hq = Hk * g
	pages := ops.PageCount(S, P)
	for i, dt := range floatDTypes {
		k := roundAll(dt, randNormal(uint64(8400+i), S*Hk*D))
		q := roundAll(dt, randNormal(uint64(8410+i), Hq*D))
		K, Q := upload(t, b, dt, k, S, Hk, D), upload(t, b, dt, q, Hq, D)
		Min, Max := alloc(t, b, ops.F32, pages, Hk, D), alloc(t, b, ops.F32, pages, Hk, D)
		if err := b.PageMeta(&ops.PageMetaArgs{K: K, PageSize: P, To: S, Min: Min, Max: Max}); err != nil {
			t.Fatalf("%v: PageMeta: %v", dt, err)
		}
		mn, mx := download(t, b, Min), download(t, b, Max)
		for _, np := range []int{pages, 5, 0} {
			out := alloc(t, b, ops.F32, Hq, np)
			if err := b.PageScores(&ops.PageScoresArgs{Q: Q, Min: Min, Max: Max, Pages: np, Out: out}); err != nil {
				t.Fatalf("%v: PageScores: %v", dt, err)
			}
			got := download(t, b, out)
			scale := float64(float32(1 / math.Sqrt(D)))
			wants, bounds := precision.RefPageScores(q, mn, mx, Hq, Hk, D, np, scoreScale(0, D))
			for h := range Hq {
				kv := h / g
				for p := range np {
					want, bound := wants[h*np+p], bounds[h*np+p]
					x := got[h*np+p]
					if e := math.Abs(x - want); !(e <= bound) {
						t.Errorf("%v: page score[%d,%d] = %.9g, want %.9g (|err| %.3g > %.3g)", dt, h, p, x, want, e, bound)
					}
					// The bound holds for every key of the page.
					for s := p * P; s < min((p+1)*P, S); s++ {
						dot := 0.0
						for d := range D {
							dot += q[h*D+d] * k[(s*Hk+kv)*D+d]
						}
						if scale*dot > x+2*bound {
							t.Errorf("%v: key %d scores %g above its page %d bound %g", dt, s, scale*dot, p, x)
						}
					}
				}
			}
			free(b, out)
		}
		free(b, K, Q, Min, Max)
	}
}

package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// pageTruth returns the element-wise min and max of the keys k [S,Hk,D]
// of each page of size P over slots [0, to), NaN for pages with no slot
// below to.
func pageTruth(k []float64, S, Hk, D, P, to int) (mn, mx []float64) {
	pages := ops.PageCount(S, P)
	mn, mx = make([]float64, pages*Hk*D), make([]float64, pages*Hk*D)
	for i := range mn {
		mn[i], mx[i] = math.Inf(1), math.Inf(-1)
	}
	for s := range to {
		p := s / P
		for e := range Hk * D {
			x := k[s*Hk*D+e]
			mn[p*Hk*D+e] = math.Min(mn[p*Hk*D+e], x)
			mx[p*Hk*D+e] = math.Max(mx[p*Hk*D+e], x)
		}
	}
	return mn, mx
}

// pageScoresTruth returns PageScores' float64 truth for q [Hq, D] and
// page metadata mn, mx [pages, Hk, D] over pages [0, np) (scale 0:
// 1/sqrt(D) in float32), and each bound's error bound: γ_D·|scale|·
// Σ_d max(|q·min|, |q·max|) plus one rounding of the scaled sum.
func pageScoresTruth(q, mn, mx []float64, Hq, Hk, D, np int, scale float64) (want, bound []float64) {
	if scale == 0 {
		scale = float64(float32(1 / math.Sqrt(float64(D))))
	}
	want, bound = make([]float64, Hq*np), make([]float64, Hq*np)
	g := Hq / Hk
	for h := range Hq {
		kv := h / g
		for p := range np {
			sum, abs := 0.0, 0.0
			for d := range D {
				e := (p*Hk+kv)*D + d
				x := max(q[h*D+d]*mn[e], q[h*D+d]*mx[e]) // Go's max: NaN wins
				sum += x
				abs += math.Abs(x)
			}
			want[h*np+p] = scale * sum
			bound[h*np+p] = math.Abs(scale)*abs*gamma(D) + u32*math.Abs(scale*sum)
		}
	}
	return want, bound
}

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
			wmn, wmx := pageTruth(k, S, Hk, D, P, to)
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
			wants, bounds := pageScoresTruth(q, mn, mx, Hq, Hk, D, np, 0)
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

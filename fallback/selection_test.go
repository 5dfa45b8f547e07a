package fallback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestPageScoresStrides checks PageScores with Min and Max rows at
// different row strides (views into wider buffers), which takes the
// page-by-page path, against the same bounds from packed Min and Max:
// each is within γ_D·Σ|max| (times the scale) of the exact sum of the
// maxima, so they differ by at most twice that plus the scale's rounding.
func TestPageScoresStrides(t *testing.T) {
	const pages, Hk, g, D = 37, 2, 4, 48
	const Hq = Hk * g
	r := rand.New(rand.NewPCG(91, 92))
	mn, mx, q := make([]float32, pages*Hk*D), make([]float32, pages*Hk*D), make([]float32, Hq*D)
	for i := range mn {
		a, b := float32(r.NormFloat64()), float32(r.NormFloat64())
		mn[i], mx[i] = min(a, b), max(a, b)
	}
	for i := range q {
		q[i] = float32(r.NormFloat64())
	}
	wide := make([]float32, pages*(Hk*D+5))
	for p := range pages {
		copy(wide[p*(Hk*D+5):], mx[p*Hk*D:(p+1)*Hk*D])
	}
	b := New()
	run := func(Max *ops.Tensor) []float32 {
		out := make([]float32, Hq*pages)
		a := &ops.PageScoresArgs{Q: WrapF32(q, Hq, D), Min: WrapF32(mn, pages, Hk, D), Max: Max, Pages: pages, Out: WrapF32(out, Hq, pages)}
		if err := b.PageScores(a); err != nil {
			t.Fatal(err)
		}
		return out
	}
	packed := run(WrapF32(mx, pages, Hk, D))
	strided := run(WrapF32(wide, pages, Hk*D+5).Sub(0, []int{pages, Hk, D}, Hk*D+5))
	scale := 1 / math.Sqrt(D)
	for h := range Hq {
		for p := range pages {
			abs := 0.0
			for d := range D {
				e := (p*Hk+h/g)*D + d
				abs += math.Abs(float64(max(q[h*D+d]*mn[e], q[h*D+d]*mx[e])))
			}
			x, y := float64(packed[h*pages+p]), float64(strided[h*pages+p])
			if bound := 2*scale*abs*float64(D)*0x1p-24 + 0x1p-23*math.Abs(x); !(math.Abs(x-y) <= bound) {
				t.Fatalf("head %d page %d: strided %v, packed %v (bound %g)", h, p, y, x, bound)
			}
		}
	}
}

// TestSelectionAllocs checks that PageMeta, PageScores and Criticality
// allocate nothing once warm.
func TestSelectionAllocs(t *testing.T) {
	const S, Hk, g, D, P = 300, 2, 4, 64, 16
	const Hq = Hk * g
	pages := ops.PageCount(S, P)
	b := New()
	K := WrapU16(ops.BF16, make([]uint16, S*Hk*D), S, Hk, D)
	Min, Max := WrapF32(make([]float32, pages*Hk*D), pages, Hk, D), WrapF32(make([]float32, pages*Hk*D), pages, Hk, D)
	scores := WrapF32(make([]float32, Hq*S), Hq, S)
	meta := &ops.PageMetaArgs{K: K, PageSize: P, To: S, Min: Min, Max: Max}
	bounds := &ops.PageScoresArgs{Q: WrapF32(make([]float32, Hq*D), Hq, D), Min: Min, Max: Max, Pages: pages,
		Out: WrapF32(make([]float32, Hq*pages), Hq, pages)}
	vote := &ops.CriticalityArgs{Scores: scores, Out: WrapF32(make([]float32, S), S)}
	calls := map[string]func() error{
		"pagemeta":    func() error { return b.PageMeta(meta) },
		"pagescores":  func() error { return b.PageScores(bounds) },
		"criticality": func() error { return b.Criticality(vote) },
	}
	for name, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(5, func() { _ = call() }); n != 0 {
			t.Errorf("%s: %.1f allocations per call in steady state, want 0", name, n)
		}
	}
}

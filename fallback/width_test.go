package fallback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestSameBitsAnyWidth: the selection ops give the same bits whatever
// the number of workers, for sizes that do not divide evenly: chunk
// boundaries fall on whole vectors, so no element moves between a vector
// kernel and its plain-Go tail when GOMAXPROCS changes.
func TestSameBitsAnyWidth(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 41))
	const Hq, Hk, D = 8, 2, 64
	for _, n := range []int{1000, 4099, 9001} {
		scores := make([]float32, Hq*n)
		for i := range scores {
			scores[i] = float32(4 * r.NormFloat64())
			if i%97 == 5 {
				scores[i] = float32(math.Inf(-1))
			}
		}
		q, k := bf16Of(r, Hq*D), bf16Of(r, n*Hk*D)
		pages := (n + 15) / 16
		mn, mx := make([]float32, pages*Hk*D), make([]float32, pages*Hk*D)
		for i := range mn {
			a, b := float32(r.NormFloat64()), float32(r.NormFloat64())
			mn[i], mx[i] = min(a, b), max(a, b)
		}
		run := func(b *Backend) map[string][]float32 {
			out := map[string][]float32{}
			crit := make([]float32, n)
			if err := b.Criticality(&ops.CriticalityArgs{Scores: WrapF32(scores, Hq, n), Out: WrapF32(crit, n)}); err != nil {
				t.Fatal(err)
			}
			out["criticality"] = crit
			sc := make([]float32, Hq*n)
			if err := b.Scores(&ops.ScoresArgs{Q: WrapU16(ops.BF16, q, Hq, D), K: WrapU16(ops.BF16, k, n, Hk, D), Out: WrapF32(sc, Hq, n)}); err != nil {
				t.Fatal(err)
			}
			out["scores"] = sc
			ps := make([]float32, Hq*pages)
			if err := b.PageScores(&ops.PageScoresArgs{Q: WrapU16(ops.BF16, q, Hq, D), Min: WrapF32(mn, pages, Hk, D), Max: WrapF32(mx, pages, Hk, D), Pages: pages, Out: WrapF32(ps, Hq, pages)}); err != nil {
				t.Fatal(err)
			}
			out["pagescores"] = ps
			return out
		}
		want := run(&Backend{pool: newPool(0)})
		for _, helpers := range []int{1, 2, 4} {
			got := run(&Backend{pool: newPool(helpers)})
			for op, w := range want {
				for i := range w {
					if math.Float32bits(got[op][i]) != math.Float32bits(w[i]) {
						t.Errorf("%s n=%d, %d workers: element %d is %v, one worker gives %v", op, n, helpers+1, i, got[op][i], w[i])
						break
					}
				}
			}
		}
	}
}

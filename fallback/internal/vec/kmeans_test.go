package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/precision"
)

// TestKMeansKernels checks the k-means kernels at every level against
// package precision's definitions, bit for bit: the lane sums of
// distances and norms (every length's tail, magnitudes from 2⁻¹⁴⁰ to
// 2¹²⁰, NaN and infinities), the float64 scaling (products that overflow
// or fall to subnormals) and the fixed-point sums (ties of half a quantum,
// negative values, ±0).
func TestKMeansKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	special := func(x []float32) {
		if len(x) > 3 && r.IntN(4) == 0 {
			x[r.IntN(len(x))] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0}[r.IntN(4)]
		}
	}
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for trial := range 4 {
				lo := []int{-140, -30, -3, 60}[trial]
				y, c := at[float32](n, trial), at[float32](n, 3-trial)
				for i := range y {
					y[i], c[i] = randNormal(r, lo, lo+60), randNormal(r, lo, lo+60)
				}
				special(y)
				var s, w [precision.KMeansLanes]float64
				for k := range s {
					s[k] = float64(k) / 3
					w[k] = s[k]
				}
				kmeansDistLanesAt(l, &s, y, c)
				precision.KMeansLanesAdd(&w, y, c)
				sameLanes(t, "dist", n, &s, &w)
				kmeansNormLanesAt(l, &s, y)
				precision.KMeansLanesAdd(&w, y, nil)
				sameLanes(t, "norm", n, &s, &w)

				inv := math.Ldexp(1+r.Float64(), []int{-10, 200, -200, 0}[trial])
				got, check := guardedF32(n, trial)
				want := make([]float32, n)
				kmeansScaleAt(l, got, y, inv)
				check(t)
				precision.KMeansScale(want, y, inv)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
						t.Fatalf("n=%d: scale[%d] of %v by %v = %v, want %v", n, i, y[i], inv, got[i], want[i])
					}
				}

				q := 40 - trial*10
				scale := precision.KMeansFixedScale(q)
				for i := range y {
					switch r.IntN(4) {
					case 0: // a tie: an odd number of half quanta
						y[i] = float32(math.Ldexp(float64(2*r.IntN(1<<20)+1)/2, -q))
					case 1:
						y[i] = -y[i]
					}
					for math.Abs(float64(y[i])*scale) >= 0x1p51 || y[i] != y[i] {
						y[i] = float32(math.Ldexp(r.Float64()-0.5, 50-q))
					}
				}
				acc, wacc := make([]int64, n+1), make([]int64, n+1)
				for i := range acc {
					acc[i] = r.Int64() >> 2
					wacc[i] = acc[i]
				}
				kmeansAddFixedAt(l, acc[:n], y, scale)
				for i, v := range y {
					wacc[i] += precision.KMeansFixed(v, scale)
				}
				for i := range acc {
					if acc[i] != wacc[i] {
						t.Fatalf("n=%d q=%d: acc[%d] = %d, want %d (y = %v)", n, q, i, acc[i], wacc[i], y[min(i, n-1)])
					}
				}
			}
		}
	})
}

func sameLanes(t *testing.T, what string, n int, s, w *[precision.KMeansLanes]float64) {
	t.Helper()
	for k := range s {
		if math.Float64bits(s[k]) != math.Float64bits(w[k]) && !(s[k] != s[k] && w[k] != w[k]) {
			t.Fatalf("%s n=%d: lane %d = %v, want %v", what, n, k, s[k], w[k])
		}
	}
}

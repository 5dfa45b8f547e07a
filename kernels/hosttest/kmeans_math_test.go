//go:build cgo

package hosttest

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/precision"
)

func randRow32(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(scale * r.NormFloat64())
	}
	return x
}

func sameBits64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

func sameBits32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// TestKMeansMathMatchesPrecision: every function of kmeans_math.cuh gives
// package precision's bits — the eight-lane distance (every tail length,
// magnitudes over the float32 range, NaN and infinities), the
// normalisation's reciprocal square root, scaling and norm bound, the
// sums' shift, fixed-point values and their conversion back, and the
// screen margin.
func TestKMeansMathMatchesPrecision(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	for d := 1; d <= 140; d++ {
		for trial := range 6 {
			scale := math.Pow(10, float64(trial*12-30))
			y, c := randRow32(r, d, scale), randRow32(r, d, scale)
			if trial == 5 {
				y[r.IntN(d)] = []float32{float32(math.NaN()), float32(math.Inf(1))}[r.IntN(2)]
			}
			if g, w := KMDist(y, c), precision.KMeansDist(y, c); !sameBits64(g, w) {
				t.Fatalf("d=%d: km_dist %v, precision %v", d, g, w)
			}
			ss := precision.KMeansNorm2(y)
			for _, norm := range []bool{false, true} {
				yp := make([]float32, d)
				wb, ok := precision.KMeansPoint(yp, y, norm)
				if !ok {
					continue
				}
				if g := KMNormBound(ss, norm); g != wb {
					t.Fatalf("d=%d normalize=%v: km_norm_bound %v, precision %v", d, norm, g, wb)
				}
				if !norm || ss == 0 {
					continue
				}
				inv := KMInv(ss)
				if inv != 1/math.Sqrt(ss) {
					t.Fatalf("km_inv(%v) = %v", ss, inv)
				}
				for j, v := range y {
					if g := KMScale(v, inv); !sameBits32(g, yp[j]) {
						t.Fatalf("d=%d: km_scale(%v) = %v, precision %v", d, v, g, yp[j])
					}
				}
			}
			if g, w := KMMargin(d, math.Sqrt(ss), math.Sqrt(precision.KMeansNorm2(c))), precision.KMeansScreenMargin(d, math.Sqrt(ss), math.Sqrt(precision.KMeansNorm2(c))); !sameBits64(g, w) {
				t.Fatalf("d=%d: km_margin %v, precision %v", d, g, w)
			}
		}
	}
	for _, n := range []int{0, 1, 2, 7, 1000, 1 << 17, 1<<20 + 3} {
		for _, m := range []float32{0, math.SmallestNonzeroFloat32, 1e-20, 0.75, 1, 1.5, 2, 3e5, math.MaxFloat32} {
			q := precision.KMeansSumShift(n, m)
			if g := KMSumShift(bits.Len(uint(n)), m); g != q {
				t.Fatalf("n=%d max=%g: km_sum_shift %d, precision %d", n, m, g, q)
			}
			scale := precision.KMeansFixedScale(q)
			for range 200 {
				v := float32(float64(m) * (2*r.Float64() - 1))
				if r.IntN(4) == 0 { // an odd number of half quanta: a tie
					v = float32(math.Ldexp(float64(2*r.IntN(1<<20)+1)/2, -q))
					if math.Abs(float64(v)) > float64(m) {
						continue
					}
				}
				f := precision.KMeansFixed(v, scale)
				if g := KMFixed(v, scale); g != f {
					t.Fatalf("km_fixed(%v, 2^%d) = %d, precision %d", v, q, g, f)
				}
				s := f * int64(1+r.IntN(n+1))
				if g, w := KMFixedValue(s, q), precision.KMeansFixedValue(s, q); !sameBits32(g, w) {
					t.Fatalf("km_fixed_value(%d, %d) = %v, precision %v", s, q, g, w)
				}
			}
		}
	}
}

// TestKMeansF32Up: km_f32_up gives the least float32 not below its
// argument (+Inf past the float32 range), the bound kmeans_prep keeps of
// the centroids' squared norms.
func TestKMeansF32Up(t *testing.T) {
	r := rand.New(rand.NewPCG(95, 96))
	for range 100000 {
		x := math.Ldexp(r.Float64(), r.IntN(300)-150)
		if r.IntN(8) == 0 {
			x = float64(float32(x)) // exact
		}
		f := KMF32Up(x)
		below := math.Nextafter32(f, float32(math.Inf(-1)))
		if float64(f) < x || (f != 0 && float64(below) >= x) {
			t.Fatalf("km_f32_up(%v) = %v", x, f)
		}
	}
	if f := KMF32Up(0x1p200); !math.IsInf(float64(f), 1) {
		t.Fatalf("km_f32_up(2^200) = %v, want +Inf", f)
	}
}

// TestKMeansTriples: km_fold keeps the smallest value, its first index and
// the second smallest (a repeat counts) of values in order, ignoring NaN;
// and km_merge of the triples of any two parts of the indices, in either
// order, is the triple of the whole, as the screen's shuffles need.
func TestKMeansTriples(t *testing.T) {
	r := rand.New(rand.NewPCG(93, 94))
	for trial := range 3000 {
		n := 1 + r.IntN(40)
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.IntN(6) - 2)
			switch r.IntN(12) {
			case 0:
				v[i] = float32(math.NaN())
			case 1:
				v[i] = float32(math.Inf(1))
			}
		}
		m1, i1, m2 := KMFold(v)
		// the reference: sort order of the non-NaN values below +Inf
		w1, wi, w2 := float32(math.Inf(1)), -1, float32(math.Inf(1))
		for i, x := range v {
			if x < w1 {
				w1, wi = x, i
			}
		}
		for i, x := range v {
			if i != wi && x < w2 {
				w2 = x
			}
		}
		if m1 != w1 || i1 != wi || m2 != w2 {
			t.Fatalf("trial %d: fold of %v = (%v, %d, %v), want (%v, %d, %v)", trial, v, m1, i1, m2, w1, wi, w2)
		}
		// split the indices in two sets (every other index, or a cut)
		a, b := make([]float32, n), make([]float32, n)
		inf := float32(math.Inf(1))
		cut := r.IntN(n + 1)
		for i, x := range v {
			inA := i < cut
			if trial%2 == 0 {
				inA = i%2 == 0
			}
			a[i], b[i] = inf, inf
			if inA {
				a[i] = x
			} else {
				b[i] = x
			}
		}
		am1, ai1, am2 := KMFold(a)
		bm1, bi1, bm2 := KMFold(b)
		for _, order := range [2]bool{false, true} {
			var g1, g2 float32
			var gi int
			if order {
				g1, gi, g2 = KMMerge(bm1, bi1, bm2, am1, ai1, am2)
			} else {
				g1, gi, g2 = KMMerge(am1, ai1, am2, bm1, bi1, bm2)
			}
			if g1 != m1 || gi != i1 || g2 != m2 {
				t.Fatalf("trial %d: merge of the parts of %v = (%v, %d, %v), whole (%v, %d, %v)", trial, v, g1, gi, g2, m1, i1, m2)
			}
		}
	}
}

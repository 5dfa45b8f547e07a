package precision

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// distLanes is KMeansDist's documented evaluation written out: eight
// lanes of FMA-accumulated squares in element order, a pairwise tree.
func distLanes(y, c []float32) float64 {
	var s [8]float64
	for j := range y {
		e := float64(y[j]) - float64(c[j])
		s[j%8] = math.FMA(e, e, s[j%8])
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// exactDist returns Σ (y_j − c_j)² exactly.
func exactDist(y, c []float32) *big.Float {
	sum := new(big.Float).SetPrec(2000)
	for j := range y {
		e := new(big.Float).SetPrec(2000).Sub(big.NewFloat(float64(y[j])), big.NewFloat(float64(c[j])))
		sum.Add(sum, e.Mul(e, e))
	}
	return sum
}

func randRow(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(scale * r.NormFloat64())
	}
	return x
}

// TestKMeansDist: the documented lane order bit for bit, KMeansNorm2 as
// the distance to zero, and the error bound (d+3)·2⁻⁵³ of the exact value
// that KMeansScreenMargin relies on.
func TestKMeansDist(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range []int{0, 1, 5, 7, 8, 9, 15, 16, 20, 64, 128, 129, 256} {
		for trial := range 50 {
			scale := math.Pow(10, float64(trial%9-4))
			y, c := randRow(r, d, scale), randRow(r, d, scale)
			if trial%5 == 0 && d > 0 { // wildly different magnitudes
				y[r.IntN(d)] *= 1e30
				c[r.IntN(d)] = 1e-38
			}
			got := KMeansDist(y, c)
			if want := distLanes(y, c); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("d=%d: KMeansDist = %v, the documented order gives %v", d, got, want)
			}
			if n2, z := KMeansNorm2(y), KMeansDist(y, make([]float32, d)); math.Float64bits(n2) != math.Float64bits(z) {
				t.Fatalf("d=%d: KMeansNorm2 = %v, distance to zero %v", d, n2, z)
			}
			exact, _ := exactDist(y, c).Float64()
			if err := math.Abs(got - exact); err > float64(d+3)*0x1p-53*exact {
				t.Fatalf("d=%d: KMeansDist = %v, exact %v: error %g over the bound", d, got, exact, err)
			}
		}
	}
	big := []float32{math.MaxFloat32, -math.MaxFloat32, math.MaxFloat32}
	if v := KMeansDist(big, []float32{-math.MaxFloat32, math.MaxFloat32, -math.MaxFloat32}); math.IsInf(v, 0) {
		t.Fatalf("distance of the largest float32 values overflowed: %v", v)
	}
}

// TestKMeansPoint: finiteness, copies without normalisation, zero rows,
// and normalised rows within two float32 ulps of x/‖x‖ (the float64
// steps err far less than one), of norm 1 within 2⁻²².
func TestKMeansPoint(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	y := make([]float32, 64)
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		x := randRow(r, 64, 1)
		x[17] = bad
		for _, norm := range []bool{false, true} {
			if _, ok := KMeansPoint(y, x, norm); ok {
				t.Fatalf("KMeansPoint of a row holding %v reported finite", bad)
			}
		}
	}
	zero := make([]float32, 64)
	if n, ok := KMeansPoint(y, zero, true); !ok || n != 0 || KMeansNorm2(y) != 0 {
		t.Fatal("a zero row did not stay zero")
	}
	for trial := range 200 {
		d := 1 + r.IntN(200)
		x := randRow(r, d, math.Pow(10, float64(trial%60-30)))
		y := make([]float32, d)
		n, ok := KMeansPoint(y, x, false)
		if !ok || n < math.Sqrt(KMeansNorm2(x))*(1+0x1p-40) {
			t.Fatalf("finite row: bound %v, ok %v", n, ok)
		}
		for i := range x {
			if y[i] != x[i] {
				t.Fatal("KMeansPoint without normalize changed the row")
			}
		}
		if n, ok := KMeansPoint(y, x, true); !ok || n != 1+0x1p-23 {
			t.Fatalf("normalised bound %v, ok %v", n, ok)
		}
		norm := new(big.Float).SetPrec(2000).Sqrt(exactDist(x, make([]float32, d)))
		for i, v := range x {
			want, _ := new(big.Float).SetPrec(2000).Quo(big.NewFloat(float64(v)), norm).Float64()
			if ulps := math.Abs(float64(y[i])-want) / ulp32(want); ulps > 2 {
				t.Fatalf("d=%d: y[%d] = %v, exact %v: %.2f ulps", d, i, y[i], want, ulps)
			}
			if math.Abs(float64(y[i])) > 1+0x1p-23 {
				t.Fatalf("|y[%d]| = %v exceeds 1+2⁻²³", i, y[i])
			}
		}
		if n := math.Sqrt(KMeansNorm2(y)); n > 1+0x1p-23 || n < 1-0x1p-22 {
			t.Fatalf("d=%d: ‖y‖ = %v", d, n)
		}
	}
}

// ulp32 is the spacing of float32 values at x (normal range).
func ulp32(x float64) float64 {
	_, e := math.Frexp(math.Max(math.Abs(x), 0x1p-126))
	return math.Ldexp(1, e-24)
}

// TestKMeansFixed: the shift keeps the largest element below 2⁵¹ and n
// of them below 2⁶³ across the whole float32 range while using at least
// half that range, elements well above the quantum survive a round trip,
// and the conversion back rounds once from the float64 value.
func TestKMeansFixed(t *testing.T) {
	for _, n := range []int{1, 2, 3, 1000, 1 << 17, 1<<17 + 1, 1 << 22} {
		for _, m := range []float32{0, math.SmallestNonzeroFloat32, 1e-30, 0.5, 1, 1 + 0x1p-23, 3, 1e20, math.MaxFloat32} {
			q := KMeansSumShift(n, m)
			scale := KMeansFixedScale(q)
			f := KMeansFixed(m, scale)
			low := math.Ldexp(1, min(51, 62-bits.Len(uint(n)))-1)
			if f < 0 || f >= 1<<51 || float64(f)*float64(n) >= 0x1p63 || (m != 0 && float64(f) < low) {
				t.Fatalf("n=%d max=%g: shift %d gives element %d, n of them %g", n, m, q, f, float64(f)*float64(n))
			}
			if m != 0 && KMeansFixedValue(f, q) != m {
				t.Fatalf("n=%d max=%g: round trip gives %g", n, m, KMeansFixedValue(f, q))
			}
		}
	}
	// ties to even at the quantum: 2.5 and 3.5 quanta
	if a, b := KMeansFixed(2.5, 1), KMeansFixed(3.5, 1); a != 2 || b != 4 {
		t.Fatalf("KMeansFixed rounds 2.5, 3.5 to %d, %d; want 2, 4", a, b)
	}
	if v := KMeansFixedValue(1<<60+1, 0); v != 0x1p60 {
		t.Fatalf("KMeansFixedValue(2^60+1, 0) = %g", v)
	}
}

// TestKMeansScreenMargin: around points with many nearly equidistant
// centroids, the centroid of least exact distance always scores within
// the margin of the smallest float32 score, whatever the summation order
// of the scores; and the test meets cases where the scores' order and the
// exact order disagree, or the margin would not be needed.
func TestKMeansScreenMargin(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	orders := []func(y, c []float32, h float32) float32{
		func(y, c []float32, h float32) float32 { // forward, unfused
			var s float32
			for j := range y {
				s += y[j] * c[j]
			}
			return s + h
		},
		func(y, c []float32, h float32) float32 { // backward, fused
			s := h
			for j := len(y) - 1; j >= 0; j-- {
				s = float32(math.FMA(float64(y[j]), float64(c[j]), float64(s)))
			}
			return s
		},
	}
	inversions := 0
	for trial := range 300 {
		d := []int{8, 20, 64, 128}[trial%4]
		y := randRow(r, d, 1)
		if trial%2 == 0 {
			KMeansPoint(y, append([]float32(nil), y...), true)
		}
		base := randRow(r, d, 0.5)
		const C = 24
		cs := make([][]float32, C)
		cNorm := 0.0
		for k := range cs {
			cs[k] = make([]float32, d)
			for j := range d { // all close to base: near ties
				cs[k][j] = base[j] + float32(1e-6*r.NormFloat64())
			}
			cNorm = math.Max(cNorm, math.Sqrt(KMeansNorm2(cs[k])))
		}
		yNorm := math.Sqrt(KMeansNorm2(y))
		T := KMeansScreenMargin(d, yNorm, cNorm)
		best, bd := 0, math.Inf(1)
		for k, c := range cs {
			if dd := KMeansDist(y, c); dd < bd {
				best, bd = k, dd
			}
		}
		for _, dot := range orders {
			s := make([]float32, C)
			m1, first := float32(math.Inf(1)), 0
			for k, c := range cs {
				h := -float32(KMeansNorm2(c)) / 2
				s[k] = -2 * dot(y, c, h)
				if s[k] < m1 {
					m1, first = s[k], k
				}
			}
			if float64(s[best]) > float64(m1)+T {
				t.Fatalf("trial %d: the nearest centroid %d scores %v, more than the margin %g above the smallest %v", trial, best, s[best], T, m1)
			}
			if first != best {
				inversions++
			}
		}
	}
	if inversions == 0 {
		t.Fatal("no case where the float32 scores chose another centroid than the exact distance: the test proves nothing")
	}
	t.Logf("%d of %d screens put another centroid first", inversions, 600)
	if !math.IsInf(KMeansScreenMargin(128, 0x1p49, 0x1p49+1), 1) {
		t.Fatal("the margin of norms over 2^50 is finite")
	}
}

// TestRefKMeansAssign checks the reference on a case worked by hand.
func TestRefKMeansAssign(t *testing.T) {
	nan := float32(math.NaN())
	x := [][]float32{{1, 0}, {0, 2}, nil, {3, 3}, {nan, 0}, {1, 1}}
	cent := []float32{0, 0, 1, 1, 1, 1} // centroid 2 duplicates 1
	r := RefKMeansAssign(x, 2, false, cent, 3)
	wantL := []int32{0, 1, -1, 1, -1, 1}
	wantD := []float32{1, 2, float32(math.Inf(1)), 8, nan, 0}
	for i := range wantL {
		if r.Labels[i] != wantL[i] || math.Float32bits(r.Dist[i]) != math.Float32bits(wantD[i]) && !(r.Dist[i] != r.Dist[i] && wantD[i] != wantD[i]) {
			t.Fatalf("point %d: label %d dist %v, want %d %v", i, r.Labels[i], r.Dist[i], wantL[i], wantD[i])
		}
	}
	if r.Counts[0] != 1 || r.Counts[1] != 3 || r.Counts[2] != 0 {
		t.Fatalf("counts %v", r.Counts)
	}
	if r.Sums[0] != 1 || r.Sums[1] != 0 || r.Sums[2] != 4 || r.Sums[3] != 6 || r.Sums[4] != 0 {
		t.Fatalf("sums %v", r.Sums)
	}
	p := RefKMeansAssign(x, 2, false, []float32{0, 0, nan, 1}, 2)
	for i, l := range p.Labels {
		if l != -1 || (x[i] != nil && p.Dist[i] == p.Dist[i]) {
			t.Fatalf("a NaN centroid left point %d with label %d, distance %v", i, l, p.Dist[i])
		}
	}
}

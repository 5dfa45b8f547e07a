package precision

import (
	"math"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"
)

// The oracle below evaluates sin and cos of an exactly given angle with
// math/big: π comes from Machin's formula at 512 bits, the reduction
// θ − k·π/2 is carried at 512 bits (θ < 2^32 needs about 32 + 53 + 100),
// and the Taylor series of the reduced argument (|r| ≤ π/4) is summed at
// 160 bits until the terms fall below 2^-170. The result is exact to far
// below a float64 ulp, so rounding it to float64 or float32 gives the
// correctly rounded value (barring ties, which do not occur for sin/cos
// of nonzero float64 arguments).

const (
	oraclePrec  = 512
	oracleTPrec = 160
)

var (
	piOnce  sync.Once
	bigPio2 *big.Float
)

// bigAtanInv returns atan(1/n) = Σ (−1)^k / ((2k+1)·n^(2k+1)) at oraclePrec.
func bigAtanInv(n int64) *big.Float {
	nf := new(big.Float).SetPrec(oraclePrec).SetInt64(n)
	n2 := new(big.Float).SetPrec(oraclePrec).Mul(nf, nf)
	pow := new(big.Float).SetPrec(oraclePrec).Quo(big.NewFloat(1).SetPrec(oraclePrec), nf) // 1/n^(2k+1)
	sum := new(big.Float).SetPrec(oraclePrec)
	eps := new(big.Float).SetMantExp(big.NewFloat(1), -oraclePrec-8)
	term := new(big.Float).SetPrec(oraclePrec)
	for k := int64(0); ; k++ {
		term.Quo(pow, new(big.Float).SetPrec(oraclePrec).SetInt64(2*k+1))
		if k%2 == 0 {
			sum.Add(sum, term)
		} else {
			sum.Sub(sum, term)
		}
		if term.Cmp(eps) < 0 {
			return sum
		}
		pow.Quo(pow, n2)
	}
}

// pio2 returns π/2 at oraclePrec, from π = 16·atan(1/5) − 4·atan(1/239).
func pio2() *big.Float {
	piOnce.Do(func() {
		a := new(big.Float).SetPrec(oraclePrec).Mul(bigAtanInv(5), big.NewFloat(16))
		b := new(big.Float).SetPrec(oraclePrec).Mul(bigAtanInv(239), big.NewFloat(4))
		pi := new(big.Float).SetPrec(oraclePrec).Sub(a, b)
		bigPio2 = pi.Quo(pi, big.NewFloat(2))
	})
	return bigPio2
}

// bigSinCos returns sin θ and cos θ for an exact θ ≥ 0 (θ < 2^40).
func bigSinCos(theta *big.Float) (sin, cos *big.Float) {
	q := new(big.Float).SetPrec(oraclePrec).Quo(theta, pio2())
	// k = round(q): add 1/2 and truncate (q ≥ 0).
	q.Add(q, big.NewFloat(0.5))
	ki, _ := q.Int(nil)
	r := new(big.Float).SetPrec(oraclePrec).SetInt(ki)
	r.Mul(r, pio2())
	r.Sub(theta, r) // |r| ≤ π/4 (+tiny)
	rt := new(big.Float).SetPrec(oracleTPrec).Set(r)
	r2 := new(big.Float).SetPrec(oracleTPrec).Mul(rt, rt)
	eps := new(big.Float).SetMantExp(big.NewFloat(1), -170)
	series := func(first *big.Float, start int64) *big.Float {
		sum := new(big.Float).SetPrec(oracleTPrec).Set(first)
		term := new(big.Float).SetPrec(oracleTPrec).Set(first)
		for n := start; ; n += 2 {
			term.Mul(term, r2)
			term.Quo(term, new(big.Float).SetInt64(-(n+1)*(n+2)))
			sum.Add(sum, term)
			if new(big.Float).Abs(term).Cmp(eps) < 0 {
				return sum
			}
		}
	}
	s := series(rt, 1)                                              // r − r³/3! + …
	c := series(new(big.Float).SetPrec(oracleTPrec).SetInt64(1), 0) // 1 − r²/2! + …
	switch new(big.Int).And(ki, big.NewInt(3)).Int64() {
	case 0:
		return s, c
	case 1:
		return c, s.Neg(s)
	case 2:
		return s.Neg(s), c.Neg(c)
	default:
		return c.Neg(c), s
	}
}

// exactProduct returns pos·f as an exact big.Float (31 + 53 bits fit).
func exactProduct(pos int32, f float64) *big.Float {
	p := new(big.Float).SetPrec(128).SetInt64(int64(pos))
	return p.Mul(p, new(big.Float).SetPrec(128).SetFloat64(f))
}

func f64(x *big.Float) float64 { v, _ := x.Float64(); return v }

// roundF32 rounds attn·x (exact in big) to float32, ties to even.
func roundF32(x *big.Float, attn float64) float32 {
	y := new(big.Float).SetPrec(oracleTPrec+64).Mul(x, new(big.Float).SetFloat64(attn))
	v, _ := y.Float32()
	return v
}

func TestOraclePi(t *testing.T) {
	if got := f64(pio2()); got != math.Pi/2 {
		t.Fatalf("oracle π/2 = %v, want %v", got, math.Pi/2)
	}
	// sin(π/2 rounded to float64) = cos(δ) with δ ≈ 6.1e-17: 1 in float64;
	// cos of it is δ itself to 30 digits.
	s, c := bigSinCos(new(big.Float).SetFloat64(math.Pi / 2))
	if f64(s) != 1 || math.Abs(f64(c)-6.123233995736766e-17) > 1e-32 {
		t.Fatalf("oracle sin, cos(π/2) = %v, %v", f64(s), f64(c))
	}
}

// testThetas returns angles for SinCos64: log-uniform over [2^-30, 2^31],
// integers (pair 0 angles are positions), and the float64 values nearest
// to multiples of π/2, where the reduction cancels most.
func testThetas(rng *rand.Rand, n int) []float64 {
	var xs []float64
	for range n {
		xs = append(xs, math.Exp2(-30+61*rng.Float64()))
		xs = append(xs, float64(rng.Int32()))
	}
	for _, k := range []int64{1, 2, 3, 4, 5, 1000, 710, 355, 103993, 1 << 20, 1<<20 + 1, 833719, 1 << 30, 1<<30 + 3, 1367130551} {
		m := new(big.Float).SetPrec(oraclePrec).SetInt64(k)
		m.Mul(m, pio2())
		v := f64(m)
		xs = append(xs, v, math.Nextafter(v, 0), math.Nextafter(v, math.Inf(1)))
	}
	xs = append(xs, 0, 0x1p-1074, 1e-300, 1, math.Pi/4, 2147483647, 16777217)
	return xs
}

func TestSinCos64(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	var maxAbs, maxStd, maxUlp float64
	var worst float64
	for _, th := range testThetas(rng, 4000) {
		bs, bc := bigSinCos(new(big.Float).SetFloat64(th))
		ws, wc := f64(bs), f64(bc)
		s, c := SinCos64(th)
		ms, mc := math.Sincos(th)
		for _, p := range [][3]float64{{s, ws, ms}, {c, wc, mc}} {
			e := math.Abs(p[0] - p[1])
			if e > maxAbs {
				maxAbs, worst = e, th
			}
			maxStd = max(maxStd, math.Abs(p[2]-p[1]))
			// ulps of the true value (relative accuracy near zeros).
			if p[1] != 0 {
				u := math.Abs(p[0]-p[1]) / (math.Nextafter(math.Abs(p[1]), 2) - math.Abs(p[1]))
				maxUlp = max(maxUlp, u)
			}
		}
	}
	t.Logf("SinCos64: max abs error %.3g (at θ = %v), max %.3g ulps of the result; math.Sincos max abs error %.3g", maxAbs, worst, maxUlp, maxStd)
	// Error budget: the first Cody–Waite step is exact (θ < 2^31 has an
	// lsb ≥ 2^-22 and k·pio2Hi one of 2^-52, so the difference, below 1,
	// is representable); the next two FMAs round r twice, ≤ 2·2^-53·|r|
	// relative; the Horner sums add ≤ 2^-52·|r|³/6; the final FMA rounds
	// once more (≤ 2^-53 relative). Absolute: ≤ 2^-53 + 2·2^-53·π/4 +
	// small < 2^-52; relative to the result (which matters near zeros of
	// sin and cos): ≤ about 1.5 ulps.
	if maxAbs > 0x1p-52 {
		t.Errorf("SinCos64 max abs error %.3g > 2^-52", maxAbs)
	}
	if maxUlp > 2 {
		t.Errorf("SinCos64 max error %.3g ulps of the result > 2", maxUlp)
	}
}

// angleCase is one (position, inverse frequency, attention factor).
type angleCase struct {
	pos  int32
	f    float64
	attn float64
}

// angleCases returns real schedules' frequencies (base 1e4, 5e5, 1e6 at
// d = 128; every pair) and random ones, at positions 0..4095, powers of two
// and their neighbours up to 2^30, 2^24+1, 2^31−1 and log-uniform random
// positions, with attention factors 1 and 1.2 (a YaRN mscale).
func angleCases(rng *rand.Rand, n int) []angleCase {
	var freqs []float64
	for _, base := range []float64{1e4, 5e5, 1e6} {
		for j := range 64 {
			freqs = append(freqs, math.Pow(base, -float64(2*j)/128))
		}
	}
	for range 64 {
		freqs = append(freqs, rng.Float64())
	}
	var pos []int32
	for k := 8; k <= 30; k++ {
		pos = append(pos, 1<<k-1, 1<<k, 1<<k+1)
	}
	pos = append(pos, 1<<24+1, math.MaxInt32)
	var cs []angleCase
	for range n {
		p := rng.Int32N(4096)
		if rng.IntN(2) == 0 {
			p = int32(math.Exp2(31 * rng.Float64()))
		}
		if rng.IntN(4) == 0 {
			p = pos[rng.IntN(len(pos))]
		}
		a := 1.0
		if rng.IntN(4) == 0 {
			a = 1.2
		}
		cs = append(cs, angleCase{p, freqs[rng.IntN(len(freqs))], a})
	}
	return cs
}

// TestAccurateCosSin checks AccurateCosSin against the exact angle pos·f
// (f as the exact float64 value). The pipeline carries the product's
// rounding error e = fma(p, f, −fl(p·f)) into the reduction, so the angle
// it evaluates is within ~2^-52·|r| + 2^-100·θ of pos·f, and SinCos64 adds
// at most 2^-52 absolute: the total error is 2^29 times below a float32
// ulp of the result (|cos| or |sin| ≥ 2^-24 in these samples or the
// absolute bound dominates). Misrounding therefore needs the truth within
// ~2^-28 ulp32 of a rounding boundary: we require > 99.99% correctly
// rounded in every position bucket up to 2^31, every value within 1 ulp,
// and the absolute bound ulp32/2 + attn·2^-50 for all.
//
// A pipeline that forms the angle as a plain float64 product (no e)
// misrounds 0.4% of values at 2^24 and 13% at 2^31 and fails this test.
func TestAccurateCosSin(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	type tally struct{ n, ok int }
	buckets := map[int]*tally{} // by bit length of pos
	for _, c := range angleCases(rng, 20000) {
		gc, gs := AccurateCosSin(c.pos, c.f, c.attn)
		s2, c2 := bigSinCos(exactProduct(c.pos, c.f))
		b := 0
		for p := c.pos; p > 0; p >>= 1 {
			b++
		}
		tl := buckets[b]
		if tl == nil {
			tl = &tally{}
			buckets[b] = tl
		}
		tl.n += 2
		for _, v := range []struct {
			got   float32
			exact *big.Float
		}{{gc, c2}, {gs, s2}} {
			w := roundF32(v.exact, c.attn)
			if v.got == w {
				tl.ok++
			} else if ULPDistanceF32(v.got, w) > 1 {
				t.Errorf("AccurateCosSin(%d, %v, %v) = %v, more than 1 ulp from %v", c.pos, c.f, c.attn, v.got, w)
			}
			exact := f64(v.exact) * c.attn
			ulp32 := float64(math.Nextafter32(float32(math.Abs(exact)), 2)) - math.Abs(float64(float32(math.Abs(exact))))
			bound := ulp32/2 + c.attn*0x1p-50
			if e := math.Abs(float64(v.got) - exact); e > bound {
				t.Errorf("AccurateCosSin(%d, %v, %v) = %v: error %.3g vs the exact angle exceeds %.3g", c.pos, c.f, c.attn, v.got, e, bound)
			}
		}
	}
	for b := 0; b <= 31; b++ {
		tl := buckets[b]
		if tl == nil {
			continue
		}
		t.Logf("pos < 2^%d: %d values, correctly rounded vs the exact angle %.6f", b, tl.n, float64(tl.ok)/float64(tl.n))
		if float64(tl.ok) < 0.9999*float64(tl.n) {
			t.Errorf("pos < 2^%d: only %d of %d values correctly rounded (exact angle)", b, tl.ok, tl.n)
		}
	}
}

// roundBig24 rounds an exact big.Float to float32, ties to even.
func roundBig24(x *big.Float) float32 { v, _ := x.Float32(); return v }

// TestCompatCosSin checks the compat pipeline against its definition
// computed independently: the angle is the float32 rounding of
// float32(pos)·f32, both roundings done by math/big; cos and sin are the
// correctly rounded float32 values of cos and sin of that float32 angle
// (math/big), then multiplied by float32(attn) with one float32 rounding
// (done here as an exact float64 product rounded once). Only SinCos64's
// < 2^-52 error could misround, so > 99.99% must match and every value
// must be within 1 ulp (measured: all match).
func TestCompatCosSin(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	n, ok := 0, 0
	for _, c := range angleCases(rng, 20000) {
		f32 := float32(c.f)
		p32 := roundBig24(new(big.Float).SetInt64(int64(c.pos)))
		th := roundBig24(new(big.Float).SetPrec(128).Mul(new(big.Float).SetFloat64(float64(p32)), new(big.Float).SetFloat64(float64(f32))))
		if got := CompatAngle(c.pos, f32); got != th {
			t.Fatalf("CompatAngle(%d, %v) = %v, want %v", c.pos, f32, got, th)
		}
		bs, bc := bigSinCos(new(big.Float).SetFloat64(float64(th)))
		wc, ws := roundBig24(bc), roundBig24(bs)
		if c.attn != 1 {
			a := float64(float32(c.attn))
			wc, ws = float32(float64(wc)*a), float32(float64(ws)*a)
		}
		gc, gs := CompatCosSin(c.pos, f32, c.attn)
		for _, v := range [][2]float32{{gc, wc}, {gs, ws}} {
			n++
			if v[0] == v[1] {
				ok++
			} else if ULPDistanceF32(v[0], v[1]) > 1 {
				t.Errorf("CompatCosSin(%d, %v, %v) = %v, more than 1 ulp from %v", c.pos, f32, c.attn, v[0], v[1])
			}
		}
	}
	t.Logf("%d of %d compat cos/sin values equal the correctly rounded float32 of the float32 angle", ok, n)
	if float64(ok) < 0.9999*float64(n) {
		t.Errorf("only %d of %d compat values correctly rounded", ok, n)
	}
}

// TestRotatePair checks RotatePair against Hugging Face's float32 formula
// q·cos + rotate_half(q)·sin evaluated term by term: each product and the
// sum rounded to float32 separately. The oracle computes each product
// exactly in float64 (24 + 24 ≤ 53 bits) and rounds it once; the sum of
// two float32 values in float64 rounded again to float32 equals the
// correctly rounded float32 sum because 53 ≥ 2·24 + 2 (double rounding is
// innocuous for +, −, ×). Results must agree bit for bit; the sample must
// also contain cases where a fused multiply-add would differ, so that the
// test would catch fusion.
func TestRotatePair(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	r32 := func(x float64) float32 { return float32(x) }
	vals := func() float32 {
		switch rng.IntN(10) {
		case 0:
			return []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(1)), float32(math.NaN())}[rng.IntN(8)]
		case 1:
			return float32(randomFloat64(rng, -149, 127))
		}
		return float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
	}
	fusedDiffers := 0
	for range 500000 {
		a, b := vals(), vals()
		th := rng.Float64() * 2 * math.Pi
		c, s := float32(math.Cos(th)), float32(math.Sin(th))
		if rng.IntN(20) == 0 {
			c, s = vals(), vals()
		}
		ac, bs := r32(float64(a)*float64(c)), r32(float64(b)*float64(s))
		bc, as := r32(float64(b)*float64(c)), r32(float64(a)*float64(s))
		wa, wb := r32(float64(ac)-float64(bs)), r32(float64(bc)+float64(as))
		ga, gb := RotatePair(a, b, c, s)
		if !sameBits(ga, wa) || !sameBits(gb, wb) {
			t.Fatalf("RotatePair(%v, %v, %v, %v) = (%v, %v), want (%v, %v)", a, b, c, s, ga, gb, wa, wb)
		}
		if fa := r32(math.FMA(float64(a), float64(c), -float64(bs))); !sameBits(fa, wa) {
			fusedDiffers++
		}
	}
	if fusedDiffers == 0 {
		t.Error("no sample distinguishes fused from unfused arithmetic")
	}
	t.Logf("fused a·c − b·s would differ on %d samples", fusedDiffers)
}

// sameBits reports whether a and b have the same bits, or are both NaN.
func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

package precision

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// oracleRound rounds x to a binary format with prec significand bits,
// ties to even, using math/big for normal results. big.Float has no
// subnormals, so below the smallest normal 2^minExp the result is x
// quantised to a multiple of 2^(minExp-prec+1) (an exact power-of-two
// scaling followed by an integer round-half-even), and at or beyond
// (2 − 2^-prec)·2^maxExp the result overflows to ±Inf. NaN is not handled
// here.
func oracleRound(x float64, prec uint, minExp, maxExp int) float64 {
	if x == 0 || math.IsInf(x, 0) {
		return x
	}
	ax := math.Abs(x)
	var r float64
	if ax < math.Ldexp(1, minExp) {
		q := int(prec) - 1 - minExp // quantum 2^-q
		r = math.Ldexp(math.RoundToEven(math.Ldexp(ax, q)), -q)
	} else {
		f := new(big.Float).SetMode(big.ToNearestEven).SetFloat64(ax)
		f.SetPrec(prec)
		if f.Cmp(new(big.Float).SetMantExp(big.NewFloat(1), maxExp+1)) >= 0 {
			r = math.Inf(1)
		} else {
			r, _ = f.Float64()
		}
	}
	return math.Copysign(r, x)
}

func oracleBF16(x float64) float64 { return oracleRound(x, 8, -126, 127) }
func oracleF16(x float64) float64  { return oracleRound(x, 11, -14, 15) }

// sameValue reports whether got equals want including the sign of zero,
// or both are NaN.
func sameValue(got, want float64) bool {
	if got != got || want != want {
		return got != got && want != want
	}
	return got == want && math.Signbit(got) == math.Signbit(want)
}

// boundaryFloat64 returns inputs from every boundary class of a binary
// format with prec bits, normal exponents [minExp, maxExp]: exact values,
// ties between neighbours, ties nudged up and down by one float64 ulp and
// by amounts below float32 resolution (where rounding to float32 first
// would create or break a tie), the overflow threshold, the subnormal
// range and its top, values below half the smallest subnormal, values
// beyond float32's range in both directions, and ±0 and ±Inf.
func boundaryFloat64(prec uint, minExp, maxExp int) []float64 {
	var xs []float64
	add := func(v float64) {
		xs = append(xs, v, -v)
	}
	nudge := func(v float64) {
		add(v)
		add(math.Nextafter(v, 0))
		add(math.Nextafter(v, math.Inf(1)))
		for _, e := range []int{-30, -40, -50} { // below float32's 24 bits
			add(v * (1 + math.Ldexp(1, e)))
			add(v * (1 - math.Ldexp(1, e)))
		}
	}
	q := int(prec) - 1
	for _, e := range []int{minExp, minExp + 1, -1, 0, 1, 7, maxExp - 1, maxExp} {
		for _, m := range []float64{0, 1, 2, 3, float64(int(1)<<q) - 1, float64(int(1)<<q) - 2} {
			v := math.Ldexp(1+m/float64(int(1)<<q), e)         // a representable value
			tie := math.Ldexp(1+(m+0.5)/float64(int(1)<<q), e) // midpoint to the next
			nudge(v)
			nudge(tie)
		}
	}
	// Overflow threshold (2 − 2^-prec)·2^maxExp and its neighbours.
	nudge(math.Ldexp(2-math.Ldexp(1, -int(prec)), maxExp))
	nudge(math.Ldexp(1, maxExp+1))
	// Subnormals: quantum 2^(minExp-q).
	sq := minExp - q
	for _, k := range []float64{0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, float64(int(1)<<q) - 1, float64(int(1)<<q) - 0.5} {
		nudge(math.Ldexp(k, sq))
	}
	for _, v := range []float64{1e-300, 5e-324, 1e-40, 1e-45, 1e39, 1e300, math.MaxFloat64, math.MaxFloat32,
		math.SmallestNonzeroFloat32, math.Ldexp(1, -150), math.Ldexp(1, -149) * 1.5} {
		add(v)
	}
	xs = append(xs, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1))
	return xs
}

// randomFloat64 draws a float64 with a uniformly random significand and an
// exponent spread over [loExp, hiExp], either sign.
func randomFloat64(rng *rand.Rand, loExp, hiExp int) float64 {
	m := 1 + float64(rng.Uint64()>>11)/(1<<53)
	x := math.Ldexp(m, loExp+rng.IntN(hiExp-loExp+1))
	if rng.IntN(2) == 0 {
		x = -x
	}
	return x
}

func TestBF16FromFloat64Oracle(t *testing.T) {
	check := func(x float64) bool {
		got := BF16FromFloat64(x).Float64()
		want := oracleBF16(x)
		if !sameValue(got, want) {
			t.Errorf("BF16FromFloat64(%v = %#016x) = %v, want %v", x, math.Float64bits(x), got, want)
			return false
		}
		return true
	}
	bounds := boundaryFloat64(8, -126, 127)
	naiveWrong := 0
	for _, x := range bounds {
		check(x)
		if !sameValue(BF16FromFloat32(float32(x)).Float64(), oracleBF16(x)) {
			naiveWrong++
		}
	}
	// The boundary set must be able to catch double rounding: rounding to
	// float32 first has to go wrong on some of its inputs.
	if naiveWrong == 0 {
		t.Errorf("no boundary input exposes fp64→fp32→bf16 double rounding; the test set is too weak")
	}
	t.Logf("%d boundary inputs; plain float32 conversion first would misround %d of them", len(bounds), naiveWrong)

	rng := rand.New(rand.NewPCG(1, 2))
	const n = 300000
	bad := 0
	for range n {
		if !check(randomFloat64(rng, -140, 130)) {
			if bad++; bad > 10 {
				t.Fatal("too many failures")
			}
		}
	}
}

// TestBF16FromFloat32Oracle checks the float32 path against math/big on a
// random sample and the boundary set (inputs rounded to float32 first, so
// every one is an exact float32).
func TestBF16FromFloat32Oracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := boundaryFloat64(8, -126, 127)
	for range 200000 {
		xs = append(xs, float64(math.Float32frombits(rng.Uint32())))
	}
	for _, x := range xs {
		f := float32(x)
		if f != f {
			continue
		}
		if got, want := BF16FromFloat32(f).Float64(), oracleBF16(float64(f)); !sameValue(got, want) {
			t.Fatalf("BF16FromFloat32(%v = %#08x) = %v, want %v", f, math.Float32bits(f), got, want)
		}
	}
}

func TestBF16NaN(t *testing.T) {
	for _, sign := range []uint64{0, 1 << 63} {
		// float64 NaNs: payload only in the low bits (would truncate to
		// Inf), signalling, quiet, full payload.
		for _, frac := range []uint64{1, 0xffff, 1 << 28, 1<<29 - 1, 1 << 50, 1 << 51, 1<<52 - 1, 0x0015_5555_5555_5555} {
			x := math.Float64frombits(sign | 0x7ff0_0000_0000_0000 | frac)
			b := BF16FromFloat64(x)
			wantPayload := BF16(frac >> 45 & 0x3f)
			if !b.IsNaN() || b.IsInf() || b.Signbit() != (sign != 0) || b&0x40 == 0 || b&0x3f != wantPayload {
				t.Errorf("BF16FromFloat64(%#016x) = %#04x: want a quiet NaN, sign %v, payload %#x", math.Float64bits(x), b, sign != 0, wantPayload)
			}
			f := Float32RoundToOdd(x)
			if u := math.Float32bits(f); f == f || u>>31 != uint32(sign>>63) || u&0x400000 == 0 || u&0x3fffff != uint32(frac>>29&0x3fffff) {
				t.Errorf("Float32RoundToOdd(%#016x) = %#08x: want a quiet NaN with sign and top payload kept", math.Float64bits(x), u)
			}
		}
		// float32 NaNs with payload only in the low 16 bits.
		for _, frac := range []uint32{1, 0x8000, 0xffff, 0x10000, 0x400000} {
			u := uint32(sign>>32) | 0x7f800000 | frac
			b := BF16FromFloat32(math.Float32frombits(u))
			if !b.IsNaN() || b.Signbit() != (sign != 0) || b&0x40 == 0 {
				t.Errorf("BF16FromFloat32(%#08x) = %#04x: want a quiet NaN with sign %v", u, b, sign != 0)
			}
		}
	}
	if q := BF16QuietNaN; !q.IsNaN() || q.Signbit() || q.IsInf() {
		t.Errorf("BF16QuietNaN = %#04x is not a positive NaN", q)
	}
}

// TestBF16AllValues round-trips every one of the 65536 bfloat16 patterns
// through float32 and float64 and checks the predicates against the
// float32 value.
func TestBF16AllValues(t *testing.T) {
	for u := range 1 << 16 {
		b := BF16(u)
		f := b.Float32()
		if math.Float32bits(f) != uint32(u)<<16 {
			t.Fatalf("BF16(%#04x).Float32() bits = %#08x", u, math.Float32bits(f))
		}
		isNaN, isInf := f != f, math.IsInf(float64(f), 0)
		if b.IsNaN() != isNaN || b.IsInf() != isInf || b.Signbit() != math.Signbit(float64(f)) {
			t.Fatalf("BF16(%#04x): IsNaN %v IsInf %v Signbit %v disagree with float32 %v", u, b.IsNaN(), b.IsInf(), b.Signbit(), f)
		}
		back := BF16FromFloat32(f)
		back64 := BF16FromFloat64(b.Float64())
		if isNaN {
			if !back.IsNaN() || back.Signbit() != b.Signbit() || back|0x40 != b|0x40 || !back64.IsNaN() || back64.Signbit() != b.Signbit() {
				t.Fatalf("NaN %#04x round-trips to %#04x / %#04x", u, back, back64)
			}
			continue
		}
		if back != b || back64 != b || RoundBF16(f) != f && !isNaN {
			t.Fatalf("BF16 %#04x round-trips to %#04x (float32) / %#04x (float64)", u, back, back64)
		}
		if BF16FromBits(uint16(u)).Bits() != uint16(u) {
			t.Fatalf("BF16FromBits/Bits lose %#04x", u)
		}
	}
}

func TestBF16Constants(t *testing.T) {
	cases := []struct {
		b    BF16
		want float64
	}{
		{BF16Inf, math.Inf(1)},
		{BF16MaxFinite, math.Ldexp(2-math.Ldexp(1, -7), 127)},
		{BF16MinNormal, math.Ldexp(1, -126)},
		{BF16MinSubnorm, math.Ldexp(1, -133)},
		{BF16Epsilon, math.Ldexp(1, -7)},
	}
	for _, c := range cases {
		if got := c.b.Float64(); got != c.want {
			t.Errorf("%#04x = %v, want %v", uint16(c.b), got, c.want)
		}
	}
	if got := (BF16(0x3f80) + 1).Float64() - 1; got != BF16Epsilon.Float64() {
		t.Errorf("next bf16 after 1 is 1+%v, want 1+epsilon", got)
	}
}

// TestFloat32RoundToOdd checks the round-to-odd definition directly: the
// result is x when x is a float32; otherwise it has x's sign and an odd
// significand, and its magnitude is the truncation of |x| toward zero or
// the float32 just above it (±MaxFloat32 beyond the float32 range).
func TestFloat32RoundToOdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	xs := boundaryFloat64(24, -126, 127)
	for range 200000 {
		xs = append(xs, randomFloat64(rng, -155, 130))
	}
	for _, x := range xs {
		f := Float32RoundToOdd(x)
		if math.IsInf(x, 0) {
			if float64(f) != x {
				t.Fatalf("Float32RoundToOdd(%v) = %v", x, f)
			}
			continue
		}
		if float64(float32(x)) == x && !math.IsInf(float64(float32(x)), 0) {
			if f != float32(x) || math.Signbit(float64(f)) != math.Signbit(x) {
				t.Fatalf("Float32RoundToOdd(%v) = %v, want it exact", x, f)
			}
			continue
		}
		u := math.Float32bits(f)
		if u&1 == 0 || math.IsInf(float64(f), 0) || math.Signbit(float64(f)) != math.Signbit(x) {
			t.Fatalf("Float32RoundToOdd(%v) = %v (%#08x): want an odd finite value of the same sign", x, f, u)
		}
		// lo is the largest float32 ≤ |x| (the truncation); round-to-odd
		// returns lo when lo is odd and the next float32 above it
		// otherwise, so |f| is odd and one of lo, next(lo).
		ax := math.Abs(x)
		lo := float32(ax)
		if float64(lo) > ax {
			lo = math.Nextafter32(lo, 0)
		}
		af := float32(math.Abs(float64(f)))
		if af != lo && af != math.Nextafter32(lo, float32(math.Inf(1))) {
			t.Fatalf("Float32RoundToOdd(%v) = %v: want the odd one of %v and its successor", x, f, lo)
		}
	}
}

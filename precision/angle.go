package precision

import "math"

// The angle pipelines below are rotor's single definition of RoPE cos and
// sin. The CUDA kernels (kernels/rope_math.cuh) perform the same IEEE
// float64 and float32 operations in the same order, with explicit FMA
// where an FMA is written here and none elsewhere, so both backends agree
// bit for bit.

// π/2 split into three float64 parts for Cody–Waite reduction:
// pio2Hi + pio2Mid + pio2Lo = π/2 to about 160 bits.
const (
	twoOverPi = 0.63661977236758138243288840385503135621547698974609375  // float64(2/π)
	pio2Hi    = 1.5707963267948965579989817342720925807952880859375      // float64(π/2)
	pio2Mid   = 6.123233995736766035868820147291983023128460623387e-17   // float64(π/2 - pio2Hi)
	pio2Lo    = -1.4973849048591698329435797752361637126820975422319e-33 // float64(π/2 - pio2Hi - pio2Mid)
)

// Taylor coefficients ±1/n!, rounded to float64, for |r| ≤ π/4 (plus a
// little slack for the reduction): the truncation error is below 1e-18.
var (
	sinCoef = [...]float64{
		-1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800,
		1.0 / 6227020800, -1.0 / 1307674368000, 1.0 / 355687428096000,
	}
	cosCoef = [...]float64{
		-1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800,
		1.0 / 479001600, -1.0 / 87178291200, 1.0 / 20922789888000, -1.0 / 6402373705728000,
	}
)

// SinCos64 returns sin θ and cos θ for finite θ ≥ 0 with |θ| < 2^52,
// accurate to a few float64 ulps: θ is reduced modulo π/2 with a
// three-part Cody–Waite split using FMA, then both functions are
// evaluated by Horner polynomials with FMA.
func SinCos64(theta float64) (sin, cos float64) { return sinCos2(theta, 0) }

// sinCos2 returns sin and cos of the unevaluated sum hi + lo, where lo is
// a correction below one ulp of hi (the rounding error of the product
// that formed hi). The quadrant comes from hi; lo is added to the reduced
// argument after the two leading Cody–Waite steps, where it is exact
// enough to matter.
func sinCos2(hi, lo float64) (sin, cos float64) {
	k := math.RoundToEven(hi * twoOverPi)
	r := math.FMA(-k, pio2Hi, hi)
	r = math.FMA(-k, pio2Mid, r)
	r = r + lo
	r = math.FMA(-k, pio2Lo, r)
	r2 := r * r
	ps := sinCoef[len(sinCoef)-1]
	for i := len(sinCoef) - 2; i >= 0; i-- {
		ps = math.FMA(ps, r2, sinCoef[i])
	}
	pc := cosCoef[len(cosCoef)-1]
	for i := len(cosCoef) - 2; i >= 0; i-- {
		pc = math.FMA(pc, r2, cosCoef[i])
	}
	s := math.FMA(r*r2, ps, r)
	c := math.FMA(r2, pc, 1)
	switch int64(k) & 3 {
	case 0:
		return s, c
	case 1:
		return c, -s
	case 2:
		return -s, -c
	default:
		return -c, s
	}
}

// AccurateCosSin returns the float32 cos and sin of the angle
// pos*invFreq, multiplied by attn: the angle is formed in float64 together
// with the product's exact rounding error (θ = fl(p·f), e = fma(p, f, −θ),
// so θ + e = p·f exactly), reduced in float64, cos and sin are evaluated
// in float64, multiplied by attn in float64 (skipped when attn is 1) and
// rounded once to float32.
func AccurateCosSin(pos int32, invFreq, attn float64) (c, s float32) {
	p := float64(pos)
	theta := p * invFreq
	e := math.FMA(p, invFreq, -theta)
	sd, cd := sinCos2(theta, e)
	if attn != 1 {
		cd *= attn
		sd *= attn
	}
	return float32(cd), float32(sd)
}

// CompatAngle returns the float32 angle float32(pos) * invFreq rounded to
// float32, as Hugging Face transformers and vLLM form it.
func CompatAngle(pos int32, invFreq float32) float32 {
	return float32(float32(pos) * invFreq)
}

// CompatCosSin returns cos and sin of the float32 angle CompatAngle(pos,
// invFreq), each correctly rounded to float32 and then multiplied by
// float32(attn) in float32 (skipped when attn is 1), as Hugging Face's
// rotary embedding does.
func CompatCosSin(pos int32, invFreq float32, attn float64) (c, s float32) {
	sd, cd := SinCos64(float64(CompatAngle(pos, invFreq)))
	c, s = float32(cd), float32(sd)
	if attn != 1 {
		a := float32(attn)
		c, s = float32(c*a), float32(s*a)
	}
	return c, s
}

// RotatePair rotates (a, b) by the angle whose cos and sin are c and s, in
// float32 with each product and the sum rounded separately (no FMA):
// a' = a·c − b·s, b' = b·c + a·s. This is Hugging Face's
// q*cos + rotate_half(q)*sin in float32, term for term.
func RotatePair(a, b, c, s float32) (ra, rb float32) {
	ac, bs := float32(a*c), float32(b*s)
	bc, as := float32(b*c), float32(a*s)
	return ac - bs, bc + as
}

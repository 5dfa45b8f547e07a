package precision

import "math"

// BF16 is a bfloat16 value: the top 16 bits of an IEEE binary32 (1 sign
// bit, 8 exponent bits with bias 127, 7 stored significand bits).
//
// NaN convention: every conversion into BF16 returns a quiet NaN that
// keeps the input's sign and the top 6 bits of its payload and forces the
// quiet bit (bit 6). So 0x7fc0 and 0xffc0 are the NaNs of an unpayloaded
// +NaN and −NaN, a NaN never turns into an Inf (even when its payload lies
// only in bits a truncation would drop), and a signalling NaN comes out
// quiet. Comparisons between implementations should test "is NaN, same
// sign, quiet" rather than bits.
type BF16 uint16

// BF16QuietNaN is the canonical quiet NaN (positive). Conversions keep a
// NaN's sign and upper payload bits and force the quiet bit.
const BF16QuietNaN BF16 = 0x7fc0

// Notable bfloat16 values.
const (
	BF16Inf         BF16 = 0x7f80 // +Inf
	BF16MaxFinite   BF16 = 0x7f7f // (2 − 2^-7)·2^127
	BF16MinNormal   BF16 = 0x0080 // 2^-126
	BF16MinSubnorm  BF16 = 0x0001 // 2^-133
	BF16Epsilon     BF16 = 0x3c00 // 2^-7, the distance from 1 to the next value
	bf16QuietBit    BF16 = 0x0040
	bf16ExpMask     BF16 = 0x7f80
	bf16MagMask     BF16 = 0x7fff
	float32QuietBit      = 0x00400000
)

// BF16FromFloat32 rounds f to the nearest bfloat16, ties to even. Inf
// stays Inf, overflow rounds to Inf, and a NaN stays a NaN: its sign and
// top payload bits are kept and the quiet bit is set, so a NaN whose
// payload lies only in the low 16 bits never becomes Inf.
func BF16FromFloat32(f float32) BF16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return BF16(u>>16 | 0x0040)
	}
	u += 0x7fff + (u>>16)&1
	return BF16(u >> 16)
}

// BF16FromFloat64 rounds x to the nearest bfloat16, ties to even, with a
// single rounding: x is first rounded to float32 with round-to-odd, which
// keeps enough information for the final round-to-nearest-even to be
// correct (no double rounding). NaNs follow the BF16 convention: sign and
// top payload bits kept, quiet bit set.
func BF16FromFloat64(x float64) BF16 {
	return BF16FromFloat32(Float32RoundToOdd(x))
}

// Float32RoundToOdd rounds x to float32 by truncation toward zero, then
// sets the last significand bit when the result is inexact. Rounding that
// value to any format with at least two fewer significand bits gives the
// correctly rounded result of x. Values beyond the float32 range become
// ±MaxFloat32 (odd), never Inf, so a later rounding still sees them as
// overflow; values below it become ±2^-149. Inf stays Inf, and a NaN
// becomes a quiet float32 NaN with x's sign and the top 22 bits of its
// payload.
func Float32RoundToOdd(x float64) float32 {
	if x != x {
		u := math.Float64bits(x)
		return math.Float32frombits(uint32(u>>32)&0x80000000 | 0x7f800000 | float32QuietBit | uint32(u>>29)&0x003fffff)
	}
	if math.IsInf(x, 0) {
		return float32(x)
	}
	f := float32(x)
	if float64(f) == x {
		return f
	}
	if math.Abs(float64(f)) > math.Abs(x) { // rounded away from zero: step back
		f = math.Float32frombits(math.Float32bits(f) - 1)
	}
	return math.Float32frombits(math.Float32bits(f) | 1)
}

// BF16FromBits returns the bfloat16 whose bit pattern is u.
func BF16FromBits(u uint16) BF16 { return BF16(u) }

// Bits returns the bit pattern of b.
func (b BF16) Bits() uint16 { return uint16(b) }

// Float32 returns the exact float32 value of b.
func (b BF16) Float32() float32 { return math.Float32frombits(uint32(b) << 16) }

// Float64 returns the exact float64 value of b.
func (b BF16) Float64() float64 { return float64(b.Float32()) }

// IsNaN reports whether b is a NaN.
func (b BF16) IsNaN() bool { return b&bf16MagMask > bf16ExpMask }

// IsInf reports whether b is +Inf or -Inf.
func (b BF16) IsInf() bool { return b&bf16MagMask == bf16ExpMask }

// Signbit reports whether b's sign bit is set (negative values, −0, −Inf
// and NaNs with the sign bit).
func (b BF16) Signbit() bool { return b&0x8000 != 0 }

// RoundBF16 returns f rounded to bfloat16 and back to float32.
func RoundBF16(f float32) float32 { return BF16FromFloat32(f).Float32() }

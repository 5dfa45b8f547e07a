package precision

import "math"

// BF16 is a bfloat16 value: the top 16 bits of an IEEE binary32.
type BF16 uint16

// BF16QuietNaN is the canonical quiet NaN (positive). Conversions keep a
// NaN's sign and upper payload bits and force the quiet bit.
const BF16QuietNaN BF16 = 0x7fc0

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
// correct (no double rounding).
func BF16FromFloat64(x float64) BF16 {
	return BF16FromFloat32(Float32RoundToOdd(x))
}

// Float32RoundToOdd rounds x to float32 by truncation toward zero, then
// sets the last significand bit when the result is inexact. Rounding that
// value to any format with at least two fewer significand bits gives the
// correctly rounded result of x.
func Float32RoundToOdd(x float64) float32 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
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

// Float32 returns the exact float32 value of b.
func (b BF16) Float32() float32 { return math.Float32frombits(uint32(b) << 16) }

// IsNaN reports whether b is a NaN.
func (b BF16) IsNaN() bool { return b&0x7fff > 0x7f80 }

// IsInf reports whether b is +Inf or -Inf.
func (b BF16) IsInf() bool { return b&0x7fff == 0x7f80 }

// RoundBF16 returns f rounded to bfloat16 and back to float32.
func RoundBF16(f float32) float32 { return BF16FromFloat32(f).Float32() }

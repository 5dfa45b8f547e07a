package precision

import "github.com/x448/float16"

// F16 is an IEEE 754 binary16 value (1 sign bit, 5 exponent bits with
// bias 15, 10 stored significand bits). Conversions use
// github.com/x448/float16, whose float32 → binary16 rounding is
// round-to-nearest-even and has been checked on all 2^32 inputs.
//
// NaN convention: a NaN converts to a quiet NaN with the input's sign and
// the top 9 bits of its payload (quiet bit 9 forced), so it never becomes
// an Inf.
type F16 uint16

// Notable binary16 values.
const (
	F16Inf        F16 = 0x7c00 // +Inf
	F16QuietNaN   F16 = 0x7e00 // the canonical quiet NaN (positive)
	F16MaxFinite  F16 = 0x7bff // 65504
	F16MinNormal  F16 = 0x0400 // 2^-14
	F16MinSubnorm F16 = 0x0001 // 2^-24
	f16ExpMask    F16 = 0x7c00
	f16MagMask    F16 = 0x7fff
)

// F16FromFloat32 rounds f to the nearest binary16, ties to even; overflow
// gives ±Inf and NaN stays a quiet NaN.
func F16FromFloat32(f float32) F16 { return F16(float16.Fromfloat32(f).Bits()) }

// F16FromFloat64 rounds x to the nearest binary16, ties to even, with a
// single rounding: x is rounded to float32 with round-to-odd
// (Float32RoundToOdd) and then to binary16 with round-to-nearest-even.
// That is exact because float32 carries 24 significand bits, at least
// 11 + 2, and its exponent range covers binary16's subnormals with room
// to spare; plain float32(x) first would round twice.
func F16FromFloat64(x float64) F16 { return F16FromFloat32(Float32RoundToOdd(x)) }

// F16FromBits returns the binary16 whose bit pattern is u.
func F16FromBits(u uint16) F16 { return F16(u) }

// Bits returns the bit pattern of h.
func (h F16) Bits() uint16 { return uint16(h) }

// Float32 returns the exact float32 value of h.
func (h F16) Float32() float32 { return float16.Frombits(uint16(h)).Float32() }

// Float64 returns the exact float64 value of h.
func (h F16) Float64() float64 { return float64(h.Float32()) }

// IsNaN reports whether h is a NaN.
func (h F16) IsNaN() bool { return h&f16MagMask > f16ExpMask }

// IsInf reports whether h is +Inf or -Inf.
func (h F16) IsInf() bool { return h&f16MagMask == f16ExpMask }

// Signbit reports whether h's sign bit is set.
func (h F16) Signbit() bool { return h&0x8000 != 0 }

// RoundF16 returns f rounded to binary16 and back to float32.
func RoundF16(f float32) float32 { return F16FromFloat32(f).Float32() }

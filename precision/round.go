package precision

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// Round returns x rounded to the floating-point dtype dt (ties to even)
// and widened back to float32: x itself for ops.F32, RoundBF16(x) for
// ops.BF16, RoundF16(x) for ops.F16. Any other dtype gives NaN, so a
// misuse fails every comparison that follows.
func Round(dt ops.DType, x float32) float32 {
	switch dt {
	case ops.F32:
		return x
	case ops.BF16:
		return RoundBF16(x)
	case ops.F16:
		return RoundF16(x)
	}
	return float32(math.NaN())
}

// RoundFromFloat64 returns x correctly rounded (once, ties to even) to the
// floating-point dtype dt, as a float32: float32(x) for ops.F32,
// BF16FromFloat64(x) for ops.BF16 and F16FromFloat64(x) for ops.F16. This
// is "the correctly rounded truth" an output of dtype dt is compared
// with. Any other dtype gives NaN.
func RoundFromFloat64(dt ops.DType, x float64) float32 {
	switch dt {
	case ops.F32:
		return float32(x)
	case ops.BF16:
		return BF16FromFloat64(x).Float32()
	case ops.F16:
		return F16FromFloat64(x).Float32()
	}
	return float32(math.NaN())
}

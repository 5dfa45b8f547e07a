package precision

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// The slice conversions below work like copy: they convert
// min(len(dst), len(src)) elements and return that count. 16-bit values
// are carried as their bit patterns ([]uint16), the form tensors of dtype
// ops.BF16 and ops.F16 hold in host memory.

// BF16SliceFromFloat32 sets dst[i] to the bits of BF16FromFloat32(src[i]).
func BF16SliceFromFloat32(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, f := range src {
		dst[i] = uint16(BF16FromFloat32(f))
	}
	return n
}

// BF16SliceFromFloat64 sets dst[i] to the bits of BF16FromFloat64(src[i]).
func BF16SliceFromFloat64(dst []uint16, src []float64) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, x := range src {
		dst[i] = uint16(BF16FromFloat64(x))
	}
	return n
}

// Float32SliceFromBF16 sets dst[i] to the exact float32 value of the
// bfloat16 bits src[i].
func Float32SliceFromBF16(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, u := range src {
		dst[i] = math.Float32frombits(uint32(u) << 16)
	}
	return n
}

// F16SliceFromFloat32 sets dst[i] to the bits of F16FromFloat32(src[i]).
func F16SliceFromFloat32(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, f := range src {
		dst[i] = uint16(F16FromFloat32(f))
	}
	return n
}

// F16SliceFromFloat64 sets dst[i] to the bits of F16FromFloat64(src[i]).
func F16SliceFromFloat64(dst []uint16, src []float64) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, x := range src {
		dst[i] = uint16(F16FromFloat64(x))
	}
	return n
}

// Float32SliceFromF16 sets dst[i] to the exact float32 value of the
// binary16 bits src[i].
func Float32SliceFromF16(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, u := range src {
		dst[i] = F16(u).Float32()
	}
	return n
}

// Float64SliceFromFloat32 sets dst[i] = float64(src[i]) (exact).
func Float64SliceFromFloat32(dst []float64, src []float32) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, f := range src {
		dst[i] = float64(f)
	}
	return n
}

// RoundSlice sets dst[i] = Round(dt, src[i]); dst may be src. Any dtype
// other than F32, BF16 and F16 fills dst with NaN.
func RoundSlice(dt ops.DType, dst, src []float32) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	switch dt {
	case ops.F32:
		copy(dst, src)
	case ops.BF16:
		for i, f := range src {
			dst[i] = BF16FromFloat32(f).Float32()
		}
	case ops.F16:
		for i, f := range src {
			dst[i] = F16FromFloat32(f).Float32()
		}
	default:
		nan := float32(math.NaN())
		for i := range dst {
			dst[i] = nan
		}
	}
	return n
}

// RoundSliceFromFloat64 sets dst[i] = RoundFromFloat64(dt, src[i]): the
// correctly rounded dtype values of float64 truth, as float32.
func RoundSliceFromFloat64(dt ops.DType, dst []float32, src []float64) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, x := range src {
		dst[i] = RoundFromFloat64(dt, x)
	}
	return n
}

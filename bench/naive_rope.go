package bench

import (
	"math"

	"github.com/x448/float16"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// naiveRoPE is the baseline fused RoPE is compared with: the loop a
// straightforward port of a framework's rotary embedding would run. It is
// un-fused (q is rotated in one pass, then k in another), runs in one
// goroutine, and recomputes cos and sin for every (token, head, pair) with
// math.Sincos of the float64 angle pos·inv_freq (times the attention
// factor), then rotates the pair in float32 and rounds to the dtype. data
// holds [T, H, D] elements: []float32 for F32, []uint16 bits for BF16 and
// F16.
func naiveRoPE(dt ops.DType, data any, T, H int, pos []int32, r *ops.Rotary) {
	D, half := r.HeadDim, r.Dim/2
	for t := 0; t < T; t++ {
		for h := 0; h < H; h++ {
			base := (t*H + h) * D
			for j := 0; j < half; j++ {
				s, c := math.Sincos(float64(pos[t]) * r.InvFreq[j])
				cf, sf := float32(c*r.AttentionFactor), float32(s*r.AttentionFactor)
				ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
				ia, ib = base+ia, base+ib
				if x, ok := data.([]float32); ok {
					x[ia], x[ib] = precision.RotatePair(x[ia], x[ib], cf, sf)
					continue
				}
				x := data.([]uint16)
				a, b := precision.RotatePair(widen(dt, x[ia]), widen(dt, x[ib]), cf, sf)
				x[ia], x[ib] = narrow(dt, a), narrow(dt, b)
			}
		}
	}
}

// widen returns the float32 value of 16-bit element bits u of dtype dt.
func widen(dt ops.DType, u uint16) float32 {
	if dt == ops.F16 {
		return float16.Frombits(u).Float32()
	}
	return precision.BF16(u).Float32()
}

// narrow rounds f to the 16-bit dtype dt, ties to even.
func narrow(dt ops.DType, f float32) uint16 {
	if dt == ops.F16 {
		return float16.Fromfloat32(f).Bits()
	}
	return uint16(precision.BF16FromFloat32(f))
}

package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/precision"
)

// rotateSpecial are values the rotation test mixes in: signed zeros,
// subnormals, the largest finite values (whose products overflow), Inf
// and NaN.
var rotateSpecial = []float32{
	0, float32(math.Copysign(0, -1)), math.Float32frombits(1), -math.Float32frombits(0x7fffff),
	math.MaxFloat32, -math.MaxFloat32, 0x1p-70, float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), 1, -1,
}

// TestRotate checks Rotate bit for bit against precision.RotatePair, the
// rotation's definition, for every length and misalignment, with random
// values and special ones (products that overflow or underflow, signed
// zeros, infinities). A NaN result is only required to be a NaN: which
// operand's NaN payload survives when both are NaN is the hardware's
// choice of operand order.
func TestRotate(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, off := range testOffsets {
				x, checkX := guardedF32(n, off)
				y, checkY := guardedF32(n, (off+1)%4)
				c, s := at[float32](n, (off+2)%4), at[float32](n, (off+3)%4)
				x0, y0 := make([]float32, n), make([]float32, n)
				for i := range x {
					x[i], y[i] = randNormal(r, -20, 20), randNormal(r, -20, 20)
					th := r.Float64() * 2 * math.Pi
					c[i], s[i] = float32(math.Cos(th)), float32(math.Sin(th))
					if r.IntN(8) == 0 {
						x[i] = rotateSpecial[r.IntN(len(rotateSpecial))]
					}
					if r.IntN(8) == 0 {
						y[i] = rotateSpecial[r.IntN(len(rotateSpecial))]
					}
					if r.IntN(16) == 0 {
						c[i] = rotateSpecial[r.IntN(len(rotateSpecial))]
					}
					x0[i], y0[i] = x[i], y[i]
				}
				rotateAt(l, x, y, c, s)
				checkX(t)
				checkY(t)
				for i := range x {
					wx, wy := precision.RotatePair(x0[i], y0[i], c[i], s[i])
					if !sameBits(x[i], wx) || !sameBits(y[i], wy) {
						t.Fatalf("n=%d off=%d i=%d: rotate(%v, %v) by (%v, %v) = (%v, %v), want (%v, %v)",
							n, off, i, x0[i], y0[i], c[i], s[i], x[i], y[i], wx, wy)
					}
				}
			}
		}
	})
}

// sameBits reports identical bits, or two NaNs.
func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

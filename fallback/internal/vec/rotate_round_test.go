package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/precision"
)

// roundingPatterns are float32 bit patterns that exercise every branch of
// the bfloat16 rounding: for upper halves that are zero, subnormal, the
// smallest normal, ordinary with either last bit, the largest finite,
// infinite and NaN (payload only in the lower half, signalling, quiet,
// all ones), with either sign, every lower half that matters (zero, just
// above zero, just below, at and just above the tie), then random bits.
func roundingPatterns(r *rand.Rand) []uint32 {
	var p []uint32
	for _, hi := range []uint32{0x0000, 0x0001, 0x007f, 0x0080, 0x3f80, 0x3f81, 0x7f7e, 0x7f7f, 0x7f80, 0x7f81, 0x7fbf, 0x7fc0, 0x7fff} {
		for _, lo := range []uint32{0, 1, 0x7fff, 0x8000, 0x8001, 0xffff} {
			for _, sign := range []uint32{0, 1 << 31} {
				p = append(p, sign|hi<<16|lo)
			}
		}
	}
	for range 1000 {
		p = append(p, r.Uint32())
	}
	return p
}

// TestRotateBF16Rounding checks the rounding and NaN handling of the
// bfloat16 rotations bit for bit, NaN payloads included: with x = 1,
// y = 0 and sin 0 the rotated x is the cos itself (1·c − 0·0, exact), so
// cos tables of roundingPatterns make the kernels round every kind of
// float32, ties to even, subnormals, overflow to infinity and NaNs with
// any payload; the rotated y (0·c + 1·0) is zero or, for an infinite or
// NaN cos, a NaN. The NeoX kernels (natural and split tables) and the
// GPT-J one are checked. Every half length up to two whole split blocks
// and a tail, and several heads, are covered.
func TestRotateBF16Rounding(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	pats := roundingPatterns(r)
	neox := func(i, half int) (int, int) { return i, half + i }
	gptj := func(i, _ int) (int, int) { return 2 * i, 2*i + 1 }
	kernels := []struct {
		name string
		rot  func(l int, dst, src []uint16, c, s []float32, heads, stride int)
		pair func(i, half int) (int, int) // the elements of pair i
	}{{"natural", rotateBF16At, neox}, {"split", rotateBF16SplitNatural, neox}, {"interleaved", rotatePairsBF16At, gptj}}
	one := precision.BF16FromFloat32(1).Bits()
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			forRoundingLevels(t, func(t *testing.T, l int) {
				for _, half := range []int{8, 16, 24, 32, 40, 48, 64, 71} {
					const heads = 3
					stride := 2*half + 3
					x := make([]uint16, (heads-1)*stride+2*half)
					c, s := make([]float32, half), make([]float32, half)
					for start := 0; start < len(pats); start += half {
						for i := range c {
							c[i] = math.Float32frombits(pats[(start+i)%len(pats)])
						}
						for h := range heads {
							for i := range half {
								a, b := k.pair(i, half)
								x[h*stride+a], x[h*stride+b] = one, 0
							}
						}
						k.rot(l, x, x, c, s, heads, stride)
						for i := range half {
							wx, wy := precision.RotatePair(1, 0, c[i], s[i])
							want := [2]uint16{precision.BF16FromFloat32(wx).Bits(), precision.BF16FromFloat32(wy).Bits()}
							for h := range heads {
								a, b := k.pair(i, half)
								got := [2]uint16{x[h*stride+a], x[h*stride+b]}
								if got != want {
									t.Fatalf("%s half=%d head %d pair %d: cos %#08x gave (%#04x, %#04x), want (%#04x, %#04x)",
										k.name, half, h, i, math.Float32bits(c[i]), got[0], got[1], want[0], want[1])
								}
							}
						}
					}
				}
			})
		})
	}
}

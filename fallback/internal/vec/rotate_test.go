package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/precision"
	"github.com/x448/float16"
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

// headShapes are the (heads, gap) pairs the multi-head rotations are
// tested with: the heads lie 2·half+gap elements apart.
var headShapes = [][2]int{{1, 0}, {3, 0}, {2, 5}}

// TestRotate16 checks the fused 16-bit head rotations bit for bit
// against their definition, BF16ToF32 (or binary16's widening), then
// precision.RotatePair, then precision.BF16FromFloat32 (or x448's
// rounding), in place and into a separate guarded buffer, for one and
// several heads, every half length and misalignment; the elements
// between heads must stay untouched. Random 16-bit patterns include NaNs,
// infinities and subnormals; a NaN output is only required to be a NaN
// (see TestRotate).
func TestRotate16(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	type conv struct {
		name   string
		rot    func(l int, dst, src []uint16, c, s []float32, heads, stride int)
		widen  func(uint16) float32
		narrow func(float32) uint16
		levels func(t *testing.T, f func(t *testing.T, l int))
	}
	for _, cv := range []conv{
		{"bf16", rotateBF16At, widen, func(f float32) uint16 { return precision.BF16FromFloat32(f).Bits() }, forRoundingLevels},
		{"bf16split", rotateBF16SplitNatural, widen, func(f float32) uint16 { return precision.BF16FromFloat32(f).Bits() }, forRoundingLevels},
		{"f16", rotateF16At, func(u uint16) float32 { return float16.Frombits(u).Float32() }, func(f float32) uint16 { return float16.Fromfloat32(f).Bits() }, forLevels},
	} {
		cv.levels(t, func(t *testing.T, l int) {
			for _, half := range testLengths {
				for _, hs := range headShapes {
					heads, stride := hs[0], 2*half+hs[1]
					span := (heads-1)*stride + 2*half
					off := (half + heads) % 4
					c, s := at[float32](half, (off+1)%4), at[float32](half, (off+2)%4)
					src := at[uint16](span, off)
					for i := range half {
						th := r.Float64() * 2 * math.Pi
						c[i], s[i] = float32(math.Cos(th)), float32(math.Sin(th))
						if r.IntN(16) == 0 {
							c[i] = rotateSpecial[r.IntN(len(rotateSpecial))]
						}
					}
					for i := range src {
						src[i] = uint16(r.Uint32())
						if r.IntN(2) == 0 { // mostly ordinary magnitudes
							src[i] = src[i]&0x80ff | 0x3c00
						}
					}
					want := append([]uint16(nil), src...)
					for h := range heads {
						o := h * stride
						for i := range half {
							x, y := precision.RotatePair(cv.widen(src[o+i]), cv.widen(src[o+half+i]), c[i], s[i])
							want[o+i], want[o+half+i] = cv.narrow(x), cv.narrow(y)
						}
					}
					dst, check := guardedU16(span, (off+3)%4)
					cv.rot(l, dst, src, c, s, heads, stride)
					check(t)
					in := append([]uint16(nil), src...)
					cv.rot(l, in, in, c, s, heads, stride)
					for i := range want {
						if i%stride >= 2*half { // between heads
							if dst[i] != sentinel&0xffff || in[i] != src[i] {
								t.Fatalf("%s half=%d heads=%d: element %d between heads was written", cv.name, half, heads, i)
							}
							continue
						}
						if !same16(cv.widen, dst[i], want[i]) || !same16(cv.widen, in[i], want[i]) {
							t.Fatalf("%s half=%d heads=%d off=%d element %d of %#04x: got %#04x (in place %#04x), want %#04x",
								cv.name, half, heads, off, i, src[i], dst[i], in[i], want[i])
						}
					}
				}
			}
		})
	}
}

// rotateBF16SplitNatural is rotateBF16SplitAt taking natural-order
// tables: it splits them for level l first, as callers do.
func rotateBF16SplitNatural(l int, dst, src []uint16, c, s []float32, heads, stride int) {
	cs, ss := make([]float32, len(c)), make([]float32, len(c))
	splitPairsAt(l, cs, c, len(c))
	splitPairsAt(l, ss, s[:len(c)], len(c))
	rotateBF16SplitAt(l, dst, src, cs, ss, heads, stride)
}

// TestRotateHeads checks the float32 multi-head rotation bit for bit
// against precision.RotatePair, heads and gaps as TestRotate16.
func TestRotateHeads(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	forLevels(t, func(t *testing.T, l int) {
		for _, half := range testLengths {
			for _, hs := range headShapes {
				heads, stride := hs[0], 2*half+hs[1]
				span := (heads-1)*stride + 2*half
				x, check := guardedF32(span, (half+heads)%4)
				c, s := at[float32](half, 1), at[float32](half, 2)
				for i := range half {
					th := r.Float64() * 2 * math.Pi
					c[i], s[i] = float32(math.Cos(th)), float32(math.Sin(th))
				}
				for i := range x {
					if i%stride < 2*half {
						x[i] = randNormal(r, -20, 20)
					}
				}
				x0 := append([]float32(nil), x...)
				rotateHeadsAt(l, x, c, s, heads, stride)
				check(t)
				for i := range x {
					if i%stride >= 2*half {
						if math.Float32bits(x[i]) != sentinel {
							t.Fatalf("half=%d heads=%d: element %d between heads was written", half, heads, i)
						}
						continue
					}
					h, e := i/stride, i%stride
					p := e % half
					wx, wy := precision.RotatePair(x0[h*stride+p], x0[h*stride+half+p], c[p], s[p])
					want := wx
					if e >= half {
						want = wy
					}
					if math.Float32bits(x[i]) != math.Float32bits(want) {
						t.Fatalf("half=%d heads=%d element %d: got %v, want %v", half, heads, i, x[i], want)
					}
				}
			}
		}
	})
}

// same16 reports identical 16-bit values or two NaNs.
func same16(widen func(uint16) float32, a, b uint16) bool {
	return a == b || widen(a) != widen(a) && widen(b) != widen(b)
}

// TestRotateInterleavedBF16 checks the fused GPT-J bfloat16 rotation bit
// for bit against BF16ToF32, precision.RotatePair and
// precision.BF16FromFloat32 in turn, as TestRotate16 checks the NeoX
// ones: in place and into a guarded buffer, one and several heads, every
// pair count and misalignment, random bit patterns with NaNs, infinities
// and subnormals; elements between heads stay untouched.
func TestRotateInterleavedBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	forRoundingLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, hs := range headShapes {
				heads, stride := hs[0], 2*n+hs[1]
				span := (heads-1)*stride + 2*n
				off := (n + heads) % 4
				c, s := at[float32](n, (off+1)%4), at[float32](n, (off+2)%4)
				for i := range n {
					th := r.Float64() * 2 * math.Pi
					c[i], s[i] = float32(math.Cos(th)), float32(math.Sin(th))
					if r.IntN(16) == 0 {
						c[i] = rotateSpecial[r.IntN(len(rotateSpecial))]
					}
				}
				src := at[uint16](span, off)
				for i := range src {
					src[i] = uint16(r.Uint32())
					if r.IntN(2) == 0 {
						src[i] = src[i]&0x80ff | 0x3c00
					}
				}
				want := append([]uint16(nil), src...)
				for h := range heads {
					o := h * stride
					for i := range n {
						a, b := precision.RotatePair(widen(src[o+2*i]), widen(src[o+2*i+1]), c[i], s[i])
						want[o+2*i], want[o+2*i+1] = precision.BF16FromFloat32(a).Bits(), precision.BF16FromFloat32(b).Bits()
					}
				}
				dst, check := guardedU16(span, (off+3)%4)
				rotatePairsBF16At(l, dst, src, c, s, heads, stride)
				check(t)
				in := append([]uint16(nil), src...)
				rotatePairsBF16At(l, in, in, c, s, heads, stride)
				for i := range want {
					if i%stride >= 2*n {
						if dst[i] != sentinel&0xffff || in[i] != src[i] {
							t.Fatalf("n=%d heads=%d: element %d between heads was written", n, heads, i)
						}
						continue
					}
					if !same16(widen, dst[i], want[i]) || !same16(widen, in[i], want[i]) {
						t.Fatalf("n=%d heads=%d off=%d element %d of %#04x: got %#04x (in place %#04x), want %#04x",
							n, heads, off, i, src[i], dst[i], in[i], want[i])
					}
				}
			}
		}
	})
}

// TestRotateInterleaved checks the GPT-J rotation bit for bit against
// precision.RotatePair for every length and misalignment, with guards.
func TestRotateInterleaved(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, off := range testOffsets {
				x, check := guardedF32(2*n, off)
				c, s := at[float32](n, (off+1)%4), at[float32](n, (off+2)%4)
				for i := range x {
					x[i] = randNormal(r, -20, 20)
					if r.IntN(8) == 0 {
						x[i] = rotateSpecial[r.IntN(len(rotateSpecial))]
					}
				}
				for i := range c {
					th := r.Float64() * 2 * math.Pi
					c[i], s[i] = float32(math.Cos(th)), float32(math.Sin(th))
				}
				x0 := append([]float32(nil), x...)
				rotateInterleavedAt(l, x, c, s)
				check(t)
				for i := range c {
					wa, wb := precision.RotatePair(x0[2*i], x0[2*i+1], c[i], s[i])
					if !sameBits(x[2*i], wa) || !sameBits(x[2*i+1], wb) {
						t.Fatalf("n=%d off=%d pair %d: got (%v, %v), want (%v, %v)", n, off, i, x[2*i], x[2*i+1], wa, wb)
					}
				}
			}
		}
	})
}

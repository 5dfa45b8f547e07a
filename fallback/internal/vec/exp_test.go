package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpAccuracy checks Exp against math.Exp over its polynomial range
// (relative error below 3e-7, the documented bound: 2 ulps) and its edge
// cases.
func TestExpAccuracy(t *testing.T) {
	const n = 1 << 20
	for i := range n + 1 {
		x := float32(expMin + (expMax-expMin)*float64(i)/n)
		got, want := float64(Exp(x)), math.Exp(float64(x))
		if rel := math.Abs(got-want) / want; rel > 3e-7 {
			t.Fatalf("Exp(%v) = %v, want %v (relative error %.3g)", x, got, want, rel)
		}
	}
	nan := math.Float32frombits(0x7fc12345)
	for _, c := range []struct{ x, want float32 }{
		{float32(math.Inf(-1)), 0}, {-88, 0}, {-1e30, 0},
		{float32(math.Inf(1)), float32(math.Inf(1))}, {89, float32(math.Exp(89))}, {88.5, float32(math.Exp(88.5))},
		{0, 1}, {float32(math.Copysign(0, -1)), 1},
	} {
		if got := Exp(c.x); got != c.want {
			t.Errorf("Exp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := Exp(nan); math.Float32bits(got) != math.Float32bits(nan) {
		t.Errorf("Exp(NaN %#x) = %#x", math.Float32bits(nan), math.Float32bits(got))
	}
}

// TestExpShift checks every level element by element against Exp (bit
// for bit, NaN payloads included) and the sum within γ_n of the exact sum
// of the results, for every length and misalignment, with -Inf (masked
// logits), NaN and arguments past expMax mixed in.
func TestExpShift(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, off := range testOffsets {
				for _, special := range []float32{0, float32(math.Inf(-1)), math.Float32frombits(0xffc0beef), 200} {
					x, check := guardedF32(n, off)
					m := float32(r.NormFloat64() * 4)
					for i := range x {
						x[i] = m - float32(r.ExpFloat64()*30)
						if special != 0 && r.IntN(9) == 0 {
							x[i] = special
						}
					}
					x0 := append([]float32(nil), x...)
					sum := expShiftAt(l, x, m)
					check(t)
					var exact, abs float64
					for i := range x {
						want := Exp(x0[i] - m)
						if math.Float32bits(x[i]) != math.Float32bits(want) {
							t.Fatalf("n=%d off=%d: Exp(%v − %v) = %#x, want %#x", n, off, x0[i], m, math.Float32bits(x[i]), math.Float32bits(want))
						}
						exact += float64(want)
						abs += math.Abs(float64(want))
					}
					if exact != exact || math.IsInf(exact, 0) {
						if sum == sum && !math.IsInf(float64(sum), 0) {
							t.Fatalf("n=%d: sum %v of non-finite terms", n, sum)
						}
						continue
					}
					if bound := gamma(n, u32) * abs; math.Abs(float64(sum)-exact) > bound {
						t.Fatalf("n=%d off=%d: sum %v, exact %v, bound %g", n, off, sum, exact, bound)
					}
				}
			}
		}
	})
}

// zero is 0 where the compiler cannot see it: x − zero quiets a
// signalling NaN, as ExpShift's x − m does.
var zero float32

// TestExpShiftSample checks the vector exponential bit for bit against
// Exp on every 61st shard of 2^16 consecutive float32 patterns (every
// 997th with -short): all signs and exponents, NaNs and infinities.
func TestExpShiftSample(t *testing.T) {
	step := 61
	if testing.Short() {
		step = 997
	}
	forLevels(t, func(t *testing.T, l int) {
		x := make([]float32, 1<<16)
		for sh := 0; sh < 1<<16; sh += step {
			for i := range x {
				x[i] = math.Float32frombits(uint32(sh)<<16 | uint32(i))
			}
			expShiftAt(l, x, 0)
			for i, v := range x {
				want := Exp(math.Float32frombits(uint32(sh)<<16|uint32(i)) - zero)
				if math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("Exp(%#08x) = %#08x, want %#08x", uint32(sh)<<16|uint32(i), math.Float32bits(v), math.Float32bits(want))
				}
			}
		}
	})
}

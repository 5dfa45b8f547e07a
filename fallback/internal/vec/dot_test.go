package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// dotOf is one of the dot kernels through its level-explicit entry: the
// float32 one, or the bfloat16 one with b rounded to bfloat16 (exactly,
// since the test values are bfloat16 values).
type dotCase struct {
	name string
	bf16 bool
}

var dotCases = []dotCase{{"f32", false}, {"bf16", true}}

// runDot evaluates Dot or DotBF16 at level l.
func runDot(l int, c dotCase, a, b []float32) float32 {
	if !c.bf16 {
		return dotAt(l, a, b)
	}
	return dotBF16At(l, a, toBF16Bits(b))
}

// runDots evaluates Dots or DotsBF16 at level l.
func runDots(l int, c dotCase, dst, q, k []float32) {
	if !c.bf16 {
		dotsAt(l, dst, q, k)
		return
	}
	dotsBF16At(l, dst, q, toBF16Bits(k))
}

// toBF16Bits truncates float32 values that are bfloat16 values to their
// bits (at an offset, to keep the slices misaligned).
func toBF16Bits(x []float32) []uint16 {
	b := at[uint16](len(x), 1)
	for i, v := range x {
		if math.Float32bits(v)&0xffff != 0 {
			panic("not a bfloat16 value")
		}
		b[i] = uint16(math.Float32bits(v) >> 16)
	}
	return b
}

// TestDotExact checks the structure of the dot kernels (every element
// counted once, tails included) with small integers, whose products and
// partial sums are exact in float32 in any order: the result must be the
// exact sum.
func TestDotExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	forLevels(t, func(t *testing.T, l int) {
		for _, c := range dotCases {
			for _, n := range testLengths {
				for _, off := range testOffsets {
					a, b := at[float32](n, off), at[float32](n, (off+1)%4)
					var want int
					for i := range a {
						a[i], b[i] = randInt(r, 15), randInt(r, 15)
						want += int(a[i]) * int(b[i])
					}
					if got := runDot(l, c, a, b); got != float32(want) {
						t.Fatalf("%s n=%d off=%d: got %v, want %d", c.name, n, off, got, want)
					}
				}
			}
		}
	})
}

// TestDotBound checks rounding: with random values over 2^±8 the result
// lies within γ_n·Σ|a_i b_i| of the exact dot product (the float64 sum of
// the exact float64 products, itself within γ_n(2^-53)·Σ|a_i b_i|).
func TestDotBound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	forLevels(t, func(t *testing.T, l int) {
		for _, c := range dotCases {
			for _, n := range testLengths {
				a, b := at[float32](n, 1), at[float32](n, 2)
				for i := range a {
					a[i] = randNormal(r, -8, 8)
					if c.bf16 {
						b[i] = widen(randBF16(r, -8, 8))
					} else {
						b[i] = randNormal(r, -8, 8)
					}
				}
				exact, abs := dot64(a, b)
				got := float64(runDot(l, c, a, b))
				if bound := (gamma(n, u32) + gamma(n, u64)) * abs; math.Abs(got-exact) > bound {
					t.Fatalf("%s n=%d: got %v, exact %v, error %g > bound %g", c.name, n, got, exact, math.Abs(got-exact), bound)
				}
			}
		}
	})
}

// dot64 returns the float64 dot product of a and b and Σ|a_i b_i|.
func dot64(a, b []float32) (s, abs float64) {
	for i := range a {
		p := float64(a[i]) * float64(b[i])
		s += p
		abs += math.Abs(p)
	}
	return s, abs
}

// TestDotsExact checks the multi-row kernels like TestDotExact, for 1 to
// 9 rows (one and two groups of four, and the rows left over).
func TestDotsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	forLevels(t, func(t *testing.T, l int) {
		for _, c := range dotCases {
			for _, D := range testLengths {
				for rows := 1; rows <= 9; rows++ {
					off := (D + rows) % 4
					q, k := at[float32](rows*D, off), at[float32](D, (off+3)%4)
					for i := range q {
						q[i] = randInt(r, 15)
					}
					for i := range k {
						k[i] = randInt(r, 15)
					}
					dst, check := guardedF32(rows, off)
					runDots(l, c, dst, q, k)
					check(t)
					for h := range dst {
						var want int
						for d := range D {
							want += int(q[h*D+d]) * int(k[d])
						}
						if dst[h] != float32(want) {
							t.Fatalf("%s D=%d rows=%d: row %d got %v, want %d", c.name, D, rows, h, dst[h], want)
						}
					}
				}
			}
		}
	})
}

// TestDotsBound is TestDotBound for the multi-row kernels.
func TestDotsBound(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forLevels(t, func(t *testing.T, l int) {
		for _, c := range dotCases {
			for _, D := range []int{1, 7, 8, 16, 33, 64, 96, 128, 130, 256, 1000} {
				const rows = 7
				q, k := at[float32](rows*D, 2), at[float32](D, 1)
				for i := range q {
					q[i] = randNormal(r, -8, 8)
				}
				for i := range k {
					if c.bf16 {
						k[i] = widen(randBF16(r, -8, 8))
					} else {
						k[i] = randNormal(r, -8, 8)
					}
				}
				dst := at[float32](rows, 0)
				runDots(l, c, dst, q, k)
				for h := range dst {
					exact, abs := dot64(q[h*D:(h+1)*D], k)
					if bound := (gamma(D, u32) + gamma(D, u64)) * abs; math.Abs(float64(dst[h])-exact) > bound {
						t.Fatalf("%s D=%d row %d: got %v, exact %v, bound %g", c.name, D, h, dst[h], exact, bound)
					}
				}
			}
		}
	})
}

// TestDotSpecial checks that Inf and NaN propagate: a NaN anywhere, or
// +Inf·1 with -Inf·1, gives NaN; a lone Inf product gives that Inf.
func TestDotSpecial(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range []int{1, 8, 16, 37, 128} {
			for _, pos := range []int{0, n / 2, n - 1} {
				a, b := at[float32](n, 0), at[float32](n, 0)
				for i := range a {
					a[i], b[i] = 1, 1
				}
				a[pos] = nan
				if got := dotAt(l, a, b); got == got {
					t.Errorf("n=%d NaN at %d: got %v", n, pos, got)
				}
				a[pos] = inf
				if got := dotAt(l, a, b); got != inf {
					t.Errorf("n=%d Inf at %d: got %v", n, pos, got)
				}
				if n > 1 {
					a[(pos+1)%n] = -inf
					if got := dotAt(l, a, b); got == got {
						t.Errorf("n=%d Inf-Inf: got %v", n, got)
					}
				}
			}
		}
	})
}

package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// runAxpy evaluates Axpy, or AxpyBF16 with x's bfloat16 bits, at level l.
func runAxpy(l int, bf16 bool, alpha float32, x, y []float32) {
	if bf16 {
		axpyBF16At(l, alpha, toBF16Bits(x), y)
		return
	}
	axpyAt(l, alpha, x, y)
}

// TestAxpyRounding checks the rounding of every element exactly. The
// inputs make alpha·x + y exact in float64 (alpha and x bfloat16-sized
// or float32 in [1, 2), y in [1, 2): at most 51 significant bits), so the
// correctly rounded float32 of the float64 value is the one-rounding
// (FMA) result the assembly must give; the plain-Go loop gives it or the
// two-rounding float32(float32(alpha·x) + y). No NaN or Inf arises.
func TestAxpyRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	forLevels(t, func(t *testing.T, l int) {
		fused := l != levelGeneric
		for _, bf16 := range []bool{false, true} {
			for _, n := range testLengths {
				for _, off := range testOffsets {
					alpha := randNormal(r, 0, 1)
					x := at[float32](n, (off+2)%4)
					y, check := guardedF32(n, off)
					y0 := make([]float32, n)
					for i := range x {
						if bf16 {
							x[i] = widen(randBF16(r, 0, 1))
						} else {
							x[i] = randNormal(r, 0, 1)
						}
						y[i] = randNormal(r, 0, 1)
						y0[i] = y[i]
					}
					runAxpy(l, bf16, alpha, x, y)
					check(t)
					for i := range y {
						one := float32(float64(alpha)*float64(x[i]) + float64(y0[i]))
						two := float32(alpha*x[i]) + y0[i]
						ok := y[i] == one
						if !fused || i >= n&^(lanes(l)-1) {
							// The plain-Go loop: two roundings, or one
							// where the compiler fuses the multiply-add.
							ok = ok || y[i] == two
						}
						if !ok {
							t.Fatalf("bf16=%v n=%d off=%d i=%d: %v·%v + %v = %v, want %v (one rounding) or, in plain Go, %v", bf16, n, off, i, alpha, x[i], y0[i], y[i], one, two)
						}
					}
				}
			}
		}
	})
}

// lanes is the float32 vector width of level l (1 for plain Go).
func lanes(l int) int { return [numLevels]int{1, 8, 16}[l] }

// TestAxpyBound checks the general error: over random magnitudes and
// cancellation, |y' − (y + alpha·x)| ≤ u·|y + alpha·x| + u(1+u)·|alpha·x|,
// which covers one rounding (FMA) and two.
func TestAxpyBound(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	forLevels(t, func(t *testing.T, l int) {
		for _, bf16 := range []bool{false, true} {
			for _, n := range testLengths {
				alpha := randNormal(r, -6, 6)
				x, y, y0 := at[float32](n, 1), at[float32](n, 3), make([]float32, n)
				for i := range x {
					if bf16 {
						x[i] = widen(randBF16(r, -6, 6))
					} else {
						x[i] = randNormal(r, -6, 6)
					}
					y[i] = randNormal(r, -6, 6)
					if i%3 == 0 {
						y[i] = -alpha * x[i] * (1 + float32(r.IntN(5))*0x1p-20) // cancellation
					}
					y0[i] = y[i]
				}
				runAxpy(l, bf16, alpha, x, y)
				for i := range y {
					ax := float64(alpha) * float64(x[i])
					e := ax + float64(y0[i])
					if bound := u32*math.Abs(e) + u32*(1+u32)*math.Abs(ax) + 2*u64*math.Abs(e); math.Abs(float64(y[i])-e) > bound {
						t.Fatalf("bf16=%v n=%d i=%d: got %v, exact %v, bound %g", bf16, n, i, y[i], e, bound)
					}
				}
			}
		}
	})
}

// TestScale checks y·alpha bit for bit (one correctly rounded product on
// every path) and the guard elements.
func TestScale(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, off := range testOffsets {
				alpha := randNormal(r, -10, 10)
				y, check := guardedF32(n, off)
				y0 := make([]float32, n)
				for i := range y {
					y[i] = randNormal(r, -120, 120)
					y0[i] = y[i]
				}
				scaleAt(l, alpha, y)
				check(t)
				for i := range y {
					if want := alpha * y0[i]; math.Float32bits(y[i]) != math.Float32bits(want) {
						t.Fatalf("n=%d i=%d: %v·%v = %v, want %v", n, i, alpha, y0[i], y[i], want)
					}
				}
			}
		}
	})
}

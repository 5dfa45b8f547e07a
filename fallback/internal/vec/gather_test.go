package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// runDotsGather evaluates DotsGather (f32 keys) or DotsGatherBF16 (the
// same keys, which are bfloat16 values) at level l.
func runDotsGather(l int, bf16 bool, x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int) {
	if bf16 {
		dotsGatherBF16At(l, x, xstride, q, d, scale, toBF16Bits(k), offs)
		return
	}
	dotsGatherAt(l, x, xstride, q, d, scale, k, offs)
}

// TestDotsGatherExact checks the structure (every row against every
// gathered key, the right result slot, column tails, the scale, untouched
// guards) with small integers and power-of-two scales, exact in any
// summation order.
func TestDotsGatherExact(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	ds := []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 64, 67, 96, 128, 129}
	forLevels(t, func(t *testing.T, l int) {
		for _, bf16 := range []bool{false, true} {
			for _, d := range ds {
				for rows := 1; rows <= 9; rows++ {
					for _, keys := range []int{1, 2, 3, 5, 32} {
						nk := d * 6
						k := at[float32](nk, 1)
						for i := range k {
							k[i] = randInt(r, 9)
						}
						offs := make([]int, keys)
						for i := range offs {
							offs[i] = r.IntN(nk - d + 1)
						}
						q := at[float32](rows*d, 2)
						for i := range q {
							q[i] = randInt(r, 9)
						}
						xstride := keys + r.IntN(3)
						x, check := guardedF32((rows-1)*xstride+keys, (d+rows)%4)
						for i := range x {
							x[i] = 1e9 // overwritten, never added to
						}
						scale := []float32{1, 0.25, 8}[(d+keys)%3]
						runDotsGather(l, bf16, x, xstride, q, d, scale, k, offs)
						check(t)
						for row := range rows {
							for i, o := range offs {
								var want float32
								for c := range d {
									want += q[row*d+c] * k[o+c]
								}
								want *= scale
								if got := x[row*xstride+i]; got != want {
									t.Fatalf("bf16=%v rows=%d d=%d keys=%d: x(%d, %d) = %v, want %v", bf16, rows, d, keys, row, i, got, want)
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestDotsGatherBound checks random normal values against the float64
// scaled dot product within Dot's bound γ_d·Σ|q·k|, scaled, plus the
// scaling's rounding (half an ulp, u·|x|).
func TestDotsGatherBound(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	forLevels(t, func(t *testing.T, l int) {
		for _, bf16 := range []bool{false, true} {
			for _, d := range []int{64, 96, 128, 130} {
				for _, rows := range []int{1, 2, 3, 4, 7} {
					const keys = 9
					nk := d * 5
					k := make([]float32, nk)
					for i := range k {
						if bf16 {
							k[i] = widen(randBF16(r, -3, 3))
						} else {
							k[i] = randNormal(r, -3, 3)
						}
					}
					q := make([]float32, rows*d)
					for i := range q {
						q[i] = randNormal(r, -3, 3)
					}
					offs := make([]int, keys)
					for i := range offs {
						offs[i] = r.IntN(nk - d + 1)
					}
					x := make([]float32, rows*keys)
					const scale = 0.08838835
					runDotsGather(l, bf16, x, keys, q, d, scale, k, offs)
					for row := range rows {
						for i, o := range offs {
							var exact, abs float64
							for c := range d {
								p := float64(q[row*d+c]) * float64(k[o+c])
								exact += p
								abs += math.Abs(p)
							}
							got := float64(x[row*keys+i])
							bound := scale*gamma(d, 0x1p-24)*abs*(1+0x1p-24) + 0x1p-24*math.Abs(got)
							if err := math.Abs(got - scale*exact); err > bound {
								t.Fatalf("bf16=%v rows=%d d=%d: x(%d, %d) = %v, exact %v, error %g > bound %g", bf16, rows, d, row, i, got, scale*exact, err, bound)
							}
						}
					}
				}
			}
		}
	})
}

// TestDotsGatherPanics checks the argument checks.
func TestDotsGatherPanics(t *testing.T) {
	k := make([]float32, 64)
	q := make([]float32, 32)
	x := make([]float32, 8)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"offset past k", func() { DotsGather(x, 4, q, 16, 1, k, []int{0, 49}) }},
		{"negative offset", func() { DotsGather(x, 4, q, 16, 1, k, []int{-1}) }},
		{"x too short", func() { DotsGather(x, 8, q, 16, 1, k, []int{0, 1}) }},
		{"zero width", func() { DotsGather(x, 4, q, 0, 1, k, []int{0}) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
	DotsGather(x, 4, q, 16, 1, k, nil) // no keys: nothing to do
}

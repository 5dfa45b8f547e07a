package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rowKind is how a gathered kernel under test reads its rows: float32
// rows, bfloat16 rows with natural-order float32 operands, or bfloat16
// rows with pair-split ones.
type rowKind int

const (
	rowsF32 rowKind = iota
	rowsBF16
	rowsBF16Split
)

// rowKinds are the kinds every gathered kernel test covers.
var rowKinds = []rowKind{rowsF32, rowsBF16, rowsBF16Split}

func (k rowKind) String() string { return [...]string{"f32", "bf16", "bf16-split"}[k] }

// bf16 reports whether the kind's rows are bfloat16 values.
func (k rowKind) bf16() bool { return k != rowsF32 }

// block returns the columns of level l's kernels for rows of kind k:
// whole vectors, or whole pair-split blocks; the plain-Go loops take the
// rest.
func (k rowKind) block(l int) int {
	if k == rowsBF16Split {
		return max(1, pairBlock(l))
	}
	return lanes(l)
}

// runDotsGather evaluates DotsGather (f32 keys), DotsGatherBF16 or
// DotsGatherBF16Split (the same keys, which are bfloat16 values; for the
// latter q's rows are passed in pair-split order) at level l.
func runDotsGather(l int, kind rowKind, x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int) {
	switch kind {
	case rowsBF16:
		dotsGatherBF16At(l, x, xstride, q, d, scale, toBF16Bits(k), offs)
	case rowsBF16Split:
		dotsGatherBF16SplitAt(l, x, xstride, splitRows(l, q, d), d, scale, toBF16Bits(k), offs)
	default:
		dotsGatherAt(l, x, xstride, q, d, scale, k, offs)
	}
}

// TestDotsGatherExact checks the structure (every row against every
// gathered key, the right result slot, column tails, the scale, untouched
// guards) with small integers and power-of-two scales, exact in any
// summation order.
func TestDotsGatherExact(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	ds := []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 47, 48, 63, 64, 65, 67, 96, 128, 129, 130}
	forLevels(t, func(t *testing.T, l int) {
		for _, kind := range rowKinds {
			for _, d := range ds {
				for rows := 1; rows <= 9; rows++ {
					for _, keys := range []int{1, 2, 3, 4, 5, 6, 7, 32} {
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
						runDotsGather(l, kind, x, xstride, q, d, scale, k, offs)
						check(t)
						for row := range rows {
							for i, o := range offs {
								var want float32
								for c := range d {
									want += q[row*d+c] * k[o+c]
								}
								want *= scale
								if got := x[row*xstride+i]; got != want {
									t.Fatalf("%v rows=%d d=%d keys=%d: x(%d, %d) = %v, want %v", kind, rows, d, keys, row, i, got, want)
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
		for _, kind := range rowKinds {
			for _, d := range []int{64, 96, 128, 130} {
				for _, rows := range []int{1, 2, 3, 4, 7} {
					const keys = 9
					nk := d * 5
					k := make([]float32, nk)
					for i := range k {
						if kind.bf16() {
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
					runDotsGather(l, kind, x, keys, q, d, scale, k, offs)
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
								t.Fatalf("%v rows=%d d=%d: x(%d, %d) = %v, exact %v, error %g > bound %g", kind, rows, d, row, i, got, scale*exact, err, bound)
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

package vec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// splitWidths are the row widths of the pair-split tests: every tail of
// both blocks, and the head dimensions in use.
var splitWidths = []int{1, 3, 8, 15, 16, 17, 24, 31, 32, 33, 47, 48, 63, 64, 65, 96, 128, 130}

// TestSplitPairs checks the order SplitPairs writes (per block the even
// elements, then the odd ones; the tail in place), that JoinPairs undoes
// it, in place and between slices, and that nothing outside dst is
// written.
func TestSplitPairs(t *testing.T) {
	forLevels(t, func(t *testing.T, l int) {
		b := pairBlock(l)
		for _, w := range splitWidths {
			for _, rows := range []int{1, 3} {
				src := at[float32](rows*w, 1)
				for i := range src {
					src[i] = float32(i)
				}
				dst, check := guardedF32(rows*w, 2)
				splitPairsAt(l, dst, src, w)
				check(t)
				for r := range rows {
					n := 0
					if b > 0 {
						n = w &^ (b - 1)
					}
					for c := range w {
						want := c // the natural column held at c
						if c < n {
							blk, i := c&^(b-1), c%b
							if i < b/2 {
								want = blk + 2*i
							} else {
								want = blk + 2*(i-b/2) + 1
							}
						}
						if got := dst[r*w+c]; got != float32(r*w+want) {
							t.Fatalf("width %d: split element (%d, %d) = %v, want %v", w, r, c, got, r*w+want)
						}
					}
				}
				back, check := guardedF32(rows*w, 3)
				joinPairsAt(l, back, dst, w)
				check(t)
				if !slices.Equal(back, src) {
					t.Fatalf("width %d: join(split(x)) = %v, want %v", w, back, src)
				}
				inPlace := slices.Clone(src)
				splitPairsAt(l, inPlace, inPlace, w)
				if !slices.Equal(inPlace, dst) {
					t.Fatalf("width %d: split in place = %v, want %v", w, inPlace, dst)
				}
				joinPairsAt(l, inPlace, inPlace, w)
				if !slices.Equal(inPlace, src) {
					t.Fatalf("width %d: join in place = %v, want %v", w, inPlace, src)
				}
			}
		}
	})
}

// splitRows returns a copy of x's rows of width w in level l's
// pair-split order.
func splitRows(l int, x []float32, w int) []float32 {
	s := at[float32](len(x), 3)
	splitPairsAt(l, s, x, w)
	return s
}

// TestDotsGatherBF16SplitExact is TestDotsGatherExact for the pair-split
// kernel: small integers, exact in any order, against the natural-order
// definition.
func TestDotsGatherBF16SplitExact(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	forLevels(t, func(t *testing.T, l int) {
		for _, d := range splitWidths {
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
					q := make([]float32, rows*d)
					for i := range q {
						q[i] = randInt(r, 9)
					}
					xstride := keys + r.IntN(3)
					x, check := guardedF32((rows-1)*xstride+keys, (d+rows)%4)
					for i := range x {
						x[i] = 1e9 // overwritten, never added to
					}
					scale := []float32{1, 0.25, 8}[(d+keys)%3]
					dotsGatherBF16SplitAt(l, x, xstride, splitRows(l, q, d), d, scale, toBF16Bits(k), offs)
					check(t)
					for row := range rows {
						for i, o := range offs {
							var want float32
							for c := range d {
								want += q[row*d+c] * k[o+c]
							}
							want *= scale
							if got := x[row*xstride+i]; got != want {
								t.Fatalf("rows=%d d=%d keys=%d: x(%d, %d) = %v, want %v", rows, d, keys, row, i, got, want)
							}
						}
					}
				}
			}
		}
	})
}

// TestDotsGatherBF16SplitBound is TestDotsGatherBound for the pair-split
// kernel: random normal values against the float64 scaled dot product,
// within Dot's bound γ_d·Σ|q·k|, scaled, plus the scaling's rounding.
func TestDotsGatherBF16SplitBound(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	forLevels(t, func(t *testing.T, l int) {
		for _, d := range []int{64, 96, 128, 130} {
			for _, rows := range []int{1, 2, 3, 4, 7} {
				const keys = 11
				nk := d * 5
				k := make([]float32, nk)
				for i := range k {
					k[i] = widen(randBF16(r, -3, 3))
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
				dotsGatherBF16SplitAt(l, x, keys, splitRows(l, q, d), d, scale, toBF16Bits(k), offs)
				for row := range rows {
					for i, o := range offs {
						var exact, abs float64
						for c := range d {
							p := float64(q[row*d+c]) * float64(k[o+c])
							exact += p
							abs += math.Abs(p)
						}
						got := float64(x[row*keys+i])
						bound := scale*gamma(d, u32)*abs*(1+u32) + u32*math.Abs(got)
						if err := math.Abs(got - scale*exact); err > bound {
							t.Fatalf("rows=%d d=%d: x(%d, %d) = %v, exact %v, error %g > bound %g", rows, d, row, i, got, scale*exact, err, bound)
						}
					}
				}
			}
		}
	})
}

// TestAccumulateBF16SplitExact is TestAccumulateExact for the pair-split
// kernel: small integers, exact in any order; the result, joined, must
// be the natural-order sum, and nothing outside acc is written.
func TestAccumulateBF16SplitExact(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 56))
	forLevels(t, func(t *testing.T, l int) {
		for _, dv := range splitWidths {
			for rows := 1; rows <= 9; rows++ {
				for _, keys := range []int{0, 1, 2, 5, 32} {
					nv := dv * 6
					c := newAccCase(r, rows, dv, keys, nv)
					v := at[float32](nv, 1)
					for i := range v {
						v[i] = randInt(r, 9)
					}
					p := at[float32](max(0, (rows-1)*c.pstride+keys), 2)
					for i := range p {
						p[i] = randInt(r, 9)
					}
					acc0 := make([]float32, rows*dv)
					for i := range acc0 {
						acc0[i] = randInt(r, 100)
					}
					want := make([]float32, len(acc0))
					for row := range rows {
						for d := range dv {
							s := acc0[row*dv+d]
							for i, o := range c.offs {
								s += p[row*c.pstride+i] * v[o+d]
							}
							want[row*dv+d] = s
						}
					}
					acc, check := guardedF32(rows*dv, (dv+rows)%4)
					splitPairsAt(l, acc, acc0, dv)
					accumulateBF16SplitAt(l, acc, dv, p, c.pstride, toBF16Bits(v), c.offs)
					check(t)
					got := make([]float32, len(acc))
					joinPairsAt(l, got, acc, dv)
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("rows=%d dv=%d keys=%d: element %d = %v, want %v", rows, dv, keys, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestAccumulateBF16SplitRounding is TestAccumulateRounding for the
// pair-split kernel: every element adds its keys in order with one
// rounding each (FMA) in the assembly's blocks, one or two in plain Go.
func TestAccumulateBF16SplitRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(57, 58))
	forLevels(t, func(t *testing.T, l int) {
		for _, dv := range []int{16, 32, 48, 64, 128, 130} {
			for _, rows := range []int{1, 2, 3, 4, 7} {
				const keys = 15
				nv := dv * 4
				c := newAccCase(r, rows, dv, keys, nv)
				v := at[float32](nv, 0)
				for i := range v {
					v[i] = float32(math.Abs(float64(widen(randBF16(r, 0, 1)))))
				}
				p := at[float32]((rows-1)*c.pstride+keys, 0)
				for i := range p {
					p[i] = float32(math.Abs(float64(randNormal(r, 0, 1))))
				}
				acc := make([]float32, rows*dv)
				accumulateBF16SplitAt(l, acc, dv, p, c.pstride, toBF16Bits(v), c.offs)
				got := make([]float32, len(acc))
				joinPairsAt(l, got, acc, dv)
				for row := range rows {
					for d := range dv {
						var fused, two float32
						for i, o := range c.offs {
							w, x := p[row*c.pstride+i], v[o+d]
							fused = float32(float64(w)*float64(x) + float64(fused))
							two = float32(w*x) + two
						}
						g := got[row*dv+d]
						plain := l == levelGeneric || d >= dv&^(pairBlock(l)-1)
						if g != fused && !(plain && g == two) {
							t.Fatalf("rows=%d dv=%d: element (%d, %d) = %v, want %v (fused) or in plain Go %v", rows, dv, row, d, g, fused, two)
						}
					}
				}
			}
		}
	})
}

// TestSplitPanics checks the argument checks of the pair-split functions.
func TestSplitPanics(t *testing.T) {
	x := make([]float32, 32)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"partial row", func() { SplitPairs(x, x[:31], 16) }},
		{"zero width", func() { JoinPairs(x, x, 0) }},
		{"offset past k", func() { DotsGatherBF16Split(x, 4, x, 16, 1, make([]uint16, 64), []int{0, 49}) }},
		{"offset past v", func() { AccumulateBF16Split(x, 16, x, 4, make([]uint16, 64), []int{0, 49}) }},
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
}

package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// pageBoundCase is one PageBounds problem: rows query rows of d floats
// over pages whose minima and maxima rows sit at offs in mn and mx.
type pageBoundCase struct {
	rows, d, xstride int
	q, mn, mx        []float32
	offs             []int
}

// newPageBoundCase draws a case with values from val: pages pages of
// minima and maxima (each maximum at least its minimum) among spare rows.
func newPageBoundCase(r *rand.Rand, rows, d, pages int, val func() float32) pageBoundCase {
	c := pageBoundCase{rows: rows, d: d, xstride: pages + r.IntN(3)}
	pool := 2*pages + 1
	c.mn, c.mx = at[float32](pool*d, 1), at[float32](pool*d, 2)
	for i := range c.mn {
		a, b := val(), val()
		c.mn[i], c.mx[i] = min(a, b), max(a, b)
	}
	for range pages {
		c.offs = append(c.offs, r.IntN(pool)*d)
	}
	c.q = at[float32](rows*d, 3)
	for i := range c.q {
		c.q[i] = val()
	}
	return c
}

// run evaluates PageBounds at level l into guarded results.
func (c pageBoundCase) run(t *testing.T, l int, scale float32) []float32 {
	x, check := guardedF32(max(0, (c.rows-1)*c.xstride+len(c.offs)), (c.d+c.rows)%4)
	pageBoundsAt(l, x, c.xstride, c.q, c.d, scale, c.mn, c.mx, c.offs)
	check(t)
	return x
}

// TestPageBoundsExact checks the structure (every row against every
// page's minima and maxima, column tails, the scale, the guards) with
// small integers and a power-of-two scale, exact in any order.
func TestPageBoundsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	forLevels(t, func(t *testing.T, l int) {
		for _, d := range []int{1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 96, 128, 130} {
			for rows := 1; rows <= 9; rows++ {
				for _, pages := range []int{1, 2, 3, 4, 5, 7, 9, 32} {
					c := newPageBoundCase(r, rows, d, pages, func() float32 { return randInt(r, 9) })
					x := c.run(t, l, 0.25)
					for row := range rows {
						for i, o := range c.offs {
							var want float32
							for k := range d {
								v := c.q[row*d+k]
								want += max(v*c.mn[o+k], v*c.mx[o+k])
							}
							if got := x[row*c.xstride+i]; got != want*0.25 {
								t.Fatalf("d=%d rows=%d pages=%d: x[%d][%d] = %v, want %v", d, rows, pages, row, i, got, want*0.25)
							}
						}
					}
				}
			}
		}
	})
}

// TestPageBoundsBound checks random magnitudes against the float64 sum of
// the rounded products' maxima: within γ_d of the sum of their
// magnitudes, plus the scale's rounding.
func TestPageBoundsBound(t *testing.T) {
	r := rand.New(rand.NewPCG(83, 84))
	forLevels(t, func(t *testing.T, l int) {
		for _, d := range []int{16, 64, 100, 128} {
			for _, rows := range []int{1, 4, 7} {
				c := newPageBoundCase(r, rows, d, 13, func() float32 { return randNormal(r, -10, 10) })
				const scale = 0.0883883
				x := c.run(t, l, scale)
				for row := range rows {
					for i, o := range c.offs {
						sum, abs := 0.0, 0.0
						for k := range d {
							v := c.q[row*d+k]
							m := float64(max(v*c.mn[o+k], v*c.mx[o+k]))
							sum += m
							abs += math.Abs(m)
						}
						want := scale * sum
						bound := scale*abs*gamma(d, u32) + u32*math.Abs(want)
						if got := float64(x[row*c.xstride+i]); !(math.Abs(got-want) <= bound) {
							t.Fatalf("d=%d rows=%d: x[%d][%d] = %v, want %v (bound %g)", d, rows, row, i, got, want, bound)
						}
					}
				}
			}
		}
	})
}

// TestPageBoundsSpecial checks non-finite inputs against the reference
// loop: a NaN minimum, a NaN or infinite maximum, infinite minima and
// maxima with zero queries (0·Inf is NaN), queries that are NaN or
// infinite, and ±0 products. Where the reference is NaN the result must
// be NaN; elsewhere the two agree to the same bound as finite sums.
func TestPageBoundsSpecial(t *testing.T) {
	r := rand.New(rand.NewPCG(85, 86))
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	specials := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, nan, 1, -1, 3}
	forLevels(t, func(t *testing.T, l int) {
		for trial := range 300 {
			d := []int{16, 32, 48, 128, 40}[trial%5]
			rows := 1 + trial%5
			c := newPageBoundCase(r, rows, d, 6, func() float32 {
				if r.IntN(40) == 0 {
					return specials[r.IntN(len(specials))]
				}
				return randInt(r, 9)
			})
			x := c.run(t, l, 0.5)
			want := make([]float32, len(x))
			pageBoundsGeneric(want, c.xstride, c.q, d, 0.5, c.mn, c.mx, c.offs, 0)
			for row := range rows {
				for i := range c.offs {
					e := row*c.xstride + i
					got, w := x[e], want[e]
					if w != w || got != got {
						if w == w || got == got {
							t.Fatalf("trial %d d=%d rows=%d: x[%d][%d] = %v, want %v", trial, d, rows, row, i, got, w)
						}
						continue
					}
					if got != w { // small integers: exact unless infinite
						t.Fatalf("%s trial %d d=%d rows=%d: x[%d][%d] = %v, want %v", fmt.Sprint(levelNames[l]), trial, d, rows, row, i, got, w)
					}
				}
			}
		}
	})
}

// TestPageBoundsLocal checks that a query row that is not finite and a
// page whose maxima are not finite change only their own bounds, and
// every other bound keeps the bits it has on the clean inputs. Their own
// bounds are NaN or infinite where the reference loop's are, and
// otherwise (an infinite maximum met by negative queries only) within
// γ_d of the sum of the maxima's magnitudes, as finite sums.
func TestPageBoundsLocal(t *testing.T) {
	r := rand.New(rand.NewPCG(87, 88))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	forLevels(t, func(t *testing.T, l int) {
		for trial := range 200 {
			d := []int{16, 40, 128}[trial%3]
			rows := 1 + trial%6
			c := newPageBoundCase(r, rows, d, 7, func() float32 { return randNormal(r, -4, 4) })
			clean := c.run(t, l, 0.3)
			r0, p0 := r.IntN(rows), r.IntN(len(c.offs))
			c.q = append([]float32(nil), c.q...)
			c.mx = append([]float32(nil), c.mx...)
			c.q[r0*d+r.IntN(d)] = []float32{inf, -inf, nan}[trial%3]
			c.mx[c.offs[p0]+r.IntN(d)] = []float32{nan, inf}[trial%2]
			got := c.run(t, l, 0.3)
			want := make([]float32, len(got))
			pageBoundsGeneric(want, c.xstride, c.q, d, 0.3, c.mn, c.mx, c.offs, 0)
			for row := range rows {
				for i, o := range c.offs {
					e := row*c.xstride + i
					if row != r0 && o != c.offs[p0] {
						if !bitsEqual(got[e], clean[e]) {
							t.Fatalf("trial %d d=%d rows=%d (row %d, page %d poisoned): x[%d][%d] = %v, the clean inputs give %v", trial, d, rows, r0, p0, row, i, got[e], clean[e])
						}
						continue
					}
					abs := 0.0
					for k := range d {
						v := c.q[row*d+k]
						abs += math.Abs(float64(max(v*c.mn[o+k], v*c.mx[o+k])))
					}
					w, g := float64(want[e]), float64(got[e])
					bound := 0.3*abs*gamma(d, u32) + u32*math.Abs(w)
					switch {
					case w != w && g != g, w == g:
					case math.IsInf(w, 0) || w != w || !(math.Abs(g-w) <= bound):
						t.Fatalf("trial %d d=%d rows=%d (row %d, page %d poisoned): x[%d][%d] = %v, want %v", trial, d, rows, r0, p0, row, i, g, w)
					}
				}
			}
		}
	})
}

package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// transposeRef returns the keys at offs of k transposed with stride kts.
func transposeRef(k []float32, offs []int, d, kts int) []float32 {
	kt := make([]float32, max(0, (d-1)*kts+len(offs)))
	for i, o := range offs {
		for c := range d {
			kt[c*kts+i] = k[o+c]
		}
	}
	return kt
}

// TestTransposeGather checks every level, float32 and bfloat16 keys,
// element by element (a copy is exact), with every key and column tail,
// and that the stride gaps and guards stay untouched.
func TestTransposeGather(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	forLevels(t, func(t *testing.T, l int) {
		for _, bf16 := range []bool{false, true} {
			for _, d := range []int{1, 7, 8, 9, 16, 24, 64, 128, 130} {
				for _, keys := range []int{0, 1, 5, 7, 8, 9, 15, 16, 17, 24, 64} {
					nk := d * 5
					k := at[float32](nk, 1)
					for i := range k {
						k[i] = widen(randBF16(r, -8, 8))
					}
					offs := make([]int, keys)
					for i := range offs {
						offs[i] = r.IntN(nk - d + 1)
					}
					kts := keys + r.IntN(3)
					kt, check := guardedF32(max(0, (d-1)*kts+keys), (d+keys)%4)
					for i := range kt {
						kt[i] = math.Float32frombits(sentinel)
					}
					if bf16 {
						transposeGatherBF16At(l, kt, kts, toBF16Bits(k), offs, d)
					} else {
						transposeGatherAt(l, kt, kts, k, offs, d)
					}
					check(t)
					want := transposeRef(k, offs, d, kts)
					for c := range d {
						for i := range kts {
							e := c*kts + i
							if e >= len(kt) {
								break
							}
							w := math.Float32bits(want[e])
							if i >= keys {
								w = sentinel
							}
							if got := math.Float32bits(kt[e]); got != w {
								t.Fatalf("bf16=%v d=%d keys=%d stride=%d: kt(%d, %d) = %#x, want %#x", bf16, d, keys, kts, c, i, got, w)
							}
						}
					}
				}
			}
		}
	})
}

// TestDotsTExact checks the structure (every row against every key, the
// right result slot, row and key tails, the scale, untouched gaps and
// guards) with small integers and power-of-two scales, exact in any
// summation order.
func TestDotsTExact(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	forLevels(t, func(t *testing.T, l int) {
		for _, d := range []int{1, 3, 8, 9, 17, 64, 128, 130} {
			for rows := 1; rows <= 14; rows++ {
				for _, nk := range []int{1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 64} {
					kts := nk + r.IntN(3)
					kt := at[float32]((d-1)*kts+nk, 1)
					for i := range kt {
						kt[i] = randInt(r, 9)
					}
					q := at[float32](rows*d, 2)
					for i := range q {
						q[i] = randInt(r, 9)
					}
					xstride := nk + r.IntN(3)
					x, check := guardedF32((rows-1)*xstride+nk, (d+rows)%4)
					for i := range x {
						x[i] = math.Float32frombits(sentinel)
					}
					scale := []float32{1, 0.25, 8}[(d+nk)%3]
					dotsTAt(l, x, xstride, q, d, scale, kt, kts, nk)
					check(t)
					for row := range rows {
						for i := range xstride {
							e := row*xstride + i
							if e >= len(x) {
								break
							}
							if i >= nk {
								if math.Float32bits(x[e]) != sentinel {
									t.Fatalf("rows=%d d=%d nk=%d: gap x(%d, %d) written", rows, d, nk, row, i)
								}
								continue
							}
							var want float32
							for c := range d {
								want += q[row*d+c] * kt[c*kts+i]
							}
							want *= scale
							if got := x[e]; got != want {
								t.Fatalf("rows=%d d=%d nk=%d: x(%d, %d) = %v, want %v", rows, d, nk, row, i, got, want)
							}
						}
					}
				}
			}
		}
	})
}

// TestDotsTBound checks random normal values against the float64 scaled
// dot product within Dot's bound γ_d·Σ|q·k|, scaled, plus the scaling's
// rounding (half an ulp, u·|x|).
func TestDotsTBound(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 56))
	forLevels(t, func(t *testing.T, l int) {
		for _, d := range []int{64, 96, 128, 130} {
			for _, rows := range []int{1, 4, 6, 7, 13} {
				const nk, kts = 40, 41
				kt := make([]float32, d*kts)
				for i := range kt {
					kt[i] = randNormal(r, -3, 3)
				}
				q := make([]float32, rows*d)
				for i := range q {
					q[i] = randNormal(r, -3, 3)
				}
				x := make([]float32, rows*nk)
				const scale = 0.08838835
				dotsTAt(l, x, nk, q, d, scale, kt, kts, nk)
				for row := range rows {
					for i := range nk {
						var exact, abs float64
						for c := range d {
							p := float64(q[row*d+c]) * float64(kt[c*kts+i])
							exact += p
							abs += math.Abs(p)
						}
						got := float64(x[row*nk+i])
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

// TestTilePanics checks the argument checks of DotsT and TransposeGather.
func TestTilePanics(t *testing.T) {
	k := make([]float32, 64)
	kt := make([]float32, 16*8)
	q := make([]float32, 32)
	x := make([]float32, 16)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"DotsT zero width", func() { DotsT(x, 8, q, 0, 1, kt, 8, 8) }},
		{"DotsT x too short", func() { DotsT(x, 16, q, 16, 1, kt, 8, 8) }},
		{"DotsT kt too short", func() { DotsT(x, 8, q, 16, 1, kt, 9, 9) }},
		{"DotsT kt stride below block", func() { DotsT(x, 8, q, 16, 1, kt, 4, 8) }},
		{"Transpose offset past k", func() { TransposeGather(kt, 8, k, []int{0, 49}, 16) }},
		{"Transpose negative offset", func() { TransposeGather(kt, 8, k, []int{-1}, 16) }},
		{"Transpose kt too short", func() { TransposeGather(kt, 8, k, []int{0}, 17) }},
		{"Transpose stride below keys", func() { TransposeGather(kt, 1, k, []int{0, 1}, 8) }},
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
	DotsT(x, 8, q, 16, 1, kt, 8, 0)              // no keys: nothing to do
	TransposeGather(kt, 8, k, nil, 16)           // no keys
	TransposeGatherBF16(kt, 8, nil, []int{}, 16) // no keys
}

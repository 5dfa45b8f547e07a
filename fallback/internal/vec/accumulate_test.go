package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// accCase is one Accumulate problem: rows of acc, dv columns, keys
// gathered from v at offs, weights p with row stride pstride.
type accCase struct {
	rows, dv, keys, pstride int
	offs                    []int
}

func newAccCase(r *rand.Rand, rows, dv, keys, nv int) accCase {
	c := accCase{rows: rows, dv: dv, keys: keys, pstride: keys + r.IntN(3)}
	for range keys {
		c.offs = append(c.offs, r.IntN(nv-dv+1))
	}
	return c
}

// runAccumulate evaluates Accumulate (f32 values), AccumulateBF16 or
// AccumulateBF16Split (the same values, which are bfloat16 values; for
// the latter acc's rows are put in pair-split order in place before the
// call and back after it) at level l.
func runAccumulate(l int, kind rowKind, c accCase, acc, p, v []float32) {
	switch kind {
	case rowsBF16:
		accumulateBF16At(l, acc, c.dv, p, c.pstride, toBF16Bits(v), c.offs)
	case rowsBF16Split:
		splitPairsAt(l, acc, acc, c.dv)
		accumulateBF16SplitAt(l, acc, c.dv, p, c.pstride, toBF16Bits(v), c.offs)
		joinPairsAt(l, acc, acc, c.dv)
	default:
		accumulateAt(l, acc, c.dv, p, c.pstride, v, c.offs)
	}
}

// TestAccumulateExact checks the structure (every key once per element,
// the right row, column and weight; tails; the guards) with small
// integers, exact in any order.
func TestAccumulateExact(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	dvs := []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 47, 48, 63, 64, 65, 67, 96, 128, 129, 130}
	forLevels(t, func(t *testing.T, l int) {
		for _, kind := range rowKinds {
			for _, dv := range dvs {
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
						acc, check := guardedF32(rows*dv, (dv+rows)%4)
						for i := range acc {
							acc[i] = randInt(r, 100)
						}
						want := make([]float32, len(acc))
						for row := range rows {
							for d := range dv {
								s := acc[row*dv+d]
								for i, o := range c.offs {
									s += p[row*c.pstride+i] * v[o+d]
								}
								want[row*dv+d] = s
							}
						}
						runAccumulate(l, kind, c, acc, p, v)
						check(t)
						for i := range acc {
							if acc[i] != want[i] {
								t.Fatalf("%v rows=%d dv=%d keys=%d: element %d = %v, want %v", kind, rows, dv, keys, i, acc[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

// TestAccumulateRounding checks each element's rounding exactly: the
// assembly adds the keys in order with one rounding each (FMA), the
// plain-Go loop with one or two. The inputs (weights and values in
// [1, 2), up to 15 keys from 0) keep every exact partial sum within 53
// bits, so the float64 sum rounded to float32 is the correctly rounded
// FMA.
func TestAccumulateRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	forLevels(t, func(t *testing.T, l int) {
		for _, kind := range rowKinds {
			for _, dv := range []int{8, 16, 24, 32, 40, 48, 64, 128, 130} {
				for _, rows := range []int{1, 2, 3, 4, 7} {
					const keys = 15
					nv := dv * 4
					c := newAccCase(r, rows, dv, keys, nv)
					v := at[float32](nv, 0)
					for i := range v {
						if kind.bf16() {
							v[i] = widen(randBF16(r, 0, 1))
						} else {
							v[i] = randNormal(r, 0, 1)
						}
						v[i] = float32(math.Abs(float64(v[i])))
					}
					p := at[float32]((rows-1)*c.pstride+keys, 0)
					for i := range p {
						p[i] = float32(math.Abs(float64(randNormal(r, 0, 1))))
					}
					acc := make([]float32, rows*dv)
					runAccumulate(l, kind, c, acc, p, v)
					for row := range rows {
						for d := range dv {
							var fused, two float32
							for i, o := range c.offs {
								w, x := p[row*c.pstride+i], v[o+d]
								fused = float32(float64(w)*float64(x) + float64(fused))
								two = float32(w*x) + two
							}
							got := acc[row*dv+d]
							plain := l == levelGeneric || d >= dv&^(kind.block(l)-1)
							if got != fused && !(plain && got == two) {
								t.Fatalf("%v rows=%d dv=%d: element (%d, %d) = %v, want %v (fused) or in plain Go %v", kind, rows, dv, row, d, got, fused, two)
							}
						}
					}
				}
			}
		}
	})
}

// TestAccumulatePanics checks the argument checks.
func TestAccumulatePanics(t *testing.T) {
	v := make([]float32, 64)
	acc := make([]float32, 32)
	p := make([]float32, 8)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"offset past v", func() { Accumulate(acc, 16, p, 4, v, []int{0, 49}) }},
		{"negative offset", func() { Accumulate(acc, 16, p, 4, v, []int{-1}) }},
		{"p too short", func() { Accumulate(acc, 16, p, 8, v, []int{0, 1}) }},
		{"zero width", func() { Accumulate(acc, 0, p, 4, v, []int{0}) }},
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
	Accumulate(acc, 16, p, 4, v, nil) // no keys: nothing to do
}

package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMinBlock folds three blocks per row at every level and compares
// the running minimum, its column and the second smallest with the
// plain-Go loop: values with many ties (small integers, -0 and +0),
// NaN, ±Inf, every block length up to 67 and some larger ones, strided
// rows; the state past the rows and the values stay untouched.
func TestMinBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	value := func(kind int) float32 {
		switch u := r.IntN(40); {
		case u == 0:
			return float32(math.NaN())
		case u == 1 && kind > 0:
			return float32(math.Inf(1 - 2*r.IntN(2)))
		case u == 2:
			return float32(math.Copysign(0, float64(1-2*r.IntN(2))))
		}
		if kind == 2 {
			return float32(r.NormFloat64())
		}
		return float32(r.IntN(7) - 3)
	}
	forLevels(t, func(t *testing.T, l int) {
		for _, nk := range testLengths {
			for rows := 1; rows <= 5; rows++ {
				kind := (nk + rows) % 3
				xs := nk + r.IntN(3)
				m1, check1 := guardedF32(rows, rows%4)
				m2, check2 := guardedF32(rows, 0)
				i1 := make([]int32, rows+1)
				i1[rows] = 12345
				w1, w2, wi := make([]float32, rows), make([]float32, rows), make([]int32, rows)
				for i := range rows {
					m1[i], m2[i], w1[i], w2[i], i1[i], wi[i] = posInf, posInf, posInf, posInf, -1, -1
				}
				for blk := range 3 {
					x := at[float32](max(0, (rows-1)*xs+nk), blk)
					for i := range x {
						x[i] = value(kind)
					}
					orig := append([]float32(nil), x...)
					col := 1000*blk + 7
					minBlockAt(l, x, xs, nk, col, m1, m2, i1[:rows])
					minBlockGeneric(x, xs, nk, col, 0, w1, w2, wi)
					for i := range x {
						if math.Float32bits(x[i]) != math.Float32bits(orig[i]) {
							t.Fatalf("nk=%d: value %d modified", nk, i)
						}
					}
					for i := range rows {
						if m1[i] != w1[i] || m2[i] != w2[i] || i1[i] != wi[i] {
							t.Fatalf("nk=%d rows=%d block %d row %d: (min %v at %d, second %v), want (%v at %d, %v)",
								nk, rows, blk, i, m1[i], i1[i], m2[i], w1[i], wi[i], w2[i])
						}
					}
				}
				check1(t)
				check2(t)
				if i1[rows] != 12345 {
					t.Fatal("column written past the rows")
				}
			}
		}
	})
}

var posInf = float32(math.Inf(1))

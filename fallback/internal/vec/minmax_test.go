package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The special values the min and max kernels are tested with, as bits of
// each element type: ±0, ±Inf, quiet and signalling NaNs of both signs
// and several payloads, the smallest subnormal, ±1.
var (
	specialsF32  = []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00001, 0xffc12345, 0x7f800001, 0xff812345, 1, 0x3f800000, 0xbf800000}
	specialsBF16 = []uint16{0, 0x8000, 0x7f80, 0xff80, 0x7fc1, 0xffc3, 0x7f81, 0xff85, 1, 0x3f80, 0xbf80}
	specialsF16  = []uint16{0, 0x8000, 0x7c00, 0xfc00, 0x7e01, 0xfe03, 0x7c01, 0xfc05, 1, 0x3c00, 0xbc00}
)

// TestMinMaxRows checks every level against the reference loop bit for
// bit (signed zeros and NaN payloads included) for float32, bfloat16 and
// binary16 rows: every width of both vector tails, row counts 1 to 17,
// strides with and without a gap, and rows of random values mixed with
// ±0, ±Inf, NaNs and subnormals (columns holding only zeros of both
// signs too), the results guarded against writes past them.
func TestMinMaxRows(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	forLevels(t, func(t *testing.T, l int) {
		for _, kind := range []string{"f32", "bf16", "f16"} {
			for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 67, 127, 128, 1000} {
				for _, rows := range []int{1, 2, 3, 16, 17} {
					for _, mix := range []int{0, 1, 2} { // none, some, zeros only
						stride := n + r.IntN(2)*r.IntN(9)
						size := (rows-1)*stride + n
						bits := make([]uint32, size)
						for i := range bits {
							switch {
							case mix == 2:
								bits[i] = uint32(r.IntN(2)) << 31
							case mix == 1 && r.IntN(8) == 0:
								bits[i] = specialsF32[r.IntN(len(specialsF32))]
							default:
								bits[i] = math.Float32bits(randNormal(r, -8, 8))
							}
						}
						name := fmt.Sprintf("%s n=%d rows=%d stride=%d mix=%d", kind, n, rows, stride, mix)
						mn, checkMn := guardedF32(n, 1)
						mx, checkMx := guardedF32(n, 2)
						wmn, wmx := make([]float32, n), make([]float32, n)
						switch kind {
						case "f32":
							k := make([]float32, size)
							for i, b := range bits {
								k[i] = math.Float32frombits(b)
							}
							minMaxRowsGeneric(wmn, wmx, k, stride, rows, 0, false)
							minMaxRowsAt(l, mn, mx, k, stride, rows, false)
						case "bf16":
							k := make([]uint16, size)
							for i, b := range bits {
								k[i] = uint16(b >> 16)
								if mix == 1 && r.IntN(8) == 0 {
									k[i] = specialsBF16[r.IntN(len(specialsBF16))]
								}
							}
							minMaxRowsGeneric(wmn, wmx, k, stride, rows, 0, false)
							minMaxRowsAt(l, mn, mx, k, stride, rows, false)
						default:
							k := make([]uint16, size)
							for i, b := range bits {
								k[i] = uint16(b>>19)&0x8000 | uint16(b>>13)&0x3fff
								if mix == 1 && r.IntN(8) == 0 {
									k[i] = specialsF16[r.IntN(len(specialsF16))]
								}
							}
							minMaxRowsGeneric(wmn, wmx, k, stride, rows, 0, true)
							minMaxRowsAt(l, mn, mx, k, stride, rows, true)
						}
						checkMn(t)
						checkMx(t)
						for e := range n {
							if !bitsEqual(mn[e], wmn[e]) || !bitsEqual(mx[e], wmx[e]) {
								t.Fatalf("%s: element %d: min, max %#x, %#x; want %#x, %#x", name, e,
									math.Float32bits(mn[e]), math.Float32bits(mx[e]), math.Float32bits(wmn[e]), math.Float32bits(wmx[e]))
							}
						}
					}
				}
			}
		}
	})
}

// TestMinMaxRowsSemantics checks the reference loop itself on the cases
// Go's min and max define: −0 below +0, a NaN winning over anything.
func TestMinMaxRowsSemantics(t *testing.T) {
	negZero := math.Float32frombits(0x80000000)
	nan := math.Float32frombits(0x7fc00005)
	k := []float32{0, negZero, 1, 2, nan, -3, negZero, 0}
	mn, mx := make([]float32, 4), make([]float32, 4)
	MinMaxRows(mn, mx, k, 4, 2) // columns (0, nan), (−0, −3), (1, −0), (2, 0)
	want := [][2]uint32{{0x7fc00005, 0x7fc00005}, {math.Float32bits(-3), 0x80000000}, {0x80000000, math.Float32bits(1)}, {0, math.Float32bits(2)}}
	for e, w := range want {
		if math.Float32bits(mn[e]) != w[0] || math.Float32bits(mx[e]) != w[1] {
			t.Errorf("column %d: min, max %#x, %#x; want %#x, %#x", e, math.Float32bits(mn[e]), math.Float32bits(mx[e]), w[0], w[1])
		}
	}
	mn2, mx2 := make([]float32, 2), make([]float32, 2)
	MinMaxRows(mn2, mx2, []float32{negZero, 0, 0, negZero}, 2, 2) // −0 then +0; +0 then −0
	for e := range 2 {
		if math.Float32bits(mn2[e]) != 0x80000000 || math.Float32bits(mx2[e]) != 0 {
			t.Errorf("zeros column %d: min, max %#x, %#x; want −0, +0", e, math.Float32bits(mn2[e]), math.Float32bits(mx2[e]))
		}
	}
}

// TestMinMaxRowsPanics checks the argument checks.
func TestMinMaxRowsPanics(t *testing.T) {
	k := make([]float32, 64)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"no rows", func() { MinMaxRows(make([]float32, 8), make([]float32, 8), k, 8, 0) }},
		{"short max", func() { MinMaxRows(make([]float32, 8), make([]float32, 4), k, 8, 1) }},
		{"rows out of range", func() { MinMaxRows(make([]float32, 8), make([]float32, 8), k, 16, 5) }},
		{"negative stride", func() { MinMaxRows(make([]float32, 8), make([]float32, 8), k, -1, 2) }},
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

package vec

import (
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

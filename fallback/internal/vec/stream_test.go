package vec

import (
	"fmt"
	"testing"
	"unsafe"
)

// TestCopyRowsStream checks CopyRowsStream against row-by-row copies at
// every level, for rows that are whole aligned cache lines (the
// non-temporal path of the assembly) and rows that are not (a width or
// stride off the line, a misaligned start), with the elements between
// the rows left as they were; StoreFence runs after each copy.
func TestCopyRowsStream(t *testing.T) {
	old := setLevel(level)
	defer setLevel(old)
	buf := make([]float32, 32*4096+64)
	a := 0 // the first element on a 64-byte boundary
	for uintptr(unsafe.Pointer(&buf[a]))%64 != 0 {
		a++
	}
	cases := []struct{ off, width, stride, rows int }{
		{0, 16, 16, 1}, {0, 16, 4096, 32}, {0, 32, 64, 7}, {0, 48, 48, 3},
		{1, 16, 4096, 5}, {4, 16, 32, 3}, {0, 16, 24, 4}, {0, 5, 16, 6}, {0, 17, 40, 3}, {3, 1, 1, 9},
	}
	for _, l := range supported() {
		setLevel(l)
		for _, c := range cases {
			name := fmt.Sprintf("%s off=%d width=%d stride=%d rows=%d", levelNames[l], c.off, c.width, c.stride, c.rows)
			src := make([]float32, c.rows*c.width)
			for i := range src {
				src[i] = float32(i) + 0.5
			}
			dst := buf[a+c.off:]
			for i := range dst {
				dst[i] = -1
			}
			want := make([]float32, len(dst))
			copy(want, dst)
			for r := range c.rows {
				copy(want[r*c.stride:r*c.stride+c.width], src[r*c.width:])
			}
			if c.off == 0 && c.width%16 == 0 && c.stride%16 == 0 && !streamable(dst, c.stride, c.width) {
				t.Fatalf("%s: aligned whole-line rows not streamable", name)
			}
			CopyRowsStream(dst, c.stride, src, c.width)
			StoreFence()
			for i := range want {
				if dst[i] != want[i] {
					t.Fatalf("%s: dst[%d] = %v, want %v", name, i, dst[i], want[i])
				}
			}
		}
	}
}

// TestCopyRowsStreamRange checks that CopyRowsStream panics, before
// writing, when the last row would end past dst, or for a bad width or
// stride, and does nothing without a whole row.
func TestCopyRowsStreamRange(t *testing.T) {
	for _, c := range []struct {
		name          string
		dst, src      int
		width, stride int
	}{
		{"last row past the end", 100, 32, 16, 90}, {"zero width", 100, 32, 0, 16}, {"negative stride", 100, 32, 16, -16},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			CopyRowsStream(make([]float32, c.dst), c.stride, make([]float32, c.src), c.width)
		}()
	}
	dst := []float32{7, 7}
	CopyRowsStream(dst, 1, []float32{1}, 2) // less than one row
	if dst[0] != 7 || dst[1] != 7 {
		t.Fatalf("a partial row was copied: %v", dst)
	}
}

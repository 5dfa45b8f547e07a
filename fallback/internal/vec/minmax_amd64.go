//go:build !purego

package vec

func minMaxRows(mn, mx []float32, k []float32, stride, rows int) {
	minMaxRowsAt(level, mn, mx, k, stride, rows, false)
}
func minMaxRowsBF16(mn, mx []float32, k []uint16, stride, rows int) {
	minMaxRowsAt(level, mn, mx, k, stride, rows, false)
}
func minMaxRowsF16(mn, mx []float32, k []uint16, stride, rows int) {
	minMaxRowsAt(level, mn, mx, k, stride, rows, true)
}

// minMaxRowsAt runs level l's kernel for float32 rows, or 16-bit rows
// as binary16 when f16, else as bfloat16, over the columns of whole
// vectors and the plain-Go loop over the rest, or over every column when
// the kernel met a NaN (whose payload rules it leaves to the plain-Go
// loop).
func minMaxRowsAt[T uint16 | float32](l int, mn, mx []float32, k []T, stride, rows int, f16 bool) {
	n, nan := 0, false
	switch k := any(k).(type) {
	case []float32:
		switch l {
		case levelAVX512:
			n, nan = len(mn)&^15, minMaxRowsAVX512(mn, mx, k, stride, rows)
		case levelAVX2:
			n, nan = len(mn)&^7, minMaxRowsAVX2(mn, mx, k, stride, rows)
		}
	case []uint16: // in 16-bit lanes: twice the columns of a vector
		switch {
		case l == levelAVX512 && f16:
			n, nan = len(mn)&^31, minMaxRowsF16AVX512(mn, mx, k, stride, rows)
		case l == levelAVX512:
			n, nan = len(mn)&^31, minMaxRowsBF16AVX512(mn, mx, k, stride, rows)
		case l == levelAVX2 && f16:
			n, nan = len(mn)&^15, minMaxRowsF16AVX2(mn, mx, k, stride, rows)
		case l == levelAVX2:
			n, nan = len(mn)&^15, minMaxRowsBF16AVX2(mn, mx, k, stride, rows)
		}
	}
	if nan {
		n = 0
	}
	if n < len(mn) {
		minMaxRowsGeneric(mn, mx, k, stride, rows, n, f16)
	}
}

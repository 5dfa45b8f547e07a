package vec

// MinMaxRows sets mn[e] and mx[e], for e < len(mn), to the minimum and
// maximum of element e over rows rows of k, stride elements apart
// (reference loop, Go's min and max):
//
//	mn[e], mx[e] = k[e], k[e]
//	for r := 1; r < rows; r++ {
//		mn[e] = min(mn[e], k[r·stride+e])
//		mx[e] = max(mx[e], k[r·stride+e])
//	}
//
// bit for bit, signed zeros and NaN payloads included: a NaN makes its
// element of both NaN. len(mx) ≥ len(mn), rows ≥ 1. It panics when a row
// is out of range.
func MinMaxRows(mn, mx []float32, k []float32, stride, rows int) {
	if minMaxShape(len(mn), len(mx), len(k), stride, rows) {
		minMaxRows(mn, mx[:len(mn)], k, stride, rows)
	}
}

// MinMaxRowsBF16 is MinMaxRows over bfloat16 rows, widened exactly.
func MinMaxRowsBF16(mn, mx []float32, k []uint16, stride, rows int) {
	if minMaxShape(len(mn), len(mx), len(k), stride, rows) {
		minMaxRowsBF16(mn, mx[:len(mn)], k, stride, rows)
	}
}

// MinMaxRowsF16 is MinMaxRows over IEEE binary16 rows, widened as
// F16ToF32.
func MinMaxRowsF16(mn, mx []float32, k []uint16, stride, rows int) {
	if minMaxShape(len(mn), len(mx), len(k), stride, rows) {
		minMaxRowsF16(mn, mx[:len(mn)], k, stride, rows)
	}
}

// minMaxShape checks MinMaxRows's arguments and reports whether there is
// anything to do.
func minMaxShape(n, nmx, nk, stride, rows int) bool {
	if rows < 1 || stride < 0 || nmx < n {
		panic("vec: MinMaxRows with no row, a negative stride or a short maximum")
	}
	if n == 0 {
		return false
	}
	if (rows-1)*stride+n > nk {
		panic("vec: MinMaxRows rows out of range")
	}
	return true
}

// minMaxRowsGeneric is MinMaxRows's reference loop over the columns
// [from, len(mn)), the rows widened through a small buffer: float32
// rows as they are, 16-bit rows as binary16 when f16, else as bfloat16.
func minMaxRowsGeneric[T uint16 | float32](mn, mx []float32, k []T, stride, rows, from int, f16 bool) {
	var buf [256]float32
	widen := func(dst []float32, src []T) {
		switch s := any(src).(type) {
		case []float32:
			copy(dst, s)
		case []uint16:
			if f16 {
				f16ToF32Generic(dst, s)
			} else {
				bf16ToF32Generic(dst, s)
			}
		}
	}
	for c := from; c < len(mn); c += len(buf) {
		e := min(c+len(buf), len(mn))
		x := buf[:e-c]
		widen(x, k[c:e])
		copy(mn[c:e], x)
		copy(mx[c:e], x)
		for r := 1; r < rows; r++ {
			widen(x, k[r*stride+c:r*stride+e])
			for i, v := range x {
				mn[c+i] = min(mn[c+i], v)
				mx[c+i] = max(mx[c+i], v)
			}
		}
	}
}

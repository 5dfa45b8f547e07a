package vec

// MinBlock folds one block of values into the running minimum m1[r], the
// first column i1[r] holding it and the second smallest value m2[r] (a
// repeat of the minimum counts: then m2[r] = m1[r]) of every row r <
// len(m1): row r's nk values are x[r·xstride : r·xstride+nk], at columns
// col, col+1, …. Blocks folded in increasing column order give, per row,
// the smallest value, its first column and the second smallest of all
// blocks. It is, per row (reference loop):
//
//	for i, v := range row {
//		if v < m2[r] {
//			if v < m1[r] {
//				m2[r], m1[r], i1[r] = m1[r], v, col+i
//			} else {
//				m2[r] = v
//			}
//		}
//	}
//
// so NaN values are never taken, and -0 and +0 are equal (which of them a
// running value holds is unspecified). Start from m1 = m2 = +Inf. len(m2),
// len(i1) ≥ len(m1) and xstride ≥ nk ≥ 0; it panics when a row is out of
// range.
func MinBlock(x []float32, xstride, nk, col int, m1, m2 []float32, i1 []int32) {
	rows := len(m1)
	if nk < 0 || xstride < nk {
		panic("vec: MinBlock with a negative block or a stride shorter than it")
	}
	if rows == 0 || nk == 0 {
		return
	}
	if (rows-1)*xstride+nk > len(x) {
		panic("vec: MinBlock values out of range")
	}
	minBlock(x, xstride, nk, col, m1, m2[:rows], i1[:rows])
}

// minBlockGeneric is MinBlock's reference loop over the columns i ≥ from
// of each row.
func minBlockGeneric(x []float32, xstride, nk, col, from int, m1, m2 []float32, i1 []int32) {
	for r := range m1 {
		a, b, ia := m1[r], m2[r], i1[r]
		for i, v := range x[r*xstride+from : r*xstride+nk] {
			if v < b {
				if v < a {
					b, a, ia = a, v, int32(col+from+i)
				} else {
					b = v
				}
			}
		}
		m1[r], m2[r], i1[r] = a, b, ia
	}
}

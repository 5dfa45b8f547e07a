package vec

// DotsT sets x[r·xstride+i] = scale·Σ_c q[r·d+c]·kt[c·ktstride+i] for
// every row r < len(q)/d and key i < nk: the scaled logits of several
// query rows over a block of keys stored transposed (row c of kt holds
// column c of every key, see TransposeGather), computed as an outer
// product: a tile of rows × keys accumulates in registers, every key
// vector loaded once per column and every q element broadcast once, with
// no horizontal sums. Each sum adds its d products in column order (with
// FMA in the assembly), so Dot's bound holds; it is then multiplied by
// scale with one rounding. It panics when a row of x or of kt is out of
// range.
func DotsT(x []float32, xstride int, q []float32, d int, scale float32, kt []float32, ktstride, nk int) {
	if d <= 0 || xstride < 0 || nk < 0 || ktstride < nk {
		panic("vec: DotsT with a non-positive row width, a negative stride or block, or a kt stride shorter than the block")
	}
	rows := len(q) / d
	if rows == 0 || nk == 0 {
		return
	}
	if (rows-1)*xstride+nk > len(x) || (d-1)*ktstride+nk > len(kt) {
		panic("vec: DotsT results or keys out of range")
	}
	dotsT(x, xstride, q[:rows*d], d, scale, kt, ktstride, nk)
}

// TransposeGather sets kt[c·ktstride+i] = k[offs[i]+c] for every key i <
// len(offs) and column c < d: gathered key rows stored transposed, as
// DotsT reads them. It panics when an offset or a row of kt is out of
// range.
func TransposeGather(kt []float32, ktstride int, k []float32, offs []int, d int) {
	if transposeShape(len(kt), ktstride, len(k), offs, d) {
		transposeGather(kt, ktstride, k, offs, d)
	}
}

// TransposeGatherBF16 is TransposeGather with bfloat16 key rows, widened
// exactly.
func TransposeGatherBF16(kt []float32, ktstride int, k []uint16, offs []int, d int) {
	if transposeShape(len(kt), ktstride, len(k), offs, d) {
		transposeGatherBF16(kt, ktstride, k, offs, d)
	}
}

// transposeShape checks TransposeGather's arguments and reports whether
// there is anything to do.
func transposeShape(nkt, ktstride, nk int, offs []int, d int) bool {
	if d < 0 || ktstride < len(offs) {
		panic("vec: TransposeGather with a negative width or a kt stride shorter than the keys")
	}
	if d == 0 || len(offs) == 0 {
		return false
	}
	if (d-1)*ktstride+len(offs) > nkt {
		panic("vec: TransposeGather results out of range")
	}
	checkOffsets("TransposeGather", offs, nk, d)
	return true
}

// dotsTGeneric is DotsT over the keys i ≥ from.
func dotsTGeneric(x []float32, xstride int, q []float32, d int, scale float32, kt []float32, ktstride, nk, from int) {
	for r := range len(q) / d {
		qr := q[r*d : (r+1)*d]
		for i := from; i < nk; i++ {
			var s float32
			for c, qv := range qr {
				s += qv * kt[c*ktstride+i]
			}
			x[r*xstride+i] = s * scale
		}
	}
}

// transposeGeneric is TransposeGather over the keys i ≥ from and, for
// the keys below from, the columns c ≥ fromCol.
func transposeGeneric(kt []float32, ktstride int, k []float32, offs []int, d, from, fromCol int) {
	for i, o := range offs {
		c0 := 0
		if i < from {
			c0 = fromCol
		}
		for c := c0; c < d; c++ {
			kt[c*ktstride+i] = k[o+c]
		}
	}
}

// transposeBF16Generic is transposeGeneric with bfloat16 keys.
func transposeBF16Generic(kt []float32, ktstride int, k []uint16, offs []int, d, from, fromCol int) {
	for i, o := range offs {
		c0 := 0
		if i < from {
			c0 = fromCol
		}
		for c := c0; c < d; c++ {
			kt[c*ktstride+i] = bf16(k[o+c])
		}
	}
}

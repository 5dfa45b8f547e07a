package vec

import "math"

// SoftmaxBlock folds one block of logits into the online-softmax state of
// the rows r < len(m), all in one call: row r's nk logits are
// x[r·xstride : r·xstride+nk] (−Inf for a masked key), its running
// maximum m[r] and sum l[r]. It is, per row (reference loop):
//
//	bm := max over the row (NaN if a logit is NaN)
//	if bm == −Inf { row = 0; alpha[r] = 1; continue } // no visible key
//	alpha[r] = 1
//	if nm := max(m[r], bm); nm != m[r] { // grew, or NaN
//		if m[r] != −Inf { alpha[r] = Exp(m[r] − nm); l[r] *= alpha[r] }
//		m[r] = nm
//	}
//	l[r] += ExpShift(row, m[r])
//
// so the row receives its weights Exp(x − m[r]), bit-identical to Exp,
// and the caller multiplies row r's output accumulator by alpha[r] when
// alpha[r] ≠ 1 (the maximum grew). NaN is sticky, the NaN rule of the
// attention ops: a NaN logit makes the running maximum NaN (Go's max,
// unlike a vector maximum instruction, returns NaN when either operand
// is), and then every later weight, alpha and sum of the row is NaN, so
// the row can never look empty or finite again. The sum of a row's weights is taken in an
// unspecified order (ExpShift's bound); l[r]·alpha[r] is rounded once.
// len(l), len(alpha) ≥ len(m) and xstride ≥ nk ≥ 0; it panics when a row
// is out of range.
func SoftmaxBlock(x []float32, xstride, nk int, m, l, alpha []float32) {
	rows := len(m)
	if nk < 0 || xstride < nk {
		panic("vec: SoftmaxBlock with a negative block or a stride shorter than it")
	}
	if rows == 0 {
		return
	}
	if (rows-1)*xstride+nk > len(x) {
		panic("vec: SoftmaxBlock logits out of range")
	}
	softmaxBlock(x, xstride, nk, m, l[:rows], alpha[:rows])
}

var negInf = float32(math.Inf(-1))

// softmaxBlockGeneric is SoftmaxBlock's reference loop.
func softmaxBlockGeneric(x []float32, xstride, nk int, m, l, alpha []float32) {
	for r := range m {
		alpha[r] = softmaxRowGeneric(x[r*xstride:r*xstride+nk], &m[r], &l[r])
	}
}

// softmaxRowGeneric folds one row of SoftmaxBlock and returns its alpha.
func softmaxRowGeneric(x []float32, m, l *float32) float32 {
	bm := negInf
	for _, v := range x {
		bm = max(bm, v)
	}
	if bm == negInf {
		clear(x)
		return 1
	}
	alpha := float32(1)
	if nm := max(*m, bm); nm != *m { // the maximum grew, or became (or stays) NaN
		if *m != negInf {
			alpha = exp32(*m - nm)
			*l = float32(*l * alpha)
		}
		*m = nm
	}
	*l += expShiftGeneric(x, *m)
	return alpha
}

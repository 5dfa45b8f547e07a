//go:build !purego

package vec

func maxOrdered(x []float32) float32          { return maxOrderedAt(level, x) }
func expSum64(x []float32, m float32) float64 { return expSum64At(level, x, m) }
func softVote(out, s []float32, offs []int, m, inv []float32) {
	softVoteAt(level, out, s, offs, m, inv)
}

// The xxxAt functions of the soft vote run level l's kernel over the
// longest prefix of whole vectors and the plain-Go loop over the rest.

func maxOrderedAt(l int, x []float32) float32 {
	m, n := negInf, 0
	switch {
	case l == levelAVX512 && len(x) >= 16:
		n = len(x) &^ 15
		m = maxOrderedAVX512(x[:n])
	case l != levelGeneric && len(x) >= 8:
		n = len(x) &^ 7
		m = maxOrderedAVX2(x[:n])
	}
	return max(m, maxOrderedGeneric(x[n:])) // neither is NaN
}

func expSum64At(l int, x []float32, m float32) float64 {
	var s float64
	n := 0
	switch l {
	case levelAVX512:
		n = len(x) &^ 15
		s = expSum64AVX512(x[:n], m)
	case levelAVX2:
		n = len(x) &^ 7
		s = expSum64AVX2(x[:n], m)
	}
	return s + expSum64Generic(x[n:], m)
}

func softVoteAt(l int, out, s []float32, offs []int, m, inv []float32) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(out) &^ 15
		softVoteAVX512(out, s, offs, m, inv)
	case levelAVX2:
		n = len(out) &^ 7
		softVoteAVX2(out, s, offs, m, inv)
	}
	if n < len(out) {
		softVoteGeneric(out, s, offs, m, inv, n)
	}
}

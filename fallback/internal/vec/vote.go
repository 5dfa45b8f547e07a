package vec

// The soft vote of TokenSelect (the fallback's Criticality) in three
// steps: each head's largest score (MaxOrdered), its softmax normaliser
// (ExpSum64) and the weights summed over heads (SoftVote). NaN scores
// weigh 0 throughout.

// MaxOrdered returns the largest element of x that is not NaN, −Inf when
// there is none (reference: m := −Inf; for each v, if v > m { m = v }).
func MaxOrdered(x []float32) float32 { return maxOrdered(x) }

// ExpSum64 returns Σ Exp(x[i] − m) over the elements of x that are not
// NaN, each exponential widened exactly and summed in float64 in an
// unspecified order. m must be finite and at least every element that is
// not NaN (MaxOrdered(x)); otherwise the result is unspecified.
func ExpSum64(x []float32, m float32) float64 { return expSum64(x, m) }

// SoftVote sets out[i] = Σ_h inv[h]·Exp(s[offs[h]+i] − m[h]) for i <
// len(out), the heads h < len(m) added in order, with FMA in the
// assembly (as Axpy), a NaN score counting 0. Each m[h] must be finite
// and at least head h's scores that are not NaN (their MaxOrdered);
// otherwise the result is unspecified. len(offs), len(inv) ≥ len(m). It
// panics when a head's scores are out of range.
func SoftVote(out, s []float32, offs []int, m, inv []float32) {
	heads := len(m)
	if len(offs) < heads || len(inv) < heads {
		panic("vec: SoftVote with fewer offsets or weights than heads")
	}
	checkOffsets("SoftVote", offs[:heads], len(s), len(out))
	softVote(out, s, offs[:heads], m, inv[:heads])
}

func maxOrderedGeneric(x []float32) float32 {
	m := negInf
	for _, v := range x {
		if v > m { // NaN never compares greater
			m = v
		}
	}
	return m
}

func expSum64Generic(x []float32, m float32) float64 {
	var s float64
	for _, v := range x {
		if v == v {
			s += float64(exp32(v - m))
		}
	}
	return s
}

// softVoteGeneric is SoftVote over the candidates i ≥ from.
func softVoteGeneric(out, s []float32, offs []int, m, inv []float32, from int) {
	clear(out[from:])
	for h, o := range offs {
		for i := from; i < len(out); i++ {
			t := s[o+i] - m[h]
			if t != t {
				t = negInf
			}
			out[i] += inv[h] * exp32(t)
		}
	}
}

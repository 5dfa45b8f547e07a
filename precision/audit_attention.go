package precision

import "math"

// attnDiffs is the paper's Eq. 4 for one head, computed in float64 from
// rotated queries and keys: for every shift s (qs[s], ks[s] are [T][d]
// arrays rotated at positions s, s+1, …),
//
//	D[s] = Σ_i w_i Σ_{j≤i} |P_s[i,j] − P_base[i,j]|,  w_i = 1/(i+1),
//
// where P is the causal softmax of q_i·k_j/√d, and col0[s] is the j = 0
// term alone (the first token's share). The row weight 1/(row length)
// compensates for the causal rows' growing number of entries; the paper
// prints the weights in the reverse order, which cannot be meant. With
// docs (the document of each token, -1 an anchor), key j takes part in
// row i only if docs[j] == docs[i] or docs[j] == -1, as the attention
// op's document masks define it.
func attnDiffs(qs, ks [][]float64, base, T, d int, docs []int32) (D, col0 []float64) {
	S := len(qs)
	D, col0 = make([]float64, S), make([]float64, S)
	scale := 1 / math.Sqrt(float64(d))
	pb, ps := make([]float64, T), make([]float64, T)
	for i := range T {
		w := 1 / float64(i+1)
		causalSoftmaxRow(qs[base], ks[base], i, d, scale, docs, pb)
		for s := range S {
			if s == base {
				continue
			}
			causalSoftmaxRow(qs[s], ks[s], i, d, scale, docs, ps)
			sum := 0.0
			for j := 0; j <= i; j++ {
				sum += math.Abs(ps[j] - pb[j])
			}
			D[s] += w * sum
			col0[s] += w * math.Abs(ps[0]-pb[0])
		}
	}
	return D, col0
}

// causalSoftmaxRow sets p[0..i] to the softmax of scale·q_i·k_j over
// the keys j ≤ i visible to row i (all of them for docs nil, else those
// of row i's document and the anchors), 0 for the others.
func causalSoftmaxRow(q, k []float64, i, d int, scale float64, docs []int32, p []float64) {
	qi := q[i*d : (i+1)*d]
	mx := math.Inf(-1)
	for j := 0; j <= i; j++ {
		p[j] = math.Inf(-1)
		if docs == nil || docs[j] == docs[i] || docs[j] == -1 {
			p[j] = scale * auditDot64(qi, k[j*d:(j+1)*d])
		}
		mx = max(mx, p[j])
	}
	sum := 0.0
	for j := 0; j <= i; j++ {
		p[j] = math.Exp(p[j] - mx)
		sum += p[j]
	}
	for j := 0; j <= i; j++ {
		p[j] /= sum
	}
}

// logitDiffMeans is the paper's Eq. 5 for one head: ya and yb are
// [T+1][heads][d] arrays rotated under two shifts, rows 0..T-1 queries
// and row T the first token's key; for head h it returns, for each n in
// ns,
//
//	(1/n) Σ_{i<n} |qa_i·ka − qb_i·kb|
//
// (raw logits, no 1/√d), computed in float64.
func logitDiffMeans(ya, yb []float64, T, heads, h, d int, ns []int) []float64 {
	row := func(y []float64, t int) []float64 { return y[(t*heads+h)*d:][:d] }
	ka, kb := row(ya, T), row(yb, T)
	cum := make([]float64, T+1)
	for i := range T {
		cum[i+1] = cum[i] + math.Abs(auditDot64(row(ya, i), ka)-auditDot64(row(yb, i), kb))
	}
	out := make([]float64, len(ns))
	for i, n := range ns {
		out[i] = cum[n] / float64(n)
	}
	return out
}

package precision

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStudyDocumentRows checks the study's masked softmax rows against
// the attention op's document rule through RefAttention: for the anchor
// and packed configurations, row i weighs exactly the keys j ≤ i of its
// document and the anchor, with the reference's LSE.
func TestStudyDocumentRows(t *testing.T) {
	const T, d = 40, 8
	r := rand.New(rand.NewPCG(13, 14))
	q, k := refRand(r, T*d), refRand(r, T*d)
	for _, c := range []string{ConfigPacked, ConfigAnchor} {
		docs := studyDocIDs(c, T)
		pos := make([]int32, T)
		for i := range pos {
			pos[i] = int32(i)
		}
		ref := RefAttention(&RefAttentionArgs{Tq: T, Hq: 1, Hk: 1, S: T, D: d, Dv: 1, Q: q, K: k, V: make([]float64, T),
			QPos: pos, KPos: pos, QDoc: docs, KDoc: docs})
		p := make([]float64, T)
		for i := range T {
			causalSoftmaxRow(q, k, i, d, 1/math.Sqrt(d), docs, p)
			n, sum := 0, 0.0
			for j := 0; j <= i; j++ {
				if p[j] > 0 {
					n++
				}
				sum += p[j]
			}
			if n != ref.Visible[i] || math.Abs(sum-1) > 1e-12 {
				t.Errorf("%s row %d: %d keys weighed (sum %g), the reference sees %d", c, i, n, sum, ref.Visible[i])
			}
		}
	}
}

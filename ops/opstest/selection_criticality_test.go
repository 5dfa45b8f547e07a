package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// critOn runs Criticality of scores s [6, N] on b, the scores first
// multiplied by k (k ≠ 1 stands for a kernel whose log2(e) or scale
// constant is off by k−1).
func critOn(t *testing.T, b ops.Backend, s []float64, N int, k float64) []float64 {
	t.Helper()
	in := make([]float64, len(s))
	for i, x := range s {
		in[i] = x * k
	}
	sc := upload(t, b, ops.F32, roundAll(ops.F32, in), 6, N)
	out := alloc(t, b, ops.F32, N)
	defer free(b, sc, out)
	if err := b.Criticality(&ops.CriticalityArgs{Scores: sc, Out: out}); err != nil {
		t.Fatal(err)
	}
	return download(t, b, out)
}

// TestCriticalityBoundCatchesErrors: the derived bound passes the
// fallback, and fails a vote whose exponent is off by 2^-16 relative (a
// constant rounded to 16 bits), one off by 2^-20, and a vote that drops
// the weight of the heaviest candidate of one head. It also stays within
// a few hundred u of p where |x−m| is small, so it is no blanket
// tolerance.
func TestCriticalityBoundCatchesErrors(t *testing.T) {
	b := fallback.New()
	const N = 3000
	s := critScores(N)
	if bad := critViolations(s, critOn(t, b, s, N, 1), 6, N); len(bad) > 0 {
		t.Fatalf("fallback: %v", bad)
	}
	for _, k := range []float64{1 + 0x1p-16, 1 - 0x1p-20} {
		if bad := critViolations(s, critOn(t, b, s, N, k), 6, N); len(bad) == 0 {
			t.Errorf("scores scaled by 1%+.3g: every candidate within its bound", k-1)
		}
	}
	got := critOn(t, b, s, N, 1)
	top := 0
	for n := range N {
		if s[n] > s[top] {
			top = n
		}
	}
	want, _, _ := precision.RefCriticality(s, 6, N)
	got[top] -= want[top] / 6 // a share of head 0's top weight lost
	if bad := critViolations(s, got, 6, N); len(bad) == 0 {
		t.Error("a lost weight passed")
	}
	_, bound, _ := precision.RefCriticality(s, 6, N)
	r := bound[top] / want[top] / precision.U32
	t.Logf("bound at the top candidate of head 0: %.1f u of its weight", r)
	if r > 300 || math.IsNaN(r) {
		t.Errorf("bound at the top candidate of head 0 is %.0f u of its weight", r)
	}
}

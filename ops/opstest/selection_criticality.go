package opstest

import (
	"fmt"
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// critScores returns the soft-vote test rows [Hq=6, N]: N(0, 36) scores
// with -Inf (head 0) and NaN (head 1) entries, a head of -Inf only (no
// weight), a head with a third of its scores raised by 50 (a range
// wide enough for weights far below 1e-10), one +Inf (head 4) and two
// (head 5), rounded to float32.
func critScores(N int) []float64 {
	const Hq = 6
	s := randNormal(uint64(8100+N), Hq*N)
	for i := range s {
		s[i] *= 6
	}
	for n := range N {
		if n%5 == 1 {
			s[0*N+n] = math.Inf(-1)
		}
		if n%7 == 3 {
			s[1*N+n] = math.NaN()
		}
		s[2*N+n] = math.Inf(-1)
		if n%3 == 0 {
			s[3*N+n] = 50 + s[3*N+n]
		}
	}
	s[4*N+N/2] = math.Inf(1)
	if N > 2 {
		s[5*N] = math.Inf(1)
		s[5*N+N-1] = math.Inf(1)
	}
	return roundAll(ops.F32, s)
}

// critViolations compares a soft vote got with precision.RefCriticality
// (whose bound follows the CUDA kernels' float32 arithmetic) and returns a
// description of each candidate outside its bound (at most five, then a
// count), and of a total weight that is not one per weighing head.
func critViolations(s, got []float64, Hq, N int) []string {
	want, bound, heads := precision.RefCriticality(s, Hq, N)
	var bad []string
	sum, n := 0.0, 0
	for i := range N {
		sum += got[i]
		if e := math.Abs(got[i] - want[i]); !(e <= bound[i]) {
			if n++; n <= 5 {
				bad = append(bad, fmt.Sprintf("out[%d] = %.9g, want %.9g (|err| %.3g > %.3g)", i, got[i], want[i], e, bound[i]))
			}
		}
	}
	if n > 5 {
		bad = append(bad, fmt.Sprintf("%d candidates out of bounds in all", n))
	}
	if math.Abs(sum-float64(heads)) > 1e-4*float64(heads) {
		bad = append(bad, fmt.Sprintf("Σ out = %g, want %d (one per head with a finite or +Inf score)", sum, heads))
	}
	return bad
}

// testCriticality checks the soft vote against precision.RefCriticality
// for N = 1, 7 and 3000 candidates (critScores).
func testCriticality(t *testing.T, b ops.Backend) {
	const Hq = 6
	for _, N := range []int{1, 7, 3000} {
		s := critScores(N)
		sc := upload(t, b, ops.F32, s, Hq, N)
		out := alloc(t, b, ops.F32, N)
		if err := b.Criticality(&ops.CriticalityArgs{Scores: sc, Out: out}); err != nil {
			t.Fatalf("Criticality: %v", err)
		}
		for _, msg := range critViolations(s, download(t, b, out), Hq, N) {
			t.Errorf("N%d: %s", N, msg)
		}
		free(b, sc, out)
	}
}

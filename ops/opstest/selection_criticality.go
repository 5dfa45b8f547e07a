package opstest

import (
	"fmt"
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// log2eF32 is log2(e) rounded to float32, the constant the kernels
// multiply by (ROTOR_LOG2E in softmax.cuh); its relative representation
// error, 0.22u, enters the bound below.
const log2eF32 = float32(math.Log2E)

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

// critTruth returns the soft vote of float32 scores s [Hq, N] in float64,
// Σ_h softmax_n(s[h, :])[n] (NaN and -Inf weigh 0; a head with +Inf
// scores splits its weight among them; a head with no finite or +Inf
// score adds nothing), the number of heads that add weight, and per
// candidate the error bound of a float32 evaluation.
//
// The bound follows the arithmetic the CUDA kernels perform
// (criticality.cu, crit_math.cuh), to first order in u = 2^-24; the
// neglected second-order terms are below 10^-3 of it for |x−m| < 200.
// For a head with finite maximum m:
//
//  1. Each term t = exp2f(fl(fl(x−m)·L)), L = float32(log2 e). The
//     exponent is (x−m)·log2(e)·(1+δ) with |δ| ≤ u (the subtraction) + u
//     (the product) + 0.23u (L's representation error), so 2^exponent is
//     off by a relative ln2·log2(e)·|x−m|·2.23u = 2.23·|x−m|·u; exp2f adds
//     at most 2 ulps (ex2.approx: relative 2^-22), 4u. Term error:
//     e_t = (2.23·|x−m| + 4)·u.
//  2. The normaliser l = Σ t sums, in float32, each thread's terms (up to
//     ceil(N/256) of them), a warp butterfly (5 levels), 8 warp sums, then
//     the chunk sums scaled by exp2f(fl(fl(m_c−m)·L)) (chunks ≤
//     ceil(N/1024)). A sum of positive terms each of which goes through at
//     most D roundings errs by at most D·u relatively, D = ceil(N/256) + 14
//     + ceil(N/1024). The terms' own errors add Σ p·e_t, and the chunk
//     scale adds as much again plus one rounding, since |m_c−m| ≤ |x−m|
//     for every x of chunk c: e_l = Σ_x p_x·(2·e_t(x) + u) + D·u.
//  3. The weight t·fl(1/l) adds two roundings: 2u.
//  4. The vote sums Hq weights in float32: (Hq−1)·u of their sum.
//
// A head with +Inf scores weighs each fl(1/count): u, plus step 4. A term
// whose exact value is below 2^-126 may be flushed to zero: Hq·2^-126 is
// added to every bound.
func critTruth(s []float64, Hq, N int) (want, bound []float64, heads int) {
	want, bound = make([]float64, N), make([]float64, N)
	sumErr := float64(Hq - 1)
	lErr := float64(ceilDiv(N, 256) + 14 + ceilDiv(N, 1024))
	lRep := math.Abs(float64(log2eF32)-math.Log2E) / math.Log2E / u32
	termErr := func(d float64) float64 { return (2+lRep)*math.Abs(d) + 4 }
	for h := range Hq {
		row := s[h*N : (h+1)*N]
		m, inf := math.Inf(-1), 0
		for _, x := range row {
			if x > m {
				m = x
			}
			if math.IsInf(x, 1) {
				inf++
			}
		}
		if math.IsInf(m, -1) {
			continue
		}
		heads++
		if inf > 0 {
			for n, x := range row {
				if math.IsInf(x, 1) {
					want[n] += 1 / float64(inf)
					bound[n] += (1 + sumErr) * u32 / float64(inf)
				}
			}
			continue
		}
		l := 0.0
		for _, x := range row {
			if !math.IsNaN(x) {
				l += math.Exp(x - m)
			}
		}
		eL := lErr
		for _, x := range row {
			if !math.IsNaN(x) && !math.IsInf(x, -1) {
				eL += math.Exp(x-m) / l * (2*termErr(x-m) + 1)
			}
		}
		for n, x := range row {
			if !math.IsNaN(x) && !math.IsInf(x, -1) {
				p := math.Exp(x-m) / l
				want[n] += p
				bound[n] += p * (termErr(x-m) + eL + 2 + sumErr) * u32
			}
		}
	}
	for n := range bound {
		bound[n] += float64(Hq) * 0x1p-126
	}
	return want, bound, heads
}

// critViolations compares a soft vote got with critTruth and returns a
// description of each candidate outside its bound (at most five, then a
// count), and of a total weight that is not one per weighing head.
func critViolations(s, got []float64, Hq, N int) []string {
	want, bound, heads := critTruth(s, Hq, N)
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

// testCriticality checks the soft vote against critTruth for N = 1, 7 and
// 3000 candidates (critScores).
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

func ceilDiv(a, b int) int { return (a + b - 1) / b }

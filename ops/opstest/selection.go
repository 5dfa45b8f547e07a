package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// u32 is the unit roundoff of float32.
const u32 = 0x1p-24

// runSelection is the selection-primitive part of the suite: Scores,
// Criticality, TopK, PageMeta and PageScores against brute force.
func runSelection(t *testing.T, b ops.Backend) {
	t.Run("scores", func(t *testing.T) { testScores(t, b) })
	t.Run("criticality", func(t *testing.T) { testCriticality(t, b) })
	t.Run("topk", func(t *testing.T) { testTopK(t, b) })
	t.Run("pagemeta", func(t *testing.T) { testPageMeta(t, b) })
	t.Run("pagescores", func(t *testing.T) { testPageScores(t, b) })
	t.Run("errors", func(t *testing.T) { testSelectionErrors(t, b) })
	t.Run("nan", func(t *testing.T) { testSelectionNaN(t, b) })
}

// testScores checks Scores over slot ranges and lists (with -1 and
// duplicates) for GQA ratios 1, 4 and 7 and every float dtype against the
// float64 dot products: a float32 dot product of D terms errs by at most
// γ_D·Σ|q_d k_d| (γ_n = n·u/(1-n·u)), plus one rounding for the scale.
func testScores(t *testing.T, b ops.Backend) {
	const S, Hk, D = 500, 2, 64
	worst := 0.0
	for i, dt := range floatDTypes {
		for j, g := range []int{1, 4, 7} {
			Hq := Hk * g
			seed := uint64(8000 + 10*i + j)
			q := roundAll(dt, randNormal(seed, Hq*D))
			k := roundAll(dt, randNormal(seed+1, S*Hk*D))
			Q, K := upload(t, b, dt, q, Hq, D), upload(t, b, dt, k, S, Hk, D)
			list := attnRows(seed+2, 1, 300, S)
			list[7], list[8] = 42, 42
			Idx := uploadI32(t, b, list, len(list))
			for _, cs := range []struct {
				sel   ops.Selection
				slots []int32
				scale float64
			}{
				{ops.Selection{}, seq(0, S), 0},
				{ops.Selection{Start: 100, End: 160}, seq(100, 160), 0.25},
				{ops.Selection{Start: 450}, seq(450, S), -2},
				{ops.Selection{Start: 4}, seq(4, S), 0}, // 496 columns: rows of whole cache lines
				{ops.Selection{Indices: Idx}, list, 0},
				{ops.Selection{Start: 9, End: 9}, nil, 0},
			} {
				N := len(cs.slots)
				out := alloc(t, b, ops.F32, Hq, N)
				if err := b.Scores(&ops.ScoresArgs{Q: Q, K: K, Candidates: cs.sel, Out: out, Scale: float32(cs.scale)}); err != nil {
					t.Fatalf("%v g%d: Scores: %v", dt, g, err)
				}
				got := download(t, b, out)
				want, bound := scoresTruth(q, k, Hq, Hk, D, cs.slots, cs.scale)
				for i, x := range got {
					h, n := i/max(N, 1), i%max(N, 1)
					if e := math.Abs(x - want[i]); !(e <= bound[i]) && !(math.IsInf(want[i], -1) && x == want[i]) {
						t.Errorf("%v g%d: score[%d,%d] (slot %d) = %.9g, want %.9g (|err| %.3g > %.3g)", dt, g, h, n, cs.slots[n], x, want[i], e, bound[i])
					} else if bound[i] > 0 && !math.IsInf(want[i], 0) {
						worst = max(worst, e/bound[i])
					}
				}
				free(b, out)
			}
			free(b, Q, K, Idx)
		}
	}
	t.Logf("worst |err|/bound %.3g", worst)
	testScoresEmpty(t, b)
}

// testScoresEmpty checks that a call with no query heads, or no
// candidates, succeeds and writes nothing: Out is then empty, so the
// memory behind it may be shorter than the candidate count or the head
// count suggests (here only the guard elements).
func testScoresEmpty(t *testing.T, b ops.Backend) {
	const S, Hk, D = 64, 2, 16
	for _, dt := range floatDTypes {
		K := upload(t, b, dt, roundAll(dt, randNormal(8100, S*Hk*D)), S, Hk, D)
		for _, c := range []struct {
			Hq  int
			sel ops.Selection
			N   int
		}{
			{0, ops.Selection{Start: 3}, S - 3},
			{0, ops.Selection{}, S},
			{4, ops.Selection{Start: 40, End: 40}, 0},
		} {
			gq := newGuarded(t, b, dt, []int{c.Hq, D}, 0, 8101, nil)
			gout := newGuarded(t, b, ops.F32, []int{c.Hq, c.N}, 0, 8102, nil)
			err := b.Scores(&ops.ScoresArgs{Q: gq.view, K: K, Candidates: c.sel, Out: gout.view})
			if err != nil {
				t.Errorf("%v: Scores of %d heads over %d candidates: %v", dt, c.Hq, c.N, err)
			}
			gout.unchanged(t, b, "Scores with an empty Out")
			free(b, gq.all, gout.all)
		}
		free(b, K)
	}
}

// critTruth returns Criticality's float64 truth for scores [Hq, N]: the
// per-head softmaxes summed over heads, with -Inf and NaN scores of weight
// 0, a head of no finite or +Inf score adding nothing and a head with
// +Inf scores splitting its weight among them; each vote's error bound
// Σ_h p_h·(|x_h−m_h| + 16)·u (the float32 rounding of x−m plus a few
// roundings of exp, the product and the normaliser); and the number of
// heads that vote.
func critTruth(s []float64, Hq, N int) (want, bound []float64, heads float64) {
	want, bound = make([]float64, N), make([]float64, N)
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
					bound[n] += 4 * u32 / float64(inf)
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
		for n, x := range row {
			if !math.IsNaN(x) && !math.IsInf(x, -1) {
				p := math.Exp(x-m) / l
				want[n] += p
				bound[n] += p * (math.Abs(x-m) + 16) * u32
			}
		}
	}
	return want, bound, heads
}

// scoresTruth returns Scores' float64 truth for q [Hq, D] and k [S, Hk, D]
// over the candidate slots (scale 0: 1/sqrt(D) in float32): Scale·q[h]·
// k[slot(n), h/g], -Inf for padding, and each score's error bound, the
// float32 dot product's γ_D·|scale|·Σ|q_d k_d| plus one rounding of the
// scaled sum (NaN when an input is not finite).
func scoresTruth(q, k []float64, Hq, Hk, D int, slots []int32, scale float64) (want, bound []float64) {
	if scale == 0 {
		scale = float64(float32(1 / math.Sqrt(float64(D))))
	}
	N := len(slots)
	want, bound = make([]float64, Hq*N), make([]float64, Hq*N)
	g := Hq / Hk
	for h := range Hq {
		kv := h / g
		for n, s := range slots {
			if s < 0 {
				want[h*N+n] = math.Inf(-1)
				continue
			}
			dot, abs := 0.0, 0.0
			for d := range D {
				p := q[h*D+d] * k[(int(s)*Hk+kv)*D+d]
				dot += p
				abs += math.Abs(p)
			}
			want[h*N+n] = scale * dot
			bound[h*N+n] = math.Abs(scale)*abs*gamma(D) + u32*math.Abs(scale*dot)
		}
	}
	return want, bound
}

// gamma returns γ_n = n·u/(1-n·u) for float32.
func gamma(n int) float64 { return float64(n) * u32 / (1 - float64(n)*u32) }

// seq returns lo, lo+1, …, hi-1 as int32.
func seq(lo, hi int) []int32 {
	out := make([]int32, 0, max(hi-lo, 0))
	for s := lo; s < hi; s++ {
		out = append(out, int32(s))
	}
	return out
}

// testCriticality checks the soft vote against float64 softmaxes summed
// over heads: rows with -Inf and NaN entries (weight 0), a row entirely
// -Inf (no weight), a row with +Inf entries (which split the weight).
// Each weight e^(x-m)/l errs relatively by the float32 rounding of x-m
// (|x-m|·u) plus a few roundings of exp, the product and the normaliser:
// the bound is Σ_h p_h·(|x_h-m_h| + 16)·u.
func testCriticality(t *testing.T, b ops.Backend) {
	const Hq = 6
	for _, N := range []int{1, 7, 3000} {
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
			s[2*N+n] = math.Inf(-1) // head 2 has no weight
			if n%3 == 0 {
				s[3*N+n] = 50 + s[3*N+n] // head 3: wide range, many tiny weights
			}
		}
		s[4*N+N/2] = math.Inf(1) // head 4: one +Inf
		if N > 2 {
			s[5*N] = math.Inf(1) // head 5: two +Inf
			s[5*N+N-1] = math.Inf(1)
		}
		s = roundAll(ops.F32, s)
		sc := upload(t, b, ops.F32, s, Hq, N)
		out := alloc(t, b, ops.F32, N)
		if err := b.Criticality(&ops.CriticalityArgs{Scores: sc, Out: out}); err != nil {
			t.Fatalf("Criticality: %v", err)
		}
		got := download(t, b, out)
		want, bound, total := critTruth(s, Hq, N)
		sum := 0.0
		for n := range N {
			sum += got[n]
			if e := math.Abs(got[n] - want[n]); !(e <= bound[n]+1e-37) {
				t.Errorf("N%d: out[%d] = %.9g, want %.9g (|err| %.3g > %.3g)", N, n, got[n], want[n], e, bound[n])
			}
		}
		if math.Abs(sum-total) > 1e-4*total {
			t.Errorf("N%d: Σ out = %g, want %g (one per head with a finite or +Inf score)", N, sum, total)
		}
		free(b, sc, out)
	}
}

//go:build cgo

package hosttest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// critTruth is the soft vote in float64 with the ops semantics: per head a
// softmax over non-NaN scores (−Inf weight 0), a head of only −Inf/NaN
// adds nothing, a head with +Inf scores splits weight 1 among them.
func critTruth(s []float32, Hq, N int) []float64 {
	out := make([]float64, N)
	for h := range Hq {
		row := s[h*N : (h+1)*N]
		m := math.Inf(-1)
		ninf := 0
		for _, x := range row {
			if float64(x) > m {
				m = float64(x)
			}
			if math.IsInf(float64(x), 1) {
				ninf++
			}
		}
		switch {
		case math.IsInf(m, -1):
		case math.IsInf(m, 1):
			for n, x := range row {
				if math.IsInf(float64(x), 1) {
					out[n] += 1 / float64(ninf)
				}
			}
		default:
			var l float64
			for _, x := range row {
				if x == x {
					l += math.Exp(float64(x) - m)
				}
			}
			for n, x := range row {
				if x == x {
					out[n] += math.Exp(float64(x)-m) / l
				}
			}
		}
	}
	return out
}

func TestCritAgainstFP64(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, N := range []int{1, 5, 100, 3000} {
		const Hq = 6
		s := make([]float32, Hq*N)
		for i := range s {
			s[i] = float32(r.NormFloat64() * 4)
			switch r.IntN(20) {
			case 0:
				s[i] = float32(math.NaN())
			case 1:
				s[i] = float32(math.Inf(-1))
			}
		}
		for n := range N { // head 1: nothing selectable; head 2: +Inf entries
			s[1*N+n] = float32(math.Inf(-1))
			if n%3 == 0 {
				s[1*N+n] = float32(math.NaN())
			}
		}
		s[2*N+N/2] = float32(math.Inf(1))
		s[2*N] = float32(math.Inf(1))
		want := critTruth(s, Hq, N)
		for _, chunks := range []int{1, 3, 7} {
			got := Crit(s, Hq, N, min(chunks, N))
			tol := float64(4*N+64) * eps32 * Hq
			for n := range N {
				if math.Abs(float64(got[n])-want[n]) > tol {
					t.Fatalf("N=%d chunks=%d: out[%d] = %v, want %v (tolerance %g)", N, chunks, n, got[n], want[n], tol)
				}
			}
		}
	}
}

// topkBrute is TopK by sorting: columns of the K largest non-NaN scores
// (−0 = +0, ties to the lower column), ascending, mapped, −1 filled.
func topkBrute(s []float32, K int, mapping []int32) []int32 {
	var cols []int
	for i, x := range s {
		if x == x {
			cols = append(cols, i)
		}
	}
	slices.SortStableFunc(cols, func(a, b int) int {
		x, y := s[a], s[b]
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return a - b
	})
	cols = cols[:min(K, len(cols))]
	slices.Sort(cols)
	out := make([]int32, K)
	for i := range out {
		out[i] = -1
	}
	for i, c := range cols {
		out[i] = int32(c)
		if mapping != nil {
			out[i] = mapping[c]
		}
	}
	return out
}

func TestTopKRadixAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
		math.Float32frombits(1), -math.Float32frombits(1), math.MaxFloat32, -math.MaxFloat32}
	for trial := range 400 {
		N := 1 + r.IntN(600)
		s := make([]float32, N)
		levels := 1 + r.IntN(40) // few distinct values: many ties
		for i := range s {
			switch {
			case r.IntN(10) == 0:
				s[i] = specials[r.IntN(len(specials))]
			case trial%2 == 0:
				s[i] = float32(r.IntN(levels)-levels/2) * 0.5
			default:
				s[i] = float32(r.NormFloat64() * math.Ldexp(1, r.IntN(60)-30))
			}
		}
		var mapping []int32
		if trial%3 == 0 {
			mapping = make([]int32, N)
			for i := range mapping {
				mapping[i] = int32(1000 + 7*i)
			}
		}
		for _, K := range []int{0, 1, 2, N / 3, N - 1, N, N + 3} {
			if K < 0 {
				continue
			}
			got, want := TopKRow(s, K, mapping), topkBrute(s, K, mapping)
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d N=%d K=%d: got %v, want %v (scores %v)", trial, N, K, got, want, s)
			}
		}
	}
}

func TestMinMaxGo(t *testing.T) {
	vals := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1, -1, 2.5}
	var a, b []float32
	for _, x := range vals {
		for _, y := range vals {
			a, b = append(a, x), append(b, y)
		}
	}
	mn, mx := MinMaxGo(a, b)
	same := func(x, y float32) bool {
		return (x != x && y != y) || math.Float32bits(x) == math.Float32bits(y)
	}
	for i := range a {
		if !same(mn[i], min(a[i], b[i])) || !same(mx[i], max(a[i], b[i])) {
			t.Fatalf("min_go/max_go(%v, %v) = %v, %v; Go gives %v, %v", a[i], b[i], mn[i], mx[i], min(a[i], b[i]), max(a[i], b[i]))
		}
	}
}

// TestRoPEPositions states ops.KeyRoPE's rotation positions directly and
// checks rope_query_pos and rope_key_pos against them.
func TestRoPEPositions(t *testing.T) {
	qpos := []int32{90, 91, 95}
	const Tq = 3
	for _, sel := range []int{1, 2, 3} { // request, kvhead, query
		for _, mode := range []int{0, 1, 2} { // rank, original, capped
			for _, qp0 := range []int{0, 1000} {
				for tok := range Tq {
					n, rank, kpos, cap := 40, 7, 20, 16
					wantQ := 0
					switch {
					case qp0 > 0:
						wantQ = qp0 + tok
					case mode != 0:
						wantQ = int(qpos[tok])
					case sel == 3:
						wantQ = max(n-1, 0)
					default:
						wantQ = max(n-Tq+tok, 0)
					}
					wantK := rank
					switch mode {
					case 1:
						wantK = kpos
					case 2:
						wantK = max(kpos, wantQ-cap)
					}
					q, k := RoPEPositions(sel, mode, cap, qp0, Tq, qpos, tok, n, rank, kpos)
					if q != wantQ || k != wantK {
						t.Errorf("%s: positions (%d, %d), want (%d, %d)", fmt.Sprint("sel ", sel, " mode ", mode, " qp0 ", qp0, " t ", tok), q, k, wantQ, wantK)
					}
				}
			}
		}
	}
}

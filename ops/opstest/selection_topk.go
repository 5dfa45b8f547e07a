package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// topkRows returns R rows of N scores of a given kind.
func topkRows(kind string, seed uint64, R, N int) []float64 {
	r := newRand(seed)
	s := make([]float64, R*N)
	for i := range s {
		switch kind {
		case "normal":
			s[i] = r.NormFloat64()
		case "ties": // few distinct values: many ties
			s[i] = float64(r.IntN(5))
		case "narrow": // one binade, shared high key bits: the radix passes 2 and 3 decide
			s[i] = 1 + float64(r.IntN(1<<12))*0x1p-23
		case "special":
			x, ok := special(uint8(r.IntN(8)))
			if !ok {
				x = r.NormFloat64()
			}
			s[i] = x
		case "nan":
			s[i] = math.NaN()
			if i%N == N/3 {
				s[i] = 2
			}
		case "equal":
			s[i] = -3.5
		}
	}
	return roundAll(ops.F32, s)
}

// testTopK checks TopK against the brute-force definition, exactly:
// random, tied, narrow-range and special-value rows (NaN, ±Inf, ±0), rows
// that are almost all NaN, all equal; k = 0, 1, < N, = N, > N; with and
// without Map; several rows per call.
func testTopK(t *testing.T, b ops.Backend) {
	kinds := []string{"normal", "ties", "narrow", "special", "nan", "equal"}
	for ki, kind := range kinds {
		for _, N := range []int{1, 10, 1000, size(40000, 10000)} {
			R := 3
			if N > 1000 {
				R = 2
			}
			s := topkRows(kind, uint64(8200+100*ki+N), R, N)
			sc := upload(t, b, ops.F32, s, R, N)
			m := make([]int32, N)
			for i := range m {
				m[i] = int32(3*i + 1)
			}
			mt := uploadI32(t, b, m, N)
			orders := make([][]int, R)
			for r := range R {
				orders[r] = precision.TopKOrder(s[r*N : (r+1)*N])
			}
			for _, k := range []int{0, 1, 7, N / 2, N, N + 3, 2048} {
				for _, withMap := range []bool{false, true} {
					out := alloc(t, b, ops.I32, R, k)
					a := &ops.TopKArgs{Scores: sc, K: k, Out: out}
					var mm []int32
					if withMap {
						a.Map, mm = mt, m
					}
					if err := b.TopK(a); err != nil {
						t.Fatalf("%s N%d k%d: TopK: %v", kind, N, k, err)
					}
					got := download(t, b, out)
					for r := range R {
						want := precision.RefTopK(orders[r], k, mm)
						for i, w := range want {
							if got[r*k+i] != float64(w) {
								t.Errorf("%s N%d k%d map %v row %d: out[%d] = %v, want %d", kind, N, k, withMap, r, i, got[r*k+i], w)
								break
							}
						}
					}
					free(b, out)
				}
			}
			free(b, sc, mt)
		}
	}
}

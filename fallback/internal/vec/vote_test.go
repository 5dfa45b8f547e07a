package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// voteScores returns n scores of a head: normal values of spread 6 around
// c, with -Inf and NaN mixed in when special.
func voteScores(r *rand.Rand, n int, c float32, special bool) []float32 {
	x := at[float32](n, r.IntN(4))
	for i := range x {
		x[i] = c + float32(r.NormFloat64()*6)
		if special {
			switch r.IntN(8) {
			case 0:
				x[i] = negInf
			case 1:
				x[i] = math.Float32frombits(0x7fc00000 | r.Uint32()&0xffff | r.Uint32()&1<<31)
			}
		}
	}
	return x
}

// TestMaxOrdered checks every level against the reference loop: the
// largest non-NaN element, −Inf for none, over every tail length.
func TestMaxOrdered(t *testing.T) {
	r := rand.New(rand.NewPCG(101, 102))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, special := range []bool{false, true} {
				x := voteScores(r, n, 3, special)
				if n > 0 && r.IntN(3) == 0 {
					x[r.IntN(n)] = float32(math.Inf(1))
				}
				if got, want := maxOrderedAt(l, x), maxOrderedGeneric(x); !bitsEqual(got, want) {
					t.Fatalf("n=%d: %v, want %v", n, got, want)
				}
			}
		}
		nan := math.Float32frombits(0x7fc00000)
		if got := maxOrderedAt(l, []float32{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}); got != negInf {
			t.Errorf("all NaN: %v, want -Inf", got)
		}
	})
}

// TestExpSum64 checks every level against float64 truth: Σ e^(x−m) over
// the non-NaN elements within each term's Exp error (3e-7) plus the
// float64 additions.
func TestExpSum64(t *testing.T) {
	r := rand.New(rand.NewPCG(103, 104))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, special := range []bool{false, true} {
				x := voteScores(r, n, -2, special)
				m := maxOrderedGeneric(x)
				if m == negInf {
					continue
				}
				got := expSum64At(l, x, m)
				var want float64
				for _, v := range x {
					if v == v {
						want += math.Exp(float64(v) - float64(m))
					}
				}
				if bound := want*3e-7 + float64(n)*u64*want; !(math.Abs(got-want) <= bound) {
					t.Fatalf("n=%d: %v, want %v (bound %g)", n, got, want, bound)
				}
			}
		}
	})
}

// TestSoftVote checks every level against the reference loop: each
// head's weights are Exp's bits and the heads are added in order, so the
// two differ only by the rounding of the products (FMA in the assembly):
// within u·Σ_h inv·p per element.
func TestSoftVote(t *testing.T) {
	r := rand.New(rand.NewPCG(105, 106))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range []int{1, 7, 8, 15, 16, 17, 31, 32, 63, 64, 65, 100, 1000} {
			for _, heads := range []int{1, 3, 8} {
				rs := n + r.IntN(5)
				s := make([]float32, heads*rs)
				offs, m, inv := make([]int, heads), make([]float32, heads), make([]float32, heads)
				for h := range heads {
					offs[h] = h * rs
					copy(s[h*rs:], voteScores(r, n, float32(r.NormFloat64()*4), h%2 == 1))
					m[h] = maxOrderedGeneric(s[h*rs : h*rs+n])
					if m[h] == negInf {
						m[h] = 0
					}
					inv[h] = float32(1 / (1 + r.Float64()*100))
				}
				out, check := guardedF32(n, 1)
				softVoteAt(l, out, s, offs, m, inv)
				check(t)
				want := make([]float32, n)
				softVoteGeneric(want, s, offs, m, inv, 0)
				for i := range n {
					var abs float64
					for h := range heads {
						v := s[offs[h]+i] - m[h]
						if v == v {
							abs += float64(inv[h]) * float64(exp32(v))
						}
					}
					if d := math.Abs(float64(out[i] - want[i])); !(d <= 2*float64(heads)*u32*abs) {
						t.Fatalf("n=%d heads=%d: out[%d] = %v, want %v", n, heads, i, out[i], want[i])
					}
				}
			}
		}
	})
}

// TestSoftVotePanics checks the argument checks.
func TestSoftVotePanics(t *testing.T) {
	s := make([]float32, 64)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"offsets", func() { SoftVote(make([]float32, 8), s, []int{0}, make([]float32, 2), make([]float32, 2)) }},
		{"weights", func() { SoftVote(make([]float32, 8), s, []int{0, 8}, make([]float32, 2), make([]float32, 1)) }},
		{"row", func() { SoftVote(make([]float32, 8), s, []int{0, 60}, make([]float32, 2), make([]float32, 2)) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

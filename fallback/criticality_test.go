package fallback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/ops"
)

// critComposition is Criticality composed of the vote's three kernels at
// the current SIMD level, each exponential computed twice: per head
// vec.MaxOrdered and vec.ExpSum64, then vec.SoftVote over the chunks the
// pool hands out (a chunk's last elements short of a whole vector take
// the plain-Go loop) and the +Inf heads added in head order.
func critComposition(b *Backend, s []float32, hq, n, rs int) []float32 {
	inv, vm := make([]float32, hq), make([]float32, 0, hq)
	var offs, infs []int
	var vinv []float32
	for h := range hq {
		row := s[h*rs : h*rs+n]
		switch m := vec.MaxOrdered(row); m {
		case negInf:
		case posInf:
			c := 0
			for _, x := range row {
				if x == posInf {
					c++
				}
			}
			inv[h] = 1 / float32(c)
			infs = append(infs, h)
		default:
			inv[h] = float32(1 / vec.ExpSum64(row, m))
			offs, vm, vinv = append(offs, h*rs), append(vm, m), append(vinv, inv[h])
		}
	}
	out := make([]float32, n)
	size := b.pool.chunkLen(n, critGrain)
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		vec.SoftVote(out[lo:hi], s[lo:], offs, vm, vinv)
		for _, h := range infs {
			for i := lo; i < hi; i++ {
				if s[h*rs+i] == posInf {
					out[i] += inv[h]
				}
			}
		}
	}
	return out
}

// TestCriticalityComposition checks that Criticality, which computes each
// exponential once and keeps the weights, has the bits of the composition
// that computes them twice (critComposition) at every SIMD level: over
// candidate counts with every vector tail and several chunks, strided
// scores and outputs, groups of one head, three heads and all heads, and
// heads that are plain, hold NaN and -Inf, hold +Inf, or weigh nothing.
func TestCriticalityComposition(t *testing.T) {
	b := New()
	r := rand.New(rand.NewPCG(31, 32))
	groupBytes := critGroupBytes
	for _, level := range []string{"purego", "avx2", "avx512"} {
		restore, err := b.LimitSIMD(level)
		if err != nil {
			t.Fatal(err)
		}
		if b.SIMD() != level {
			restore()
			continue
		}
		for _, c := range []struct{ hq, n int }{{1, 1}, {3, 17}, {5, 31}, {32, 100}, {8, 4099}, {4, 3*critGrain + 13}, {2, 9*critGrain + 7}} {
			for _, special := range []bool{false, true} {
				rs, outRS := c.n+r.IntN(3), 1+r.IntN(2)
				s := make([]float32, c.hq*rs)
				for i := range s {
					s[i] = float32(r.NormFloat64() * 8)
					if special && r.IntN(10) == 0 {
						s[i] = [...]float32{negInf, float32(math.NaN()), -100}[r.IntN(3)]
					}
				}
				if special && c.hq > 2 {
					s[rs+r.IntN(c.n)] = posInf // head 1 splits its weight among +Inf scores
					for i := range c.n {
						s[2*rs+i] = [...]float32{negInf, float32(math.NaN())}[i%2] // head 2 weighs nothing
					}
				}
				want := critComposition(b, s, c.hq, c.n, rs)
				for _, group := range []int{c.hq, 1, 3} { // heads per group of weights
					critGroupBytes = group * 4 * c.n
					out := make([]float32, c.n*outRS)
					a := &ops.CriticalityArgs{
						Scores: Wrap(ops.F32, ops.Bytes(s), rs, c.hq, c.n),
						Out:    Wrap(ops.F32, ops.Bytes(out), outRS, c.n),
					}
					if outRS == 1 {
						a.Out = WrapF32(out, c.n)
					}
					err := b.Criticality(a)
					critGroupBytes = groupBytes
					if err != nil {
						t.Fatal(err)
					}
					for i, w := range want {
						if got := out[i*outRS]; math.Float32bits(got) != math.Float32bits(w) {
							t.Fatalf("%s hq=%d n=%d special=%v, %d heads a group: out[%d] = %v, want %v", level, c.hq, c.n, special, group, i, got, w)
						}
					}
				}
			}
		}
		restore()
		t.Logf("%s: bit for bit", level)
	}
}

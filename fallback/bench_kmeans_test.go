package fallback

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/internal/cputime"
	"github.com/rotorkernels/rotor/ops"
)

// BenchmarkKMeansAssign times one Lloyd step over n bf16 keys of hk kv
// heads (d = 128, normalised) against c centroids, with distances, sums
// and counts: the step Squeezed Attention's clustering repeats (the last
// size is a 128k-token Llama-3.1-8B layer into 5 % as many clusters).
// GFLOP/s counts the screen's 2·n·c·(d+1) flops per head; GFLOP/cpu-s
// the same per second of the process's CPU time, a fair figure on a busy
// machine.
func BenchmarkKMeansAssign(b *testing.B) {
	const d = 128
	for _, sz := range []struct{ n, hk, c int }{{16384, 2, 1024}, {16384, 2, 128}, {131072, 8, 6553}} {
		hk := sz.hk
		b.Run(fmt.Sprintf("n=%d/hk=%d/c=%d", sz.n, hk, sz.c), func(b *testing.B) {
			be := New()
			r := rand.New(rand.NewPCG(1, 2))
			k, _ := be.Alloc(ops.BF16, sz.n, hk, d)
			keys := u16s(k)
			for i := range keys {
				keys[i] = uint16(r.Uint32())&0x807f | 0x3f00
			}
			cent, _ := be.Alloc(ops.F32, hk, sz.c, d)
			for i := range f32s(cent) {
				f32s(cent)[i] = float32(r.NormFloat64() / 11)
			}
			labels, _ := be.Alloc(ops.I32, hk, sz.n)
			dist, _ := be.Alloc(ops.F32, hk, sz.n)
			sums, _ := be.Alloc(ops.F32, hk, sz.c, d)
			counts, _ := be.Alloc(ops.I32, hk, sz.c)
			a := &ops.KMeansAssignArgs{K: k, Normalize: true, Centroids: cent, Labels: labels, Dist: dist, Sums: sums, Counts: counts}
			cpu0, _ := cputime.Process()
			b.ResetTimer()
			for range b.N {
				if err := be.KMeansAssign(a); err != nil {
					b.Fatal(err)
				}
			}
			flops := 2 * float64(hk*sz.n) * float64(sz.c*(d+1)) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu1, ok := cputime.Process(); ok {
				b.ReportMetric(flops/(cpu1-cpu0).Seconds()/1e9, "GFLOP/cpu-s")
			}
		})
	}
}

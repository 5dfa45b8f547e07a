package sparse

import (
	"fmt"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/internal/cputime"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// BenchmarkNewSqueezed clusters the fixed context of one Llama-3.1-8B
// layer (8 kv heads, or one, D = 128, bf16 keys gathered around 64
// topic directions per kv head in runs of about 32 tokens) into 5 % as
// many clusters as tokens, the paper's setting, on the fallback, with at
// most iters Lloyd rounds. cpu-s/op is the process's CPU time per
// clustering, a fair figure on a busy machine.
func BenchmarkNewSqueezed(b *testing.B) {
	for _, c := range []struct{ n, hk, iters int }{{8192, 8, 100}, {32768, 8, 2}, {131072, 8, 2}, {131072, 1, 1}, {131072, 1, 2}} {
		b.Run(fmt.Sprintf("n=%d/hk=%d/c=%d/iters=%d", c.n, c.hk, c.n/20, c.iters), func(b *testing.B) {
			ctx := squeezedBenchContext(c.n, c.hk)
			cfg := SqueezedConfig{Clusters: c.n / 20, Budget: c.n / 16, Local: 0, Seed: 1, MaxIter: c.iters}
			cpu0, _ := cputime.Process()
			for b.Loop() {
				if _, err := NewSqueezed(fallback.New(), ctx, cfg); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1, ok := cputime.Process(); ok {
				b.ReportMetric((cpu1-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			}
		})
	}
}

// squeezedBenchContext returns n tokens of hk kv heads of bf16 keys with
// topic structure (see topicProblem), deterministic.
func squeezedBenchContext(n, hk int) Context {
	const d, topics, run = 128, 64, 32
	r := newRand(uint64(n))
	k := make([]uint16, n*hk*d)
	for h := range hk {
		mu := gaussian(r, topics*d)
		for i := 0; i < n; {
			t := r.IntN(topics)
			for m := 1 + r.IntN(2*run); m > 0 && i < n; m, i = m-1, i+1 {
				for j := range d {
					v := mu[t*d+j] + float32(0.5*r.NormFloat64())
					k[(i*hk+h)*d+j] = uint16(precision.BF16FromFloat32(v))
				}
			}
		}
	}
	return Context{K: fallback.WrapU16(ops.BF16, k, n, hk, d), Len: n}
}

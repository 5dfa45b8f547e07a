package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// BenchmarkRoPE measures the fallback backend's fused RoPE on
// Llama-3.1-8B shapes (32 query and 8 kv heads, d=128, Llama-3 schedule,
// Accurate angles) and reports GB/s of bytes read plus written:
//
//	go test ./bench -run '^$' -bench RoPE -count 10 | benchstat -
func BenchmarkRoPE(b *testing.B) {
	m, _ := LookupModel("llama-3.1-8b")
	rot, err := m.Rotary(0)
	if err != nil {
		b.Fatal(err)
	}
	be := fallback.New()
	for _, dt := range ropeDTypes {
		for _, T := range []int{1, 512, 8192} {
			b.Run(fmt.Sprintf("model=%s/dtype=%s/T=%d", m.Name, dt, T), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				q := fallback.Wrap(dt, hostBytes(randomHost(rng, dt, T*m.QHeads*m.HeadDim)), 0, T, m.QHeads, m.HeadDim)
				k := fallback.Wrap(dt, hostBytes(randomHost(rng, dt, T*m.KVHeads*m.HeadDim)), 0, T, m.KVHeads, m.HeadDim)
				pos := make([]int32, T)
				for t := range pos {
					pos[t] = int32(m.Context - T + t)
				}
				args := &ops.RoPEArgs{Q: q, K: k, Positions: fallback.WrapI32(pos, T), Rotary: rot, Angles: ops.Accurate}
				bytes := RoPEBytes(T, m.QHeads, m.KVHeads, m.HeadDim, dt)
				b.SetBytes(int64(bytes))
				for b.Loop() {
					if err := be.RoPE(args); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(GBps(bytes*float64(b.N), b.Elapsed().Seconds()), "GB/s")
			})
		}
	}
}

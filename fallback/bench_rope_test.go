package fallback

import (
	"fmt"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// llama31 is Llama-3.1-8B's attention shape and RoPE schedule: 32 query
// heads, 8 kv heads, head_dim 128, rope_theta 5e5, llama3 scaling
// (factor 8, low_freq_factor 1, high_freq_factor 4, original context 8192).
func llama31(b *testing.B) (hq, hk int, rot *ops.Rotary) {
	rot, err := ops.Llama3(ops.Llama3Params{
		RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 5e5},
		Factor:     8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192,
	})
	if err != nil {
		b.Fatal(err)
	}
	return 32, 8, rot
}

var benchTokens = []int{1, 512, 8192}

// reportGBps reports bytes moved per op (read + written) as GB/s.
func reportGBps(b *testing.B, bytes int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/s/1e9, "GB/s")
	}
}

// BenchmarkRoPE measures fused RoPE of q and k in place on
// Llama-3.1-8B shapes, accurate angles, positions 0..T-1 shifted by a
// decode-like offset. Bytes are q and k read once and written once.
func BenchmarkRoPE(b *testing.B) {
	be := New()
	hq, hk, rot := llama31(b)
	for _, dt := range []ops.DType{ops.BF16, ops.F32} {
		for _, T := range benchTokens {
			b.Run(fmt.Sprintf("model=llama-3.1-8b/dtype=%v/T=%d", dt, T), func(b *testing.B) {
				q, _ := be.Alloc(dt, T, hq, rot.HeadDim)
				k, _ := be.Alloc(dt, T, hk, rot.HeadDim)
				pos := make([]int32, T)
				for i := range pos {
					pos[i] = int32(100000 + i)
				}
				a := &ops.RoPEArgs{Q: q, K: k, Positions: WrapI32(pos, T), Rotary: rot}
				bytes := 2 * (q.Len() + k.Len()) * dt.Size()
				b.SetBytes(int64(bytes))
				b.ReportAllocs()
				for b.Loop() {
					if err := be.RoPE(a); err != nil {
						b.Fatal(err)
					}
				}
				reportGBps(b, bytes)
			})
		}
	}
}

// BenchmarkMemcpy is the bandwidth baseline for BenchmarkRoPE: a copy
// of n bytes (the size of q plus k for each RoPE case), split over the
// same worker pool. Bytes are n read and n written.
func BenchmarkMemcpy(b *testing.B) {
	hq, hk, rot := llama31(b)
	seen := map[int]bool{}
	for _, dt := range []ops.DType{ops.BF16, ops.F32} {
		for _, T := range benchTokens {
			n := T * (hq + hk) * rot.HeadDim * dt.Size()
			if seen[n] {
				continue
			}
			seen[n] = true
			b.Run(fmt.Sprintf("bytes=%d", n), func(b *testing.B) {
				src, dst := make([]byte, n), make([]byte, n)
				for i := range src {
					src[i] = byte(i)
				}
				p := sharedPool()
				const grain = 64 << 10
				fn := func(lo, hi int) { copy(dst[lo*grain:min(hi*grain, n)], src[lo*grain:min(hi*grain, n)]) }
				b.SetBytes(int64(2 * n))
				for b.Loop() {
					p.parallelFor((n+grain-1)/grain, 1, fn)
				}
				reportGBps(b, 2*n)
			})
		}
	}
}

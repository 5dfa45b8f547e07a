package fallback

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// The attention benchmarks decode over a 128k-slot bf16 KV pool shaped
// like Llama-3.1-8B (32 query / 8 kv heads, head_dim 128) and Qwen2.5-7B
// (28/4, GQA 7).
const benchPoolSlots = 128 << 10

type benchShape struct {
	name   string
	hq, hk int
}

var benchShapes = []benchShape{{"llama-3.1-8b", 32, 8}, {"qwen2.5-7b", 28, 4}}

// benchPools caches one K and V pool per kv-head count: they take
// hundreds of MB.
var benchPools struct {
	sync.Mutex
	kv map[int][2]*ops.Tensor
}

// benchPool returns a [128k, hk, 128] bf16 K and V pool holding values in
// [-2, 2).
func benchPool(hk int) (k, v *ops.Tensor) {
	benchPools.Lock()
	defer benchPools.Unlock()
	if p, ok := benchPools.kv[hk]; ok {
		return p[0], p[1]
	}
	if benchPools.kv == nil {
		benchPools.kv = map[int][2]*ops.Tensor{}
	}
	mk := func(seed uint32) *ops.Tensor {
		// allocated by the backend, as an engine's pool would be (huge
		// pages where the system offers them)
		t, err := New().Alloc(ops.BF16, benchPoolSlots, hk, 128)
		if err != nil {
			panic(err)
		}
		u := u16s(t)
		x := seed
		for i := range u {
			x = x*1664525 + 1013904223
			// sign, exponent 126 or 127 (magnitudes in [0.5, 2)), 7 random mantissa bits
			u[i] = uint16(x>>31)<<15 | uint16(126+x>>30&1)<<7 | uint16(x>>20&0x7f)
		}
		return t
	}
	p := [2]*ops.Tensor{mk(1), mk(2)}
	benchPools.kv[hk] = p
	return p[0], p[1]
}

// benchSlots returns n distinct slots of the pool, sorted, as TokenSelect
// hands them to attention.
func benchSlots(n int) []int32 {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	perm := r.Perm(benchPoolSlots)[:n]
	out := make([]int32, n)
	for i, s := range perm {
		out[i] = int32(s)
	}
	slices.Sort(out)
	return out
}

// benchQuery returns T random bf16 query tokens of hq heads.
func benchQuery(T, hq int) *ops.Tensor {
	r := rand.New(rand.NewPCG(uint64(T), uint64(hq)))
	u := make([]uint16, T*hq*128)
	for i := range u {
		u[i] = uint16(r.Uint32())&0x807f | 0x3f00 // magnitudes in [0.5, 1)
	}
	return WrapU16(ops.BF16, u, T, hq, 128)
}

// gathered returns the K and V bytes one decode call reads for n
// selected slots.
func gathered(n, hk int) int { return n * hk * 2 * 128 * 2 }

// BenchmarkAttentionDecode measures one decode step (Tq = 1) over 2k, 8k
// and 32k selected slots of a 128k-slot bf16 pool, and dense attention
// over the whole pool (the sparse speedups at 1/16 and 1/64 selection are
// the dense time over the sel=8192 and sel=2048 times). GB/s counts the
// K and V bytes gathered.
func BenchmarkAttentionDecode(b *testing.B) {
	be := New()
	for _, sh := range benchShapes {
		k, v := benchPool(sh.hk)
		q := benchQuery(1, sh.hq)
		o := WrapU16(ops.BF16, make([]uint16, sh.hq*128), 1, sh.hq, 128)
		lse := WrapF32(make([]float32, sh.hq), 1, sh.hq)
		for _, n := range []int{2048, 8192, 32768, benchPoolSlots} {
			sel := ops.Selection{}
			name := fmt.Sprintf("model=%s/sel=%d", sh.name, n)
			if n < benchPoolSlots {
				sel.Indices = WrapI32(benchSlots(n), n)
			} else {
				name = fmt.Sprintf("model=%s/dense=%d", sh.name, n)
			}
			a := &ops.AttentionArgs{Q: q, K: k, V: v, O: o, LSE: lse, Sel: sel}
			b.Run(name, func(b *testing.B) {
				bytes := gathered(n, sh.hk)
				b.SetBytes(int64(bytes))
				b.ReportAllocs()
				for b.Loop() {
					if err := be.Attention(a); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkAttentionPrefill measures 512 query tokens attending over 4096
// selected bf16 slots (one row shared by all tokens, causal off) on the
// Llama shape, in GFLOP/s: 4·T·Hq·n·D (q·k and p·v, an FMA counting 2).
func BenchmarkAttentionPrefill(b *testing.B) {
	be := New()
	const T, n = 512, 4096
	for _, sh := range benchShapes {
		k, v := benchPool(sh.hk)
		q := benchQuery(T, sh.hq)
		o := WrapU16(ops.BF16, make([]uint16, T*sh.hq*128), T, sh.hq, 128)
		a := &ops.AttentionArgs{Q: q, K: k, V: v, O: o, Sel: ops.Selection{Indices: WrapI32(benchSlots(n), n)}}
		b.Run(fmt.Sprintf("model=%s/T=%d/sel=%d", sh.name, T, n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := be.Attention(a); err != nil {
					b.Fatal(err)
				}
			}
			if s := b.Elapsed().Seconds(); s > 0 {
				b.ReportMetric(4*T*float64(sh.hq)*n*128*float64(b.N)/s/1e9, "GFLOP/s")
			}
		})
	}
}

// BenchmarkScores measures selection scoring of one query token against
// every slot of the 128k-slot bf16 pool; GB/s counts the K bytes read.
func BenchmarkScores(b *testing.B) {
	be := New()
	for _, sh := range benchShapes {
		k, _ := benchPool(sh.hk)
		q := benchQuery(1, sh.hq).Sub(0, []int{sh.hq, 128}, 0)
		out := WrapF32(make([]float32, sh.hq*benchPoolSlots), sh.hq, benchPoolSlots)
		a := &ops.ScoresArgs{Q: q, K: k, Out: out}
		b.Run(fmt.Sprintf("model=%s/slots=%d", sh.name, benchPoolSlots), func(b *testing.B) {
			b.SetBytes(int64(benchPoolSlots * sh.hk * 128 * 2))
			b.ReportAllocs()
			for b.Loop() {
				if err := be.Scores(a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSelect measures the rest of TokenSelect's selection over 128k
// candidates and 32 heads: the soft vote (Criticality) and the top 2048
// (TopK).
func BenchmarkSelect(b *testing.B) {
	be := New()
	const hq, N, K = 32, benchPoolSlots, 2048
	r := rand.New(rand.NewPCG(5, 6))
	s := make([]float32, hq*N)
	for i := range s {
		s[i] = float32(r.NormFloat64()) * 4
	}
	scores := WrapF32(s, hq, N)
	crit := WrapF32(make([]float32, N), N)
	out := WrapI32(make([]int32, K), 1, K)
	b.Run(fmt.Sprintf("op=criticality/heads=%d/N=%d", hq, N), func(b *testing.B) {
		b.SetBytes(int64(hq*N*4 + N*4))
		b.ReportAllocs()
		a := &ops.CriticalityArgs{Scores: scores, Out: crit}
		for b.Loop() {
			if err := be.Criticality(a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("op=topk/N=%d/k=%d", N, K), func(b *testing.B) {
		b.SetBytes(int64(N * 4))
		b.ReportAllocs()
		a := &ops.TopKArgs{Scores: crit.Sub(0, []int{1, N}, 0), K: K, Out: out}
		for b.Loop() {
			if err := be.TopK(a); err != nil {
				b.Fatal(err)
			}
		}
	})
}

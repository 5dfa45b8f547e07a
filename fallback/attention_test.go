package fallback

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// TestExpF32 checks the softmax exponential against math.Exp over its
// whole range: relative error below 3e-7 (about 2.5 float32 ulps), 0
// below expMin, NaN for NaN, and a weight of exactly 1 at 0.
func TestExpF32(t *testing.T) {
	worst := 0.0
	check := func(x float32) {
		got := float64(expf32(x))
		want := math.Exp(float64(x))
		if math.IsInf(float64(float32(want)), 1) {
			if !math.IsInf(got, 1) {
				t.Fatalf("expf32(%g) = %g, want +Inf", x, got)
			}
			return
		}
		if x < expMin {
			if got != 0 {
				t.Fatalf("expf32(%g) = %g, want 0 below expMin", x, got)
			}
			return
		}
		rel := math.Abs(got-want) / want
		if !(rel < 3e-7) {
			t.Fatalf("expf32(%g) = %.9g, want %.9g (rel err %.3g)", x, got, want, rel)
		}
		worst = max(worst, rel)
	}
	for x := float32(-100); x <= 88.7; x += 1.0 / 1024 {
		check(x)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1 << 20 {
		check(float32(-90 + 179*r.Float64()))
	}
	for _, x := range []float32{0, -0.0, expMin, expMax, -1e-30, 1e-30, math.SmallestNonzeroFloat32} {
		check(x)
	}
	if expf32(0) != 1 {
		t.Errorf("expf32(0) = %g, want 1", expf32(0))
	}
	if v := expf32(float32(math.NaN())); v == v {
		t.Errorf("expf32(NaN) = %g, want NaN", v)
	}
	if v := expf32(float32(math.Inf(-1))); v != 0 {
		t.Errorf("expf32(-Inf) = %g, want 0", v)
	}
	t.Logf("worst relative error %.3g (%.2f ulps of 2^-24)", worst, worst/0x1p-24)
}

// bf16Of returns n random normal values as bfloat16 bits.
func bf16Of(r *rand.Rand, n int) []uint16 {
	out := make([]uint16, n)
	for i := range out {
		out[i] = uint16(precision.BF16FromFloat32(float32(r.NormFloat64())))
	}
	return out
}

// TestAttentionAllocs checks that steady-state calls of every op of this
// family allocate nothing: decode (split-KV), prefill with causal masks
// and in-op RoPE, Merge and the selection primitives.
func TestAttentionAllocs(t *testing.T) {
	for name, call := range steadyCalls(New()) {
		for range 3 { // grow scratch, fill the recycling channels
			if err := call(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if n := testing.AllocsPerRun(5, func() { _ = call() }); n != 0 {
			t.Errorf("%s: %.1f allocations per call in steady state, want 0", name, n)
		}
	}
}

// TestLateWorkerNoAllocs checks that a worker running its first chunk
// of a call allocates nothing once the call is warm: every op sizes the
// scratch of every worker before any runs, so a helper that joins a
// call for the first time (it was busy or not yet scheduled during the
// earlier ones) costs no allocation. A pool without helpers runs each
// call inline under a chosen worker id: the calls warm up as worker 0,
// then each other worker runs the call once, its first time, counted
// without a warm-up run (unlike AllocsPerRun) on one P. A stray
// allocation of another goroutine could land in one count; an op that
// sizes scratch late allocates in all of them, so the least counts.
func TestLateWorkerNoAllocs(t *testing.T) {
	p := newPool(0)
	p.ids = 4
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for name, call := range steadyCalls(&Backend{pool: p}) {
		p.caller = 0
		for range 3 {
			if err := call(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		least := uint64(math.MaxUint64)
		for w := 1; w < p.ids; w++ {
			p.caller = w
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := call()
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			least = min(least, after.Mallocs-before.Mallocs)
		}
		if least != 0 {
			t.Errorf("%s: a worker's first chunk of a warm call: %d allocations, want 0", name, least)
		}
	}
}

// steadyCalls returns one call of every op of this family on b, keyed
// by name: decode (split-KV), prefill with causal masks and in-op RoPE,
// Merge and the selection primitives.
func steadyCalls(b *Backend) map[string]func() error {
	r := rand.New(rand.NewPCG(3, 4))
	const S, Hq, Hk, D, W = 2048, 8, 2, 64, 600
	k := WrapU16(ops.BF16, bf16Of(r, S*Hk*D), S, Hk, D)
	v := WrapU16(ops.BF16, bf16Of(r, S*Hk*D), S, Hk, D)
	idx := make([]int32, W)
	for i := range idx {
		idx[i] = int32(r.IntN(S))
	}
	sel := ops.Selection{Indices: WrapI32(idx, W)}
	kpos := make([]int32, S)
	for s := range kpos {
		kpos[s] = int32(s)
	}
	rot := &ops.Rotary{HeadDim: D, Dim: D, AttentionFactor: 1, InvFreq: make([]float64, D/2)}
	for j := range rot.InvFreq {
		rot.InvFreq[j] = math.Pow(10000, -float64(2*j)/D)
	}
	calls := map[string]func() error{}
	for _, T := range []int{1, 12} {
		q := WrapU16(ops.BF16, bf16Of(r, T*Hq*D), T, Hq, D)
		o := WrapU16(ops.BF16, make([]uint16, T*Hq*D), T, Hq, D)
		o2 := WrapU16(ops.BF16, make([]uint16, T*Hq*D), T, Hq, D)
		lse := WrapF32(make([]float32, T*Hq), T, Hq)
		lse2 := WrapF32(make([]float32, T*Hq), T, Hq)
		qpos := make([]int32, T)
		for i := range qpos {
			qpos[i] = int32(S - T + i)
		}
		QPos, KPos := WrapI32(qpos, T), WrapI32(kpos, S)
		name := map[int]string{1: "decode", 12: "prefill"}[T]
		plain := &ops.AttentionArgs{Q: q, K: k, V: v, O: o, LSE: lse, Sel: sel}
		causal := &ops.AttentionArgs{Q: q, K: k, V: v, O: o2, LSE: lse2, Sel: sel, QPos: QPos, KPos: KPos,
			RoPE: &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosRank}}
		merge := &ops.MergeArgs{O1: o, LSE1: lse, O2: o2, LSE2: lse2, O: o, LSE: lse}
		calls[name] = func() error { return b.Attention(plain) }
		calls[name+"-causal-rope"] = func() error { return b.Attention(causal) }
		calls[name+"-merge"] = func() error { return b.Merge(merge) }
	}
	q1 := WrapU16(ops.BF16, bf16Of(r, Hq*D), Hq, D)
	scores := WrapF32(make([]float32, Hq*S), Hq, S)
	crit := WrapF32(make([]float32, S), S)
	top := WrapI32(make([]int32, 256), 1, 256)
	P := ops.PageCount(S, 16)
	mn, mx := WrapF32(make([]float32, P*Hk*D), P, Hk, D), WrapF32(make([]float32, P*Hk*D), P, Hk, D)
	pageOut := WrapF32(make([]float32, Hq*P), Hq, P)
	scoresArgs := &ops.ScoresArgs{Q: q1, K: k, Out: scores}
	critArgs := &ops.CriticalityArgs{Scores: scores, Out: crit}
	topArgs := &ops.TopKArgs{Scores: crit.Sub(0, []int{1, S}, 0), K: 256, Out: top}
	metaArgs := &ops.PageMetaArgs{K: k, PageSize: 16, To: S, Min: mn, Max: mx}
	pageArgs := &ops.PageScoresArgs{Q: q1, Min: mn, Max: mx, Pages: P, Out: pageOut}
	calls["scores"] = func() error { return b.Scores(scoresArgs) }
	calls["criticality"] = func() error { return b.Criticality(critArgs) }
	calls["topk"] = func() error { return b.TopK(topArgs) }
	calls["pagemeta"] = func() error { return b.PageMeta(metaArgs) }
	calls["pagescores"] = func() error { return b.PageScores(pageArgs) }
	return calls
}

// TestAttentionConcurrentDeterministic runs differently shaped attention
// calls from several goroutines at once and checks each result is bit
// for bit the result of the same call made alone: calls share the pool
// but no state, and the schedule depends only on the shapes.
func TestAttentionConcurrentDeterministic(t *testing.T) {
	b := New()
	r := rand.New(rand.NewPCG(8, 9))
	type call struct {
		a    *ops.AttentionArgs
		o    []uint16
		want []uint16
	}
	var calls []*call
	for i, sh := range [][4]int{{1, 32, 8, 1500}, {7, 28, 4, 600}, {1, 8, 8, 2000}, {20, 4, 1, 300}} {
		T, hq, hk, W := sh[0], sh[1], sh[2], sh[3]
		const S, D = 3000, 64
		idx := make([]int32, hk*W)
		for j := range idx {
			idx[j] = int32(r.IntN(S)) - int32(r.IntN(8)/7) // some -1
		}
		c := &call{o: make([]uint16, T*hq*D)}
		c.a = &ops.AttentionArgs{
			Q:   WrapU16(ops.BF16, bf16Of(r, T*hq*D), T, hq, D),
			K:   WrapU16(ops.BF16, bf16Of(r, S*hk*D), S, hk, D),
			V:   WrapU16(ops.BF16, bf16Of(r, S*hk*D), S, hk, D),
			O:   WrapU16(ops.BF16, c.o, T, hq, D),
			Sel: ops.Selection{Indices: WrapI32(idx, hk, W), Granularity: ops.PerKVHead},
		}
		if i%2 == 1 {
			c.a.Sel = ops.Selection{Indices: WrapI32(idx[:W], W)}
		}
		if err := b.Attention(c.a); err != nil {
			t.Fatal(err)
		}
		c.want = append([]uint16(nil), c.o...)
		calls = append(calls, c)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(calls))
	for g := range 4 {
		for i, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := *c.a
				o := make([]uint16, len(c.o))
				a.O = WrapU16(ops.BF16, o, c.a.O.Shape...)
				for range 3 {
					if err := b.Attention(&a); err != nil {
						errs <- err
						return
					}
					if !slices.Equal(o, c.want) {
						errs <- fmt.Errorf("goroutine %d, call %d: result differs from the call made alone", g, i)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

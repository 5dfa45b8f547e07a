//go:build cgo

package hosttest

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// emulCase is one attention call run through the planners and the host
// emulation of their launches, and through the fallback backend.
type emulCase struct {
	name          string
	dt            ops.DType
	Tq, Hq, Hk, S int
	D, Dv         int
	gran          ops.Granularity
	W             int // index row width (0: dense range)
	start, end    int // dense range
	causal, sinks bool
	lse           bool
	softcap       float32
	rope          *ops.KeyRoPE
	sms           int // planner device size (small: more splits)
	fusedQ        bool
	// docs > 0: slots in that many documents of consecutive slots, every
	// 13th an anchor; query t in document t mod docs. logn: log-n length.
	docs int
	logn int32
	// nan plants NaNs: in the query of the last (token, head), in the key
	// of the first selected slot of kv head 0 and in the value of the
	// second selected slot of kv head Hk-1.
	nan        bool
	wantKernel string
}

func emulRotary(d, dim int, l ops.Layout) *ops.Rotary {
	f64, f32 := invFreqs(dim/2, 10000)
	return &ops.Rotary{Type: "table", HeadDim: d, Dim: dim, InvFreq: f64, InvFreqF32: f32, AttentionFactor: 1, Layout: l}
}

var emulCases = []emulCase{
	{name: "decode gqa4 request split", dt: ops.BF16, Tq: 1, Hq: 16, Hk: 4, S: 3000, D: 64, Dv: 64, gran: ops.PerRequest, W: 2000, lse: true, sinks: true, sms: 16, wantKernel: "attn_decode_g4"},
	{name: "decode gqa6 kvhead causal", dt: ops.F16, Tq: 2, Hq: 12, Hk: 2, S: 900, D: 128, Dv: 128, gran: ops.PerKVHead, W: 700, causal: true, lse: true, sms: 8, wantKernel: "attn_decode_g8"},
	{name: "decode gqa12 two chunks", dt: ops.F32, Tq: 3, Hq: 24, Hk: 2, S: 400, D: 32, Dv: 48, gran: ops.PerQuery, W: 150, causal: true, lse: true, sinks: true, softcap: 30, sms: 4, wantKernel: "attn_decode_g8"},
	{name: "decode mha dense", dt: ops.BF16, Tq: 4, Hq: 4, Hk: 4, S: 600, D: 96, Dv: 96, start: 50, end: 590, lse: true, sms: 2, wantKernel: "attn_decode_g1"},
	{name: "decode fused q", dt: ops.BF16, Tq: 5, Hq: 8, Hk: 2, S: 200, D: 16, Dv: 24, gran: ops.PerKVHead, W: 90, causal: true, lse: true, fusedQ: true, sms: 1, wantKernel: "attn_decode_g4"},
	{name: "decode empty selection", dt: ops.BF16, Tq: 2, Hq: 2, Hk: 1, S: 0, D: 8, Dv: 8, lse: true, sinks: true, sms: 1, wantKernel: "attn_decode_g2"},
	{name: "key rope rank neox", dt: ops.BF16, Tq: 3, Hq: 8, Hk: 2, S: 500, D: 64, Dv: 64, gran: ops.PerRequest, W: 300, lse: true, sms: 8,
		rope: &ops.KeyRoPE{Rotary: emulRotary(64, 64, ops.NeoX), KeyPos: ops.KeyPosRank}, wantKernel: "attn_decode_g4"},
	{name: "key rope rank per query gptj", dt: ops.F32, Tq: 2, Hq: 4, Hk: 2, S: 300, D: 64, Dv: 32, gran: ops.PerQuery, W: 200, lse: true, sms: 8,
		rope: &ops.KeyRoPE{Rotary: emulRotary(64, 40, ops.GPTJ), KeyPos: ops.KeyPosRank, Angles: ops.Compat}, wantKernel: "attn_decode_g2"},
	{name: "key rope original", dt: ops.BF16, Tq: 2, Hq: 4, Hk: 2, S: 300, D: 64, Dv: 64, gran: ops.PerKVHead, W: 120, causal: true, lse: true, sms: 4,
		rope: &ops.KeyRoPE{Rotary: emulRotary(64, 32, ops.NeoX), KeyPos: ops.KeyPosOriginal}, wantKernel: "attn_decode_g2"},
	{name: "key rope capped", dt: ops.F16, Tq: 2, Hq: 4, Hk: 2, S: 300, D: 64, Dv: 64, start: 0, end: 300, causal: true, lse: true, sms: 4,
		rope: &ops.KeyRoPE{Rotary: emulRotary(64, 64, ops.GPTJ), KeyPos: ops.KeyPosCapped, Cap: 40}, wantKernel: "attn_decode_g2"},
	{name: "key rope fixed query position", dt: ops.BF16, Tq: 2, Hq: 4, Hk: 2, S: 100, D: 64, Dv: 64, gran: ops.PerRequest, W: 60, causal: true, lse: true, sms: 4,
		rope: &ops.KeyRoPE{Rotary: emulRotary(64, 64, ops.NeoX), KeyPos: ops.KeyPosOriginal, QueryPos: 1 << 20}, wantKernel: "attn_decode_g2"},
	{name: "prefill causal kvhead", dt: ops.BF16, Tq: 40, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 64, gran: ops.PerKVHead, W: 200, causal: true, lse: true, sinks: true, wantKernel: "attn_prefill"},
	{name: "prefill dense dv", dt: ops.F16, Tq: 33, Hq: 12, Hk: 4, S: 150, D: 16, Dv: 24, start: 0, end: 150, causal: true, lse: true, softcap: 20, wantKernel: "attn_prefill"},
	{name: "prefill request d256", dt: ops.BF16, Tq: 17, Hq: 8, Hk: 2, S: 120, D: 256, Dv: 128, gran: ops.PerRequest, W: 100, lse: true, wantKernel: "attn_prefill"},
	// (the query at 677: 677 mod 48 = 5 ≤ 16, so its successive and inter
	// rotations differ)
	{name: "dual chunk dense split", dt: ops.BF16, Tq: 1, Hq: 28, Hk: 4, S: 680, D: 128, Dv: 128, start: 0, end: 680, causal: true, lse: true, sms: 8,
		rope: &ops.KeyRoPE{Rotary: emulRotary(128, 128, ops.NeoX), KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 64, LocalSize: 16}}, wantKernel: "attn_decode_g8"},
	{name: "dual chunk per query gptj", dt: ops.F32, Tq: 3, Hq: 4, Hk: 2, S: 300, D: 64, Dv: 32, gran: ops.PerQuery, W: 200, causal: true, lse: true, sms: 4,
		rope: &ops.KeyRoPE{Rotary: emulRotary(64, 64, ops.GPTJ), KeyPos: ops.KeyPosDualChunk, Angles: ops.Compat, Chunk: ops.DualChunk{ChunkSize: 64, LocalSize: 40}}, wantKernel: "attn_decode_g2"},
	{name: "documents decode", dt: ops.F16, Tq: 3, Hq: 16, Hk: 4, S: 900, D: 64, Dv: 64, gran: ops.PerKVHead, W: 700, causal: true, lse: true, sinks: true, sms: 8, docs: 3, wantKernel: "attn_decode_g4"},
	{name: "documents logn prefill", dt: ops.BF16, Tq: 40, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 64, start: 0, end: 300, causal: true, lse: true, docs: 4, logn: 200, wantKernel: "attn_prefill"},
	{name: "logn decode softcap", dt: ops.BF16, Tq: 2, Hq: 8, Hk: 2, S: 600, D: 64, Dv: 64, gran: ops.PerRequest, W: 500, causal: true, lse: true, softcap: 20, sms: 4, logn: 400, wantKernel: "attn_decode_g4"},
	{name: "nan decode split", dt: ops.BF16, Tq: 1, Hq: 16, Hk: 4, S: 3000, D: 64, Dv: 64, gran: ops.PerRequest, W: 2000, lse: true, sinks: true, sms: 16, nan: true, wantKernel: "attn_decode_g4"},
	{name: "nan decode short causal", dt: ops.F32, Tq: 3, Hq: 12, Hk: 3, S: 90, D: 32, Dv: 48, gran: ops.PerQuery, W: 40, causal: true, lse: true, softcap: 30, sms: 4, nan: true, wantKernel: "attn_decode_g4"},
	{name: "nan decode dense", dt: ops.F16, Tq: 2, Hq: 8, Hk: 4, S: 600, D: 64, Dv: 64, start: 0, end: 600, lse: true, sms: 2, nan: true, wantKernel: "attn_decode_g2"},
	{name: "nan prefill causal", dt: ops.BF16, Tq: 40, Hq: 8, Hk: 4, S: 300, D: 64, Dv: 64, gran: ops.PerKVHead, W: 200, causal: true, lse: true, sinks: true, nan: true, wantKernel: "attn_prefill"},
	{name: "nan prefill dense", dt: ops.F16, Tq: 33, Hq: 12, Hk: 4, S: 150, D: 16, Dv: 24, start: 0, end: 150, lse: true, softcap: 20, nan: true, wantKernel: "attn_prefill"},
}

func TestAttentionLaunchesMatchFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	be := fallback.New()
	for _, c := range emulCases {
		t.Run(c.name, func(t *testing.T) { runEmulCase(t, r, be, c) })
	}
}

func runEmulCase(t *testing.T, r *rand.Rand, be *fallback.Backend, c emulCase) {
	dt := c.dt
	alloc := func(dt ops.DType, shape ...int) *ops.Tensor {
		x, err := be.Alloc(dt, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var q *ops.Tensor
	if c.fusedQ {
		w := (c.Hq + 2) * c.D
		all := alloc(dt, c.Tq*w)
		fillRandom(r, dt, all.Mem.(*fallback.Host).B)
		q = all.Sub(0, []int{c.Tq, c.Hq, c.D}, w)
	} else {
		q = alloc(dt, c.Tq, c.Hq, c.D)
		fillRandom(r, dt, q.Mem.(*fallback.Host).B)
	}
	k, v := alloc(dt, c.S, c.Hk, c.D), alloc(dt, c.S, c.Hk, c.Dv)
	fillRandom(r, dt, k.Mem.(*fallback.Host).B)
	fillRandom(r, dt, v.Mem.(*fallback.Host).B)
	a := &ops.AttentionArgs{Q: q, K: k, V: v, SoftCap: c.softcap, RoPE: c.rope, LogN: c.logn}
	if c.docs > 0 {
		kd, qd := make([]int32, c.S), make([]int32, c.Tq)
		for s := range kd {
			kd[s] = int32(s * c.docs / c.S)
			if s%13 == 0 {
				kd[s] = -1
			}
		}
		for t := range qd {
			qd[t] = int32(t % c.docs)
		}
		a.QDoc, a.KDoc = fallback.WrapI32(qd, c.Tq), fallback.WrapI32(kd, c.S)
	}
	if c.W > 0 {
		rows := map[ops.Granularity]int{ops.PerRequest: 1, ops.PerKVHead: c.Hk, ops.PerQuery: c.Tq * c.Hk}[c.gran]
		idx := make([]int32, rows*c.W)
		for i := range idx {
			idx[i] = int32(r.IntN(c.S))
			if r.IntN(7) == 0 {
				idx[i] = -1
			}
		}
		shape := map[ops.Granularity][]int{ops.PerRequest: {c.W}, ops.PerKVHead: {c.Hk, c.W}, ops.PerQuery: {c.Tq, c.Hk, c.W}}[c.gran]
		a.Sel = ops.Selection{Indices: fallback.WrapI32(idx, shape...), Granularity: c.gran}
	} else {
		a.Sel = ops.Selection{Start: c.start, End: c.end}
	}
	if c.causal {
		kp := make([]int32, c.S)
		for i := range kp {
			kp[i] = int32(i)
		}
		qp := make([]int32, c.Tq)
		for i := range qp {
			qp[i] = int32(c.S - 3*c.Tq + 2*i)
		}
		a.QPos, a.KPos = fallback.WrapI32(qp, c.Tq), fallback.WrapI32(kp, c.S)
	}
	if c.sinks {
		s := make([]float32, c.Hq)
		for i := range s {
			s[i] = float32(r.NormFloat64())
		}
		s[0] = float32(math.Inf(-1))
		a.Sinks = fallback.WrapF32(s, c.Hq)
	}

	if c.nan {
		plantEmulNaNs(c, a, q, k, v)
	}

	// The fallback backend.
	want := *a
	want.O = alloc(dt, c.Tq, c.Hq, c.Dv)
	if c.lse {
		want.LSE = alloc(ops.F32, c.Tq, c.Hq)
	}
	if err := be.Attention(&want); err != nil {
		t.Fatalf("fallback: %v", err)
	}

	// The planners' launches, emulated.
	got := *a
	got.O = alloc(dt, c.Tq, c.Hq, c.Dv)
	fillRandom(r, dt, got.O.Mem.(*fallback.Host).B) // every element must be written
	if c.lse {
		got.LSE = alloc(ops.F32, c.Tq, c.Hq)
		fillRandom(r, ops.F32, got.LSE.Mem.(*fallback.Host).B)
	}
	mem := &hostMem{}
	ls, err := kernels.PlanAttention(&got, mem, kernels.Device{SMs: max(c.sms, 1)})
	if err != nil {
		t.Fatalf("PlanAttention: %v", err)
	}
	found := false
	for _, l := range ls {
		found = found || l.Kernel == c.wantKernel
		tileN := kernels.PrefillTileN(dt, c.D, c.Dv)
		if !AttnLaunch(l.Kernel, int(dt), c.D, c.Dv, l.Options.KeyRoPE, tileN, l.Words(), l.Grid, mem) {
			t.Fatalf("no emulation of %s", l.Kernel)
		}
	}
	if !found {
		t.Fatalf("planned %v, want %s among them", launchNames(ls), c.wantKernel)
	}

	// Tolerances: float32 accumulation in another order (a few roundings
	// per key), and for 16-bit outputs one unit in the last place of the
	// output plus, in the prefill, P rounded to the input dtype.
	n := float64(max(c.W, c.end-c.start, 1))
	rel := (2*n + 256) * eps32
	switch dt {
	case ops.BF16:
		rel += 2 * 0x1p-8
	case ops.F16:
		rel += 2 * 0x1p-11
	}
	vmax := 0.0
	for e := range c.S * c.Hk * c.Dv {
		vmax = max(vmax, math.Abs(float64(getF(dt, v.Mem.(*fallback.Host).B, e))))
	}
	gb, wb := got.O.Mem.(*fallback.Host).B, want.O.Mem.(*fallback.Host).B
	nanO, nanLSE := 0, 0
	for e := range c.Tq * c.Hq * c.Dv {
		g, w := getF(dt, gb, e), getF(dt, wb, e)
		if w != w { // the fallback's NaN rule, proven against float64 by ops/opstest
			nanO++
			if g == g {
				t.Fatalf("%v: o[%d] = %v, fallback NaN", launchNames(ls), e, g)
			}
			continue
		}
		if g != g || math.Abs(float64(g-w)) > rel*vmax {
			t.Fatalf("%v: o[%d] = %v, fallback %v (tolerance %g)", launchNames(ls), e, g, w, rel*vmax)
		}
	}
	if c.lse {
		for e := range c.Tq * c.Hq {
			g, w := getF(ops.F32, got.LSE.Mem.(*fallback.Host).B, e), getF(ops.F32, want.LSE.Mem.(*fallback.Host).B, e)
			if w != w || g != g {
				nanLSE++
				if w == w || g == g {
					t.Fatalf("%v: lse[%d] = %v, fallback %v", launchNames(ls), e, g, w)
				}
				continue
			}
			if math.IsInf(float64(w), -1) != math.IsInf(float64(g), -1) ||
				(!math.IsInf(float64(w), -1) && math.Abs(float64(g-w)) > (2*n+256)*eps32*(1+math.Abs(float64(w)))) {
				t.Fatalf("%v: lse[%d] = %v, fallback %v", launchNames(ls), e, g, w)
			}
		}
	}
	if c.nan && (nanLSE == 0 || nanO <= nanLSE*c.Dv || nanO == c.Tq*c.Hq*c.Dv) {
		t.Fatalf("%v: the NaNs reached %d outputs and %d LSEs: they test too little", launchNames(ls), nanO, nanLSE)
	}
}

// plantEmulNaNs plants the NaNs of a case with nan set.
func plantEmulNaNs(c emulCase, a *ops.AttentionArgs, q, k, v *ops.Tensor) {
	nan := float32(math.NaN())
	qb := q.Mem.(*fallback.Host).B
	setF(c.dt, qb, q.Offset+(c.Tq-1)*q.RowStride()+(c.Hq-1)*c.D+c.D/2, nan)
	// The first and second slots that a row of kv head 0 and of kv head
	// Hk-1 lists.
	slots := func(kv int) []int32 {
		var out []int32
		if a.Sel.Indices == nil {
			return []int32{int32(c.start), int32(c.start + 1)}
		}
		idx := a.Sel.Indices.Mem.(*fallback.Host).B
		rows := map[ops.Granularity][]int{ops.PerRequest: {0}, ops.PerKVHead: {kv}, ops.PerQuery: {kv, c.Hk + kv}}[c.gran]
		for _, r := range rows {
			for e := range c.W {
				if s := int32(binary.LittleEndian.Uint32(idx[4*(r*c.W+e):])); s >= 0 {
					out = append(out, s)
				}
			}
		}
		return out
	}
	ks, vs := slots(0), slots(c.Hk-1)
	setF(c.dt, k.Mem.(*fallback.Host).B, (int(ks[0])*c.Hk)*c.D+1, nan)
	setF(c.dt, v.Mem.(*fallback.Host).B, (int(vs[1])*c.Hk+c.Hk-1)*c.Dv+c.Dv-1, nan)
}

func launchNames(ls []kernels.Launch) string {
	s := ""
	for _, l := range ls {
		s += fmt.Sprintf("%s%v ", l.Kernel, l.Grid)
	}
	return s
}

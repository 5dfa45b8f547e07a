package kernels

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// devMem is fake device memory of n bytes at address base.
type devMem struct {
	n    int
	base uint64
}

func (m *devMem) Backend() string { return "fake" }
func (m *devMem) Bytes() int      { return m.n }

// fakeMem hands out 256-byte aligned fake addresses.
type fakeMem struct {
	next    uint64
	scratch []int
}

func (f *fakeMem) tensor(dt ops.DType, stride, offset int, shape ...int) *ops.Tensor {
	t := &ops.Tensor{DType: dt, Shape: shape, Stride: stride, Offset: offset}
	n := (offset + max(t.SpanElems(), 1)) * dt.Size()
	f.next += 1 << 20
	t.Mem = &devMem{n: n, base: f.next}
	return t
}

func (f *fakeMem) Addr(t *ops.Tensor) (uint64, error) {
	return t.Mem.(*devMem).base + uint64(t.Offset*t.DType.Size()), nil
}

func (f *fakeMem) Scratch(n int) (uint64, error) {
	f.scratch = append(f.scratch, n)
	f.next += 1 << 30
	return f.next, nil
}

func (f *fakeMem) InvFreq(r *ops.Rotary, m ops.AngleMode) (uint64, error) {
	f.next += 1 << 20
	return f.next, nil
}

func rotary(headDim, dim int, l ops.Layout) *ops.Rotary {
	inv := make([]float64, dim/2)
	for j := range inv {
		inv[j] = 1 / float64(j+1)
	}
	return &ops.Rotary{Type: "table", HeadDim: headDim, Dim: dim, InvFreq: inv, AttentionFactor: 1, Layout: l}
}

// checkLaunches verifies launches against the kernel tables: the kernel
// exists in its module, the options compile, the arguments have the
// kernel's parameter types, and the geometry is launchable.
func checkLaunches(t *testing.T, name string, ls []Launch) {
	t.Helper()
	for _, l := range ls {
		if err := l.Options.Validate(l.Family); err != nil {
			t.Errorf("%s: %s: %v", name, l.String(), err)
		}
		if !slices.Contains(l.Family.Kernels(l.Options), l.Kernel) {
			t.Errorf("%s: %s is not in module %s %v", name, l.Kernel, l.Options.String(l.Family), l.Family.Kernels(l.Options))
		}
		var kinds []ArgKind
		for _, a := range l.Args {
			kinds = append(kinds, a.Kind)
		}
		if want := ParamKinds(l.Kernel); !slices.Equal(kinds, want) {
			t.Errorf("%s: %s arguments %v, kernel parameters %v", name, l.Kernel, kinds, want)
		}
		if err := l.CheckGrid(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(l.Words()) != len(l.Args) {
			t.Errorf("%s: words", name)
		}
	}
}

func TestPlanRoPE(t *testing.T) {
	f := &fakeMem{}
	for _, c := range []struct {
		dt             ops.DType
		T, hq, hk, d   int
		dim, width, of int
		vec            int
	}{
		{ops.BF16, 8192, 32, 8, 128, 128, 48 * 128, 0, 8},
		{ops.BF16, 1, 32, 8, 128, 128, 48 * 128, 0, 8},
		{ops.F16, 7, 4, 1, 96, 24, 6*96 + 4, 4, 4},
		{ops.F32, 5, 2, 2, 64, 64, 4*64 + 2, 2, 2},
		{ops.F32, 3, 2, 0, 64, 64, 2 * 64, 1, 1},
	} {
		for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
			all := f.tensor(c.dt, 0, 0, c.of+c.T*c.width)
			q := all.Sub(c.of, []int{c.T, c.hq, c.d}, c.width)
			var k *ops.Tensor
			if c.hk > 0 {
				k = all.Sub(c.of+c.hq*c.d, []int{c.T, c.hk, c.d}, c.width)
			}
			a := &ops.RoPEArgs{Q: q, K: k, Positions: f.tensor(ops.I32, 0, 0, c.T), Rotary: rotary(c.d, c.dim, l)}
			ls, err := PlanRoPE(a, f, Device{SMs: 132})
			name := fmt.Sprintf("%+v/%v", c, l)
			if err != nil || len(ls) != 1 {
				t.Fatalf("%s: %v %v", name, ls, err)
			}
			checkLaunches(t, name, ls)
			lc := ls[0]
			if lc.Kernel != fmt.Sprintf("rope_v%d", c.vec) {
				t.Errorf("%s: kernel %s, want vector width %d", name, lc.Kernel, c.vec)
			}
			chunks := c.dim / 2 / c.vec
			if lc.Grid[0]*lc.Block[0] < c.T*chunks || (lc.Grid[0]-1)*lc.Block[0] >= c.T*chunks {
				t.Errorf("%s: grid %v does not tile %d units", name, lc.Grid, c.T*chunks)
			}
			if lc.Grid[1] > c.hq+c.hk {
				t.Errorf("%s: %d head splits for %d heads", name, lc.Grid[1], c.hq+c.hk)
			}
		}
	}
}

func TestPlanRoPEAppend(t *testing.T) {
	f := &fakeMem{}
	T, hq, hk, d, dv, S := 16, 8, 2, 128, 128, 4096
	all := f.tensor(ops.BF16, 0, 0, T*(hq+2*hk)*d)
	w := (hq + 2*hk) * d
	a := &ops.RoPEAppendArgs{
		Q: all.Sub(0, []int{T, hq, d}, w), K: all.Sub(hq*d, []int{T, hk, d}, w), V: all.Sub((hq+hk)*d, []int{T, hk, dv}, w),
		KCache: f.tensor(ops.BF16, 0, 0, S, hk, d), VCache: f.tensor(ops.BF16, 0, 0, S, hk, dv),
		Positions: f.tensor(ops.I32, 0, 0, T), Slots: f.tensor(ops.I32, 0, 0, T), Rotary: rotary(d, d, ops.NeoX),
	}
	ls, err := PlanRoPEAppend(a, f, Device{SMs: 132})
	if err != nil || len(ls) != 1 || ls[0].Kernel != "rope_append_v8" {
		t.Fatalf("PlanRoPEAppend = %v, %v", ls, err)
	}
	checkLaunches(t, "append", ls)
	if v := ls[0].Args[len(ls[0].Args)-1]; v.Bits != 8 {
		t.Errorf("v copy width %d, want 8", v.Bits)
	}
}

func TestAttnSplits(t *testing.T) {
	for _, sms := range []int{0, 1, 8, 132} {
		for _, base := range []int{1, 2, 7, 32, 300, 1000} {
			for _, w := range []int{0, 1, 63, 64, 255, 256, 1000, 8192, 100000, 1 << 22} {
				s, c := AttnSplits(base, w, Device{SMs: sms})
				if s < 1 || s > MaxSplits || c < 1 {
					t.Fatalf("AttnSplits(%d, %d, %d) = %d, %d", base, w, sms, s, c)
				}
				if s > 1 && (c%decodeTile != 0 || (s-1)*c >= w || s*c < w) {
					t.Fatalf("AttnSplits(%d, %d, %d) = %d × %d does not tile %d", base, w, sms, s, c, w)
				}
				if s == 1 && w > 0 && c < w {
					t.Fatalf("AttnSplits(%d, %d, %d) = 1 × %d", base, w, sms, c)
				}
			}
		}
	}
	if s, _ := AttnSplits(8, 8192, Device{SMs: 132}); s < 8 {
		t.Errorf("decode with 8 blocks over 8192 keys on 132 SMs uses %d splits", s)
	}
}

func TestGroupTile(t *testing.T) {
	for g, want := range map[int]int{1: 1, 2: 2, 3: 4, 4: 4, 5: 8, 7: 8, 8: 8, 12: 8, 64: 8} {
		if got := GroupTile(g); got != want {
			t.Errorf("GroupTile(%d) = %d, want %d", g, got, want)
		}
	}
}

type attnShape struct {
	dt               ops.DType
	Tq, Hq, Hk, S, D int
	Dv               int
	gran             ops.Granularity
	W                int
	dense, causal    bool
	sinks, lse       bool
	rope             *ops.KeyRoPE
	qOffset, kStride int
}

func (f *fakeMem) attnArgs(c attnShape) *ops.AttentionArgs {
	kRow := max(c.kStride, c.Hk*c.D)
	a := &ops.AttentionArgs{
		Q: f.tensor(c.dt, 0, c.qOffset, c.Tq, c.Hq, c.D), K: f.tensor(c.dt, kRow, 0, c.S, c.Hk, c.D),
		V: f.tensor(c.dt, 0, 0, c.S, c.Hk, c.Dv), O: f.tensor(c.dt, 0, 0, c.Tq, c.Hq, c.Dv), RoPE: c.rope,
	}
	if c.lse {
		a.LSE = f.tensor(ops.F32, 0, 0, c.Tq, c.Hq)
	}
	if c.sinks {
		a.Sinks = f.tensor(ops.F32, 0, 0, c.Hq)
	}
	if c.causal {
		a.QPos, a.KPos = f.tensor(ops.I32, 0, 0, c.Tq), f.tensor(ops.I32, 0, 0, c.S)
	}
	if !c.dense {
		a.Sel.Granularity = c.gran
		switch c.gran {
		case ops.PerRequest:
			a.Sel.Indices = f.tensor(ops.I32, 0, 0, c.W)
		case ops.PerKVHead:
			a.Sel.Indices = f.tensor(ops.I32, 0, 0, c.Hk, c.W)
		default:
			a.Sel.Indices = f.tensor(ops.I32, 0, 0, c.Tq, c.Hk, c.W)
		}
	}
	return a
}

func kernelsOf(ls []Launch) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Kernel)
	}
	return out
}

func TestPlanAttention(t *testing.T) {
	f := &fakeMem{}
	dev := Device{SMs: 132}
	rank := &ops.KeyRoPE{Rotary: rotary(128, 128, ops.NeoX), KeyPos: ops.KeyPosRank}
	dca := &ops.KeyRoPE{Rotary: rotary(128, 128, ops.NeoX), KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 64, LocalSize: 16}}
	cases := []struct {
		name string
		c    attnShape
		want []string
	}{
		{"decode gqa8", attnShape{dt: ops.BF16, Tq: 1, Hq: 32, Hk: 4, S: 100000, D: 128, Dv: 128, gran: ops.PerRequest, W: 8192, lse: true, sinks: true},
			[]string{"attn_decode_g8", "attn_split_merge"}},
		{"decode gqa7", attnShape{dt: ops.F16, Tq: 1, Hq: 28, Hk: 4, S: 5000, D: 128, Dv: 128, dense: true, causal: true},
			[]string{"attn_decode_g8", "attn_split_merge"}},
		{"decode mha no split", attnShape{dt: ops.F32, Tq: 64, Hq: 32, Hk: 32, S: 500, D: 64, Dv: 64, dense: true},
			[]string{"attn_decode_g1"}},
		{"prefill", attnShape{dt: ops.BF16, Tq: 512, Hq: 32, Hk: 8, S: 100000, D: 128, Dv: 128, gran: ops.PerKVHead, W: 4096, causal: true, lse: true},
			[]string{"attn_prefill"}},
		{"prefill dv", attnShape{dt: ops.F16, Tq: 40, Hq: 12, Hk: 4, S: 200, D: 64, Dv: 48, dense: true, causal: true},
			[]string{"attn_prefill"}},
		{"per-query is gathered", attnShape{dt: ops.BF16, Tq: 512, Hq: 32, Hk: 8, S: 10000, D: 128, Dv: 128, gran: ops.PerQuery, W: 64},
			[]string{"attn_decode_g4"}},
		{"f32 long is gathered", attnShape{dt: ops.F32, Tq: 512, Hq: 32, Hk: 8, S: 10000, D: 128, Dv: 128, dense: true},
			[]string{"attn_decode_g4"}},
		{"key rope by rank", attnShape{dt: ops.BF16, Tq: 1, Hq: 32, Hk: 8, S: 100000, D: 128, Dv: 128, gran: ops.PerKVHead, W: 8192, rope: rank},
			[]string{"sel_rank_counts", "attn_decode_g4", "attn_split_merge"}},
		{"key rope dense", attnShape{dt: ops.BF16, Tq: 1, Hq: 32, Hk: 8, S: 1000, D: 128, Dv: 128, dense: true, rope: rank},
			[]string{"attn_decode_g4", "attn_split_merge"}},
		{"empty selection", attnShape{dt: ops.BF16, Tq: 2, Hq: 2, Hk: 1, S: 0, D: 8, Dv: 8, dense: true},
			[]string{"attn_decode_g2"}},
		// three blocks per range, merged even when one range would do
		{"dual chunk", attnShape{dt: ops.BF16, Tq: 64, Hq: 28, Hk: 4, S: 300, D: 128, Dv: 128, dense: true, causal: true, rope: dca},
			[]string{"attn_decode_g8", "attn_split_merge"}},
	}
	for _, tc := range cases {
		f.scratch = nil
		ls, err := PlanAttention(f.attnArgs(tc.c), f, dev)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkLaunches(t, tc.name, ls)
		if got := kernelsOf(ls); !slices.Equal(got, tc.want) {
			t.Errorf("%s: kernels %v, want %v", tc.name, got, tc.want)
		}
		for _, l := range ls {
			if l.Kernel == "attn_prefill" {
				if l.Grid[0]*PrefillRowsPerBlock < tc.c.Tq*tc.c.Hq/tc.c.Hk || l.Grid[1] != tc.c.Hk {
					t.Errorf("%s: prefill grid %v", tc.name, l.Grid)
				}
			}
			if tc.c.rope == dca && strings.HasPrefix(l.Kernel, "attn_decode_g") && l.Grid[2]%3 != 0 {
				t.Errorf("%s: grid %v, want three blocks per range in z", tc.name, l.Grid)
			}
			if l.Kernel == "attn_split_merge" {
				splits := int(int32(l.Args[len(l.Args)-1].Bits))
				if len(f.scratch) == 0 || f.scratch[0] != tc.c.Tq*tc.c.Hq*splits*(tc.c.Dv+2)*4 {
					t.Errorf("%s: workspace %v for %d splits", tc.name, f.scratch, splits)
				}
			}
		}
	}
}

func TestPlanAttentionUnsupported(t *testing.T) {
	f := &fakeMem{}
	base := attnShape{dt: ops.BF16, Tq: 1, Hq: 8, Hk: 2, S: 100, D: 64, Dv: 64, dense: true}
	for name, mod := range map[string]func(*attnShape){
		"head dim 36":    func(c *attnShape) { c.D, c.Dv = 36, 36 },
		"value dim 300":  func(c *attnShape) { c.Dv = 300 },
		"misaligned q":   func(c *attnShape) { c.qOffset = 4 },
		"odd k stride":   func(c *attnShape) { c.kStride = 2*64 + 4 },
		"neox rope half": func(c *attnShape) { c.rope = &ops.KeyRoPE{Rotary: rotary(64, 24, ops.NeoX)} },
	} {
		c := base
		mod(&c)
		if _, err := PlanAttention(f.attnArgs(c), f, Device{SMs: 8}); !errors.Is(err, ops.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
	c := base
	c.rope = &ops.KeyRoPE{Rotary: rotary(64, 24, ops.GPTJ)}
	if _, err := PlanAttention(f.attnArgs(c), f, Device{SMs: 8}); err != nil {
		t.Errorf("GPT-J key rope with a rotary half of 12: %v", err)
	}
	bad := f.attnArgs(base)
	bad.O = f.tensor(ops.BF16, 0, 0, 1, 8, 32)
	if _, err := PlanAttention(bad, f, Device{}); !errors.Is(err, ops.ErrShape) {
		t.Errorf("mismatched o: %v, want ErrShape", err)
	}
}

func TestPlanSelection(t *testing.T) {
	f := &fakeMem{}
	dev := Device{SMs: 132}
	q := f.tensor(ops.BF16, 0, 0, 32, 128)
	k := f.tensor(ops.BF16, 0, 0, 100000, 8, 128)
	var all []Launch
	add := func(name string, ls []Launch, err error, want ...string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkLaunches(t, name, ls)
		if got := kernelsOf(ls); !slices.Equal(got, want) {
			t.Errorf("%s: kernels %v, want %v", name, got, want)
		}
		all = append(all, ls...)
	}
	ls, err := PlanScores(&ops.ScoresArgs{Q: q, K: k, Candidates: ops.Selection{Start: 10, End: 70010}, Out: f.tensor(ops.F32, 0, 0, 32, 70000)}, f, dev)
	add("scores range", ls, err, "qk_scores_g4")
	if ls[0].Grid != [3]int{ceilDiv(70000, ScoresPerBlock), 8, 1} {
		t.Errorf("scores grid %v", ls[0].Grid)
	}
	ls, err = PlanScores(&ops.ScoresArgs{Q: q, K: k, Candidates: ops.Selection{Indices: f.tensor(ops.I32, 0, 0, 5000)}, Out: f.tensor(ops.F32, 0, 0, 32, 5000)}, f, dev)
	add("scores list", ls, err, "qk_scores_g4")
	ls, err = PlanCriticality(&ops.CriticalityArgs{Scores: f.tensor(ops.F32, 0, 0, 32, 70000), Out: f.tensor(ops.F32, 0, 0, 70000)}, f, dev)
	add("criticality", ls, err, "crit_stats", "crit_vote")
	if ls[1].Smem != 8*32 {
		t.Errorf("crit_vote shared memory %d", ls[1].Smem)
	}
	ls, err = PlanCriticality(&ops.CriticalityArgs{Scores: f.tensor(ops.F32, 0, 0, 0, 70), Out: f.tensor(ops.F32, 0, 0, 70)}, f, dev)
	add("criticality without heads", ls, err, "crit_vote")
	ls, err = PlanTopK(&ops.TopKArgs{Scores: f.tensor(ops.F32, 0, 0, 4, 70000), K: 2048, Out: f.tensor(ops.I32, 0, 0, 4, 2048), Map: f.tensor(ops.I32, 0, 0, 70000)}, f, dev)
	add("topk", ls, err, "topk_radix")
	mn, mx := f.tensor(ops.F32, 0, 0, 6250, 8, 128), f.tensor(ops.F32, 0, 0, 6250, 8, 128)
	ls, err = PlanPageMeta(&ops.PageMetaArgs{K: k, PageSize: 16, From: 33, To: 100, Min: mn, Max: mx}, f, dev)
	add("page meta", ls, err, "page_meta")
	if ls[0].Grid != [3]int{5, 8, 1} { // pages 2 … 6
		t.Errorf("page meta grid %v", ls[0].Grid)
	}
	ls, err = PlanPageScores(&ops.PageScoresArgs{Q: q, Min: mn, Max: mx, Pages: 6250, Out: f.tensor(ops.F32, 0, 0, 32, 6250)}, f, dev)
	add("page scores", ls, err, "page_scores_g4")
	if ls, err := PlanTopK(&ops.TopKArgs{Scores: f.tensor(ops.F32, 0, 0, 4, 10), K: 0, Out: f.tensor(ops.I32, 0, 0, 4, 0)}, f, dev); err != nil || len(ls) != 0 {
		t.Errorf("K = 0: %v, %v", ls, err)
	}
	if len(all) == 0 {
		t.Fatal("no launches")
	}
}

func TestPlanMerge(t *testing.T) {
	f := &fakeMem{}
	o := f.tensor(ops.BF16, 0, 0, 3, 8, 64)
	a := &ops.MergeArgs{O1: o, LSE1: f.tensor(ops.F32, 0, 0, 3, 8), O2: f.tensor(ops.BF16, 0, 0, 3, 8, 64), LSE2: f.tensor(ops.F32, 0, 0, 3, 8),
		O: o, LSE: f.tensor(ops.F32, 0, 0, 3, 8)}
	ls, err := PlanMerge(a, f, Device{})
	if err != nil || len(ls) != 1 || ls[0].Grid[0] != 24 {
		t.Fatalf("PlanMerge = %v, %v", ls, err)
	}
	checkLaunches(t, "merge", ls)
}

// TestCheckArgs checks that an i32 parameter built from a value outside
// the int32 range refuses the launch, and the extremes of the range pass.
func TestCheckArgs(t *testing.T) {
	ok := Launch{Kernel: "k", Args: []Arg{I32(math.MaxInt32), I32(math.MinInt32), I32(-1), I64(1 << 40)}}
	if err := ok.CheckArgs(); err != nil {
		t.Errorf("CheckArgs(%v) = %v", ok.Args, err)
	}
	for _, v := range []int{math.MaxInt32 + 1, math.MinInt32 - 1, 1 << 40, -(1 << 62)} {
		l := Launch{Kernel: "k", Args: []Arg{Ptr(8), I32(v)}}
		if err := l.CheckArgs(); !errors.Is(err, ops.ErrUnsupported) {
			t.Errorf("CheckArgs with I32(%d) = %v, want ErrUnsupported", v, err)
		}
	}
}

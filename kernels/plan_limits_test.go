package kernels

import (
	"errors"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestPlanGeometryAtLimits plans calls whose large dimension (query
// tokens, index rows, slots, pages) passes the 65535 blocks allowed in
// grid y and z: every launch must fit the device limits, with that
// dimension in x.
func TestPlanGeometryAtLimits(t *testing.T) {
	f := &fakeMem{}
	dev := Device{SMs: 132}
	rank := &ops.KeyRoPE{Rotary: rotary(128, 128, ops.NeoX), KeyPos: ops.KeyPosRank}
	for _, tc := range []struct {
		name  string
		c     attnShape
		rows  int // sel_rank_counts rows (0: not planned)
		split bool
	}{
		// An 8192-token chunk with 8 kv heads and per-query rows: 65536
		// index rows, one more than grid y holds.
		{"per-query rank rows", attnShape{dt: ops.BF16, Tq: 8192, Hq: 32, Hk: 8, S: 100000, D: 128, Dv: 128, gran: ops.PerQuery, W: 64, rope: rank}, 8192 * 8, false},
		{"per-query rank rows ×16", attnShape{dt: ops.BF16, Tq: 1 << 17, Hq: 8, Hk: 8, S: 1000, D: 64, Dv: 64, gran: ops.PerQuery, W: 16,
			rope: &ops.KeyRoPE{Rotary: rotary(64, 64, ops.GPTJ), KeyPos: ops.KeyPosRank}}, 1 << 20, false},
		// Query tokens beyond 65535 on the gather kernel (f32 is never
		// served by the tensor-core prefill).
		{"f32 tokens", attnShape{dt: ops.F32, Tq: 70000, Hq: 4, Hk: 2, S: 5000, D: 64, Dv: 64, dense: true, causal: true}, 0, false},
		{"bf16 per-query tokens", attnShape{dt: ops.BF16, Tq: 1 << 20, Hq: 64, Hk: 8, S: 4096, D: 64, Dv: 64, gran: ops.PerQuery, W: 32}, 0, false},
		// One token over a long selection: the most splits, in z.
		{"most splits", attnShape{dt: ops.BF16, Tq: 1, Hq: 8, Hk: 1, S: 1 << 24, D: 128, Dv: 128, gran: ops.PerKVHead, W: 1 << 22, rope: rank}, 1, true},
	} {
		ls, err := PlanAttention(f.attnArgs(tc.c), f, dev)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkLaunches(t, tc.name, ls)
		var decode *Launch
		for i, l := range ls {
			switch l.Kernel {
			case "sel_rank_counts":
				if l.Grid[0] != tc.rows || tc.rows <= MaxGridYZ && tc.rows > 1 {
					t.Errorf("%s: sel_rank_counts grid %v, want %d rows in x", tc.name, l.Grid, tc.rows)
				}
			case "attn_split_merge":
				if l.Grid[0] != tc.c.Tq*tc.c.Hq {
					t.Errorf("%s: merge grid %v", tc.name, l.Grid)
				}
			default:
				decode = &ls[i]
			}
		}
		if decode == nil || decode.Grid[0] != tc.c.Tq {
			t.Fatalf("%s: launches %v: want attn_decode with the %d tokens in x", tc.name, ls, tc.c.Tq)
		}
		splits := decode.Grid[2]
		if tc.split != (splits > 1) || splits > MaxSplits || (tc.rows > 0) != (ls[0].Kernel == "sel_rank_counts") {
			t.Errorf("%s: %v", tc.name, ls)
		}
		if tc.rows > 0 && ls[0].Grid[1] != splits {
			t.Errorf("%s: sel_rank_counts grid %v for %d splits", tc.name, ls[0].Grid, splits)
		}
	}
	// Selection and RoPE at sizes whose count passes 65535 in x.
	q := f.tensor(ops.BF16, 0, 0, 64, 128)
	S := 1 << 24
	k := f.tensor(ops.BF16, 0, 0, S, 8, 128)
	var all []Launch
	add := func(name string, ls []Launch, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkLaunches(t, name, ls)
		all = append(all, ls...)
	}
	ls, err := PlanScores(&ops.ScoresArgs{Q: q, K: k, Out: f.tensor(ops.F32, 0, 0, 64, S)}, f, dev)
	add("scores", ls, err)
	ls, err = PlanCriticality(&ops.CriticalityArgs{Scores: f.tensor(ops.F32, 0, 0, 64, S), Out: f.tensor(ops.F32, 0, 0, S)}, f, dev)
	add("criticality", ls, err)
	ls, err = PlanTopK(&ops.TopKArgs{Scores: f.tensor(ops.F32, 0, 0, 1<<17, 64), K: 8, Out: f.tensor(ops.I32, 0, 0, 1<<17, 8)}, f, dev)
	add("topk rows", ls, err)
	pages := S / 16
	mn, mx := f.tensor(ops.F32, 0, 0, pages, 8, 128), f.tensor(ops.F32, 0, 0, pages, 8, 128)
	ls, err = PlanPageMeta(&ops.PageMetaArgs{K: k, PageSize: 16, From: 0, To: S, Min: mn, Max: mx}, f, dev)
	add("page meta", ls, err)
	ls, err = PlanPageScores(&ops.PageScoresArgs{Q: q, Min: mn, Max: mx, Pages: pages, Out: f.tensor(ops.F32, 0, 0, 64, pages)}, f, dev)
	add("page scores", ls, err)
	T := 1 << 20
	ls, err = PlanRoPE(&ops.RoPEArgs{Q: f.tensor(ops.BF16, 0, 0, T, 32, 128), K: f.tensor(ops.BF16, 0, 0, T, 8, 128),
		Positions: f.tensor(ops.I32, 0, 0, T), Rotary: rotary(128, 128, ops.NeoX)}, f, dev)
	add("rope", ls, err)
	big := 0
	for _, l := range all {
		if l.Grid[0] > MaxGridYZ {
			big++
		}
	}
	if big < 5 {
		t.Errorf("only %d launches pass 65535 blocks in x: the sizes do not reach the limit", big)
	}
}

// TestCheckGrid: the device limits, one past each.
func TestCheckGrid(t *testing.T) {
	ok := Launch{Kernel: "k", Grid: [3]int{MaxGridX, MaxGridYZ, MaxGridYZ}, Block: [3]int{MaxBlockThreads, 1, 1}}
	if err := ok.CheckGrid(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2][3]int{
		{{MaxGridX + 1, 1, 1}, {1, 1, 1}},
		{{1, MaxGridYZ + 1, 1}, {1, 1, 1}},
		{{1, 1, MaxGridYZ + 1}, {1, 1, 1}},
		{{0, 1, 1}, {1, 1, 1}},
		{{1, 1, 1}, {MaxBlockThreads + 1, 1, 1}},
		{{1, 1, 1}, {1, 1, 65}},
		{{1, 1, 1}, {0, 1, 1}},
	} {
		l := Launch{Kernel: "k", Grid: bad[0], Block: bad[1]}
		if err := l.CheckGrid(); !errors.Is(err, ops.ErrUnsupported) {
			t.Errorf("grid %v block %v: %v, want ErrUnsupported", bad[0], bad[1], err)
		}
	}
}

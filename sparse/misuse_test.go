package sparse

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// TestNilBackend checks that every constructor refuses a nil backend.
func TestNilBackend(t *testing.T) {
	p := randomProblem(1, 64, 4, 2, 8)
	rot, err := ops.DefaultRoPE(8, 1e4)
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"tokenselect": second(NewTokenSelect(nil, TokenSelectConfig{Budget: 4})),
		"quest":       second(NewQuest(nil, QuestConfig{PageSize: 4, Budget: 8})),
		"window":      second(NewWindow(nil, WindowConfig{Window: 4})),
		"lminfinite":  second(NewLMInfinite(nil, LMInfiniteConfig{WindowConfig: WindowConfig{Window: 4}, Rotary: rot})),
		"squeezed":    second(NewSqueezed(nil, p.ctx(), SqueezedConfig{Clusters: 4, Budget: 8})),
	} {
		if !errors.Is(err, ops.ErrConfig) {
			t.Errorf("%s with a nil backend: %v, want ErrConfig", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestPolicyNaNQuery checks that the policies that read the query refuse
// one holding a NaN or an infinity with ErrRange naming its first such
// element, instead of returning the selection the other heads vote for;
// the window policies, which do not read the query, still select.
func TestPolicyNaNQuery(t *testing.T) {
	b := fallback.New()
	p := randomProblem(2, 256, 8, 2, 16)
	keys := append([]float32(nil), p.K...)
	ts, _ := NewTokenSelect(b, TokenSelectConfig{Budget: 16, Sink: 2, Local: 4})
	tsNoCache, _ := NewTokenSelect(b, TokenSelectConfig{Budget: 16, NoCache: true, Granularity: ops.PerKVHead})
	quest, _ := NewQuest(b, QuestConfig{PageSize: 8, Budget: 32})
	questMHA, _ := NewQuest(b, QuestConfig{PageSize: 8, Budget: 32})
	sq, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 8, Budget: 64})
	if err != nil {
		t.Fatal(err)
	}
	win, _ := NewWindow(b, WindowConfig{Sink: 2, Window: 8})
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		for _, c := range []struct {
			name string
			pol  Policy
			hq   int
		}{{"tokenselect", ts, 8}, {"tokenselect nocache", tsNoCache, 8}, {"quest", quest, 8}, {"quest mha", questMHA, 2},
			{"squeezed", sq, 8}, {"window", win, 8}} {
			q := append([]float32(nil), p.Q[:c.hq*p.D]...)
			// A clean step first (the cached selection must not hide the bad one).
			if _, err := c.pol.Select(fallback.WrapF32(q, c.hq, p.D), p.ctx()); err != nil {
				t.Fatalf("%s: clean query: %v", c.name, err)
			}
			q[p.D+3] = bad
			_, err := c.pol.Select(fallback.WrapF32(q, c.hq, p.D), p.ctx())
			if c.pol == win {
				if err != nil {
					t.Errorf("window with a %v query: %v", bad, err)
				}
				continue
			}
			var ae *ops.ArgError
			if !errors.As(err, &ae) || !errors.Is(err, ops.ErrRange) || ae.Arg != fmt.Sprintf("q[%d]", p.D+3) {
				t.Errorf("%s with q[%d] = %v: %v, want ErrRange naming q[%d]", c.name, p.D+3, bad, err, p.D+3)
			}
		}
	}
	if !slices.Equal(keys, p.K) {
		t.Fatal("the keys changed")
	}
}

// TestPolicyWidthBoundedByPool checks that a budget far beyond the pool
// (10^8 tokens over 16 slots) allocates rows of the pool's width, not of
// the budget, and still selects the whole context; and that counts past
// 2^48, whose sums could overflow, are refused.
func TestPolicyWidthBoundedByPool(t *testing.T) {
	b := fallback.New()
	p := randomProblem(3, 16, 4, 2, 8)
	const huge = 100_000_000
	ts, _ := NewTokenSelect(b, TokenSelectConfig{Budget: huge, Sink: huge, Local: huge})
	quest, _ := NewQuest(b, QuestConfig{PageSize: 4, Budget: huge})
	win, _ := NewWindow(b, WindowConfig{Sink: huge, Window: huge})
	sq, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 4, Budget: huge})
	if err != nil {
		t.Fatal(err)
	}
	for name, pol := range map[string]Policy{"tokenselect": ts, "quest": quest, "window": win, "squeezed": sq} {
		sel, err := pol.Select(p.q(), p.ctx())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w := sel.Indices.Shape[sel.Indices.Rank()-1]; w != p.S {
			t.Errorf("%s: rows of width %d, want the pool's %d slots", name, w, p.S)
		}
		idx := make([]int32, sel.Indices.Len())
		if err := b.Read(ops.Bytes(idx), sel.Indices); err != nil {
			t.Fatal(err)
		}
		for r := 0; r < len(idx); r += p.S {
			if !slices.Equal(idx[r:r+p.S], seq32(p.S)) {
				t.Errorf("%s: row %v, want every slot in order", name, idx[r:r+p.S])
			}
		}
	}
	for name, err := range map[string]error{
		"tokenselect": second(NewTokenSelect(b, TokenSelectConfig{Budget: math.MaxInt, Local: math.MaxInt})),
		"quest":       second(NewQuest(b, QuestConfig{PageSize: 1, Budget: math.MaxInt})),
		"window":      second(NewWindow(b, WindowConfig{Sink: math.MaxInt, Window: math.MaxInt})),
	} {
		if !errors.Is(err, ops.ErrRange) {
			t.Errorf("%s with counts of MaxInt: %v, want ErrRange", name, err)
		}
	}
	// A context whose start and length overflow together.
	ctx := p.ctx()
	ctx.Start, ctx.Len = math.MaxInt, 2
	if _, err := win.Select(nil, ctx); !errors.Is(err, ops.ErrRange) {
		t.Errorf("ctx.start + ctx.len overflowing: %v, want ErrRange", err)
	}
}

func seq32(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// TestQuestAnotherPool pins the documented behaviour of a Quest policy
// moved to another pool of the same layout: without Reset it keeps the
// first pool's page bounds (its selection is the first pool's), after
// Reset it selects as a new policy on the second pool does.
func TestQuestAnotherPool(t *testing.T) {
	b := fallback.New()
	pa, pb := randomProblem(4, 256, 4, 4, 16), randomProblem(5, 256, 4, 4, 16)
	pb.Q = pa.Q // one query: only the pools differ
	cfg := QuestConfig{PageSize: 8, Budget: 32}
	read := func(pol *Quest, p *problem) []int32 {
		t.Helper()
		sel, err := pol.Select(pa.q(), p.ctx())
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int32, sel.Indices.Len())
		if err := b.Read(ops.Bytes(idx), sel.Indices); err != nil {
			t.Fatal(err)
		}
		return idx
	}
	fresh := func(p *problem) []int32 {
		pol, _ := NewQuest(b, cfg)
		return read(pol, p)
	}
	onA, onB := fresh(pa), fresh(pb)
	if slices.Equal(onA, onB) {
		t.Fatal("the two pools select alike: the test shows nothing")
	}
	pol, _ := NewQuest(b, cfg)
	read(pol, pa)
	if got := read(pol, pb); !slices.Equal(got, onA) {
		t.Errorf("without Reset on another pool: %v, want the first pool's selection %v (documented)", got, onA)
	}
	pol.Reset()
	if got := read(pol, pb); !slices.Equal(got, onB) {
		t.Errorf("after Reset: %v, want the second pool's selection %v", got, onB)
	}
}

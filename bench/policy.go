package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/sparse"
)

func init() { Register("policy", benchPolicy) }

// Policy step rows, per model: one decode step — the policy's Select,
// then the attention over the slots it selected, timed from cold caches
// (Ctx.TimeCold) — for every policy of policyKinds, over bf16 pools of
// 32k and 128k slots (32k only when Quick) at budgets of 1/16 and 1/64 of
// the pool. Each pool's dense
// decode over all its slots is measured first, in the same run, and
// every step row's ratio_to_naive is its speed-up over it. A row's
// traffic is its selection's primitives (see policyKind.selection) plus
// the attention over the slots actually selected, read in order for a
// window and gathered otherwise.
var (
	policySlots      = []int{32 << 10, 128 << 10}
	policySlotsQuick = []int{32 << 10}
	policyBudgets    = []int{16, 64} // the budget is 1/16 and 1/64 of the pool
)

// policyKind is one policy of the step rows.
type policyKind struct {
	name string
	// perKVHead: the selection names slots per kv head, so the attention
	// gathers rows of one kv head (D elements); else rows of all kv heads
	// of a slot.
	perKVHead bool
	// inOrder: the selection is a few runs of consecutive slots, read in
	// order.
	inOrder bool
	// build returns the policy for the pool ctx at a budget of B slots
	// and a note on its configuration.
	build func(b ops.Backend, ctx sparse.Context, B int, quick bool) (sparse.Policy, string, error)
	// selection returns the traffic of one Select over S slots at budget
	// B (model shape Hq, Hk, D).
	selection func(S, B, Hq, Hk, D int) Result
	// check, when set, verifies after timing that the steps took the
	// path the row names.
	check func(p sparse.Policy) error
}

// tokenSelectSplit divides a budget of B slots as TokenSelect spends it:
// the sink first tokens (B/16, at most 128), the local last tokens (B/8,
// at most 512) and the rest voted.
func tokenSelectSplit(B int) (sink, local, vote int) {
	sink, local = min(128, B/16), min(512, B/8)
	return sink, local, B - sink - local
}

// tokenSelect builds a TokenSelect policy with per-request votes, the
// selection cache on (cache) or off.
func tokenSelect(cache bool) func(ops.Backend, sparse.Context, int, bool) (sparse.Policy, string, error) {
	return func(b ops.Backend, _ sparse.Context, B int, _ bool) (sparse.Policy, string, error) {
		sink, local, vote := tokenSelectSplit(B)
		p, err := sparse.NewTokenSelect(b, sparse.TokenSelectConfig{Budget: vote, Sink: sink, Local: local, NoCache: !cache})
		return p, fmt.Sprintf("sink %d, local %d, %d voted", sink, local, vote), err
	}
}

// squeezedClusters is the number of k-means clusters per kv head of the
// Squeezed rows for a context of n tokens: one per 256 tokens.
func squeezedClusters(n int) int { return max(1, n/256) }

// policyKinds are the policies of the step rows.
var policyKinds = []policyKind{
	{
		// Every step scores all candidates: Scores, the soft vote, TopK.
		name:  "tokenselect-miss",
		build: tokenSelect(false),
		selection: func(S, B, Hq, Hk, D int) Result {
			sink, local, vote := tokenSelectSplit(B)
			n := S - sink - local
			return addTraffic(addTraffic(scoresTraffic(n, Hq, Hk, D), criticalityTraffic(n, Hq, 1)), topKTraffic(n, 1, vote))
		},
		check: func(p sparse.Policy) error {
			if s := p.(*sparse.TokenSelect).Stats(); s.Hits != 0 {
				return fmt.Errorf("%d selection cache hits with the cache off", s.Hits)
			}
			return nil
		},
	},
	{
		// The query repeats, so every step after the first reuses the
		// vote: Select only compares the query with the cached one.
		name:      "tokenselect-hit",
		build:     tokenSelect(true),
		selection: func(S, B, Hq, Hk, D int) Result { return Result{} },
		check: func(p sparse.Policy) error {
			if s := p.(*sparse.TokenSelect).Stats(); s.Misses != 1 || s.Hits == 0 {
				return fmt.Errorf("selection cache: %d hits, %d misses; want every step but the first to hit", s.Hits, s.Misses)
			}
			return nil
		},
	},
	{
		// Page bounds scored with PageScores, soft-voted per kv head
		// (GQA), TopK of pages; the metadata is built once, before timing.
		name:      "quest",
		perKVHead: true,
		build: func(b ops.Backend, _ sparse.Context, B int, _ bool) (sparse.Policy, string, error) {
			p, err := sparse.NewQuest(b, sparse.QuestConfig{PageSize: selectPageSize, Budget: B})
			return p, fmt.Sprintf("pages of %d slots", selectPageSize), err
		},
		selection: func(S, B, Hq, Hk, D int) Result {
			np, k := ops.PageCount(S, selectPageSize)-1, B/selectPageSize-1 // the newest page is always kept
			r := pageScoresTraffic(np, Hq, Hk, D)
			if Hq > Hk {
				r = addTraffic(r, criticalityTraffic(np, Hq, Hk))
			}
			return addTraffic(r, topKTraffic(np, Hk, k))
		},
	},
	{
		// Centroids scored with Scores, clusters expanded on the host;
		// the k-means runs once, before timing.
		name:      "squeezed",
		perKVHead: true,
		build: func(b ops.Backend, ctx sparse.Context, B int, quick bool) (sparse.Policy, string, error) {
			local := min(512, B/8)
			iters := 4
			if quick {
				iters = 2
			}
			c := squeezedClusters(ctx.Len - local)
			start := time.Now()
			p, err := sparse.NewSqueezed(b, ctx, sparse.SqueezedConfig{Clusters: c, Budget: B - local, Local: local, MaxIter: iters, Seed: 1})
			return p, fmt.Sprintf("%d clusters per kv head (k-means, %d rounds at most: %.1f s before timing), local %d",
				c, iters, time.Since(start).Seconds(), local), err
		},
		selection: func(S, B, Hq, Hk, D int) Result {
			return scoresTraffic(squeezedClusters(S-min(512, B/8)), Hq, Hk, D)
		},
	},
	{
		// StreamingLLM: the first 4 tokens and the last B-4, no scoring.
		name:    "streamingllm",
		inOrder: true,
		build: func(b ops.Backend, _ sparse.Context, B int, _ bool) (sparse.Policy, string, error) {
			p, err := sparse.NewWindow(b, sparse.WindowConfig{Sink: 4, Window: B - 4})
			return p, "sink 4", err
		},
		selection: func(S, B, Hq, Hk, D int) Result { return Result{} },
	},
}

func benchPolicy(c *Ctx) ([]Result, error) {
	slots := policySlots
	if c.Quick {
		slots = policySlotsQuick
	}
	var rows []Result
	for _, m := range c.Models() {
		for _, S := range slots {
			r, err := policyPool(c, m, S)
			rows = append(rows, r...)
			if err != nil {
				return rows, err
			}
		}
	}
	return rows, nil
}

// policyPool measures dense decode and every policy step over a pool of
// S slots of model m.
func policyPool(c *Ctx, m Model, S int) ([]Result, error) {
	b := c.Backend
	pool, err := newAttendPool(b, m, S)
	if err != nil {
		return nil, fmt.Errorf("policy %s: pool: %w", m.Name, err)
	}
	defer pool.free(b)
	S = pool.slots
	rng := rand.New(rand.NewPCG(uint64(S), uint64(m.QHeads)))
	dense, err := attendRow(c, m, pool, rng, 1, 0)
	if err != nil {
		return nil, err
	}
	dense.Op = "policy"
	dense.Shape = fmt.Sprintf("policy=dense S=%d Hq=%d Hk=%d D=%d", S, m.QHeads, m.KVHeads, m.HeadDim)
	if !dense.Skipped {
		dense.Notes = "decode over every slot of the pool: the step rows' baseline" + pool.note
	}
	rows := []Result{c.Finish(dense)}
	for _, div := range policyBudgets {
		for _, k := range policyKinds {
			r, err := policyRow(c, m, pool, rng, k, S/div)
			if err != nil {
				return rows, err
			}
			if !dense.Skipped && !r.Skipped {
				r.NaiveSeconds = dense.Seconds
			}
			r.Notes += pool.note
			rows = append(rows, c.Finish(r))
		}
	}
	return rows, nil
}

// policyStep is one policy's decode step over a pool, ready to run.
type policyStep struct {
	b    ops.Backend
	kind policyKind
	pol  sparse.Policy
	ctx  sparse.Context
	q    *ops.Tensor
	args *ops.AttentionArgs
	ts   *tensorSet
	note string // the policy's configuration
}

// newPolicyStep builds policy k at a budget of B slots over pool for
// model m, with a random query drawn from rng. A backend that cannot run
// the policy returns an ErrUnsupported error.
func newPolicyStep(b ops.Backend, m Model, pool *attendPool, rng *rand.Rand, k policyKind, B int, quick bool) (*policyStep, error) {
	Hq, D := m.QHeads, m.HeadDim
	s := &policyStep{b: b, kind: k, ts: &tensorSet{b: b}, ctx: sparse.Context{K: pool.k, Len: pool.slots}}
	qh := make([]uint16, Hq*D)
	for i := range qh {
		qh[i] = uint16(rng.Uint32())&0x807f | 0x3f00
	}
	var err error
	if s.q, err = s.ts.upload(ops.BF16, ops.Bytes(qh), 1, Hq, D); err != nil {
		s.free()
		return nil, err
	}
	s.args = &ops.AttentionArgs{Q: s.q, K: pool.k, V: pool.v}
	if s.args.O, err = s.ts.alloc(ops.BF16, 1, Hq, D); err != nil {
		s.free()
		return nil, err
	}
	if s.args.LSE, err = s.ts.alloc(ops.F32, 1, Hq); err != nil {
		s.free()
		return nil, err
	}
	if s.pol, s.note, err = k.build(b, s.ctx, B, quick); err != nil {
		s.free()
		return nil, err
	}
	return s, nil
}

// step runs one decode step: Select, then Attention over the selection.
func (s *policyStep) step() error {
	sel, err := s.pol.Select(s.q, s.ctx)
	if err != nil {
		return err
	}
	s.args.Sel = sel
	return s.b.Attention(s.args)
}

// traffic returns the traffic of the last step (model m, budget B): the
// selection's primitives, then the attention over the slots the last
// selection named; and that number of slots per kv head.
func (s *policyStep) traffic(m Model, B int) (Result, int, error) {
	Hq, Hk, D := m.QHeads, m.KVHeads, m.HeadDim
	n, err := selectedSlots(s.b, s.args.Sel)
	if err != nil {
		return Result{}, 0, err
	}
	t := addTraffic(s.kind.selection(s.ctx.Len, B, Hq, Hk, D), attendTraffic(1, Hq, Hk, D, n, s.kind.inOrder))
	if s.kind.perKVHead && t.GatherBytes > 0 {
		t.GatherRowBytes = D * ops.BF16.Size()
	}
	return t, n, nil
}

// free releases the step's tensors.
func (s *policyStep) free() { s.ts.free() }

// policyRow measures decode steps of policy k at a budget of B slots
// over pool.
func policyRow(c *Ctx, m Model, pool *attendPool, rng *rand.Rand, k policyKind, B int) (Result, error) {
	r := Result{Op: "policy", Model: m.Name, DType: ops.BF16.String(),
		Shape: fmt.Sprintf("policy=%s S=%d budget=1/%d B=%d Hq=%d Hk=%d D=%d", k.name, pool.slots, pool.slots/B, B, m.QHeads, m.KVHeads, m.HeadDim)}
	fail := func(err error) (Result, error) {
		if errors.Is(err, ops.ErrUnsupported) {
			r.Skipped, r.Notes = true, err.Error()
			return r, nil
		}
		return r, fmt.Errorf("policy %s %s: %w", m.Name, r.Shape, err)
	}
	s, err := newPolicyStep(c.Backend, m, pool, rng, k, B, c.Quick)
	if err != nil {
		return fail(err)
	}
	defer s.free()
	tm, err := c.TimeCold(s.step)
	if err != nil {
		return fail(err)
	}
	if k.check != nil {
		if err := k.check(s.pol); err != nil {
			return fail(err)
		}
	}
	t, n, err := s.traffic(m, B)
	if err != nil {
		return fail(err)
	}
	t.Op, t.Model, t.DType, t.Shape = r.Op, r.Model, r.DType, r.Shape
	t.Seconds, t.MedianSeconds, t.Calls = tm.Seconds(), tm.Median.Seconds(), tm.Calls
	t.Notes = fmt.Sprintf("select + attend, %d slots attended per kv head; %s; naive = dense decode over the pool (ratio_to_naive = speed-up)", n, s.note)
	return t, nil
}

// selectedSlots returns the number of slots a selection names per kv
// head: its non-padding entries, averaged over its rows (rounded down).
func selectedSlots(b ops.Backend, sel ops.Selection) (int, error) {
	if sel.Indices == nil {
		return sel.End - sel.Start, nil
	}
	idx := make([]int32, sel.Indices.Len())
	if err := b.Read(ops.Bytes(idx), sel.Indices); err != nil {
		return 0, err
	}
	rows := 1
	if sel.Indices.Rank() == 2 {
		rows = sel.Indices.Shape[0]
	}
	n := 0
	for _, s := range idx {
		if s >= 0 {
			n++
		}
	}
	return n / rows, nil
}

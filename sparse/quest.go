package sparse

import (
	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// QuestConfig configures a Quest policy.
type QuestConfig struct {
	// PageSize is P, the number of consecutive slots per page (16 in the
	// paper).
	PageSize int
	// Budget is the token budget; Budget/PageSize pages are attended,
	// the page holding the newest token among them.
	Budget int
	// Scale multiplies the page upper bounds; 0 means 1/sqrt(D). It
	// matters only for grouped heads, whose bounds are soft-voted.
	Scale float32
}

// Quest is the Quest policy (query-aware page selection): per page of
// PageSize slots and per kv head, the element-wise minimum and maximum of
// the page's keys, kept up to date incrementally as slots are appended;
// per query head an upper bound of q·k over each page; the pages with the
// largest bounds, always including the page of the newest token; expanded
// to the page's slots.
//
// Selections are per kv head, [Hk, W] with W = (Budget/PageSize)*PageSize
// (or the pool's slot count, when that is smaller), slots ascending, -1
// padded. With grouped-query attention the bounds of a
// group's query heads are combined by a soft vote (a softmax over pages
// per head, summed over the group) before the top-k; with one query head
// per kv head this is exactly Quest's per-head top-k.
//
// Pages are aligned to the pool (page p covers slots [pP, (p+1)P)), so the
// context must be a slot range (Slots nil). A context that does not start
// on a page boundary shares its first page's bound with the slots before
// it, which loosens the bound but never drops a token.
//
// The page metadata belongs to one pool: it is kept from step to step for
// pools of the same dtype, shape, stride and offset, not for one buffer,
// so that an engine may wrap its pool anew on every step. Using a policy
// on another pool of the same layout therefore needs Reset first:
// without it, pages already described keep the first pool's bounds.
//
// A query holding a NaN or an infinity fails with ErrRange naming the
// element (its heads' bounds would be NaN and its pages never chosen).
// The query is read to the host for that check after the page indices,
// which Select reads anyway, so it costs one small copy and no extra
// wait.
//
// A step's cost is the page bounds of every page (Backend.PageScores
// reads 2·pages·Hk·D float32 once), the soft vote and top-k of pages,
// and the attention over the chosen pages. That attention reads, per kv
// head, runs of PageSize rows of D elements one slot record apart, so
// on a CPU it costs more than a per-request selection of as many slots,
// whose rows are whole slot records.
type Quest struct {
	b      ops.Backend
	cfg    QuestConfig
	pages  int // Budget / PageSize
	out    rows
	min    *ops.Tensor // F32 [ceil(S/P), Hk, D]
	max    *ops.Tensor
	pool   *ops.Tensor // the K the metadata describes
	metaTo int         // metadata covers slots [.., metaTo) of pool
	bound  scratch     // F32 [Hq, pages]
	crit   scratch     // F32 [Hk, pages]
	top    scratch     // I32 [Hk, pages-1]
	step   questStep
}

// questStep is the per-step state Select reuses from step to step: the
// views and argument blocks handed to the backend and the host copies,
// so that a warm step allocates nothing (fresh host memory would cost
// page faults on every step).
type questStep struct {
	q, min, max, bound, votes, ids ops.Tensor
	vin, vout                      ops.Tensor // one group's bounds and votes
	scores                         ops.PageScoresArgs
	vote                           ops.CriticalityArgs
	topk                           ops.TopKArgs
	top, qh                        hostBuf
	host                           []int32 // [Hk, W]: the selection, expanded
}

// NewQuest returns a Quest policy on backend b (not nil). PageSize must be
// ≥ 1 and Budget in [PageSize, 2^48]; errors wrap ops.ErrRange or
// ops.ErrConfig.
func NewQuest(b ops.Backend, cfg QuestConfig) (*Quest, error) {
	if err := checkBackend(b); err != nil {
		return nil, err
	}
	if err := checkCount("budget", cfg.Budget); err != nil {
		return nil, err
	}
	if cfg.PageSize <= 0 {
		return nil, ops.Errorf(ops.ErrRange, "page_size", cfg.PageSize, "want ≥ 1")
	}
	if cfg.Budget < cfg.PageSize {
		return nil, ops.Errorf(ops.ErrRange, "budget", cfg.Budget, "want ≥ page size %d (at least one page)", cfg.PageSize)
	}
	if err := checkScale(cfg.Scale); err != nil {
		return nil, err
	}
	return &Quest{b: b, cfg: cfg, pages: cfg.Budget / cfg.PageSize,
		bound: scratch{dt: ops.F32}, crit: scratch{dt: ops.F32}, top: scratch{dt: ops.I32}}, nil
}

// Width returns the width of every selection row.
func (p *Quest) Width() int { return p.pages * p.cfg.PageSize }

// Reset forgets the page metadata; the next Update or Select rebuilds it.
// Call it for a new request, a new pool, or when slots below the last
// update were rewritten: the metadata is kept per pool layout, not per
// buffer, so that engines may wrap the same pool anew on every step.
func (p *Quest) Reset() { p.metaTo = 0 }

// Update brings the page metadata up to date for the tokens of ctx: the
// pages touched by slots appended since the last update are recomputed
// with Backend.PageMeta. Select calls it; engines may call it when they
// append slots.
func (p *Quest) Update(ctx Context) error {
	if _, _, err := ctx.check(p.b.Name()); err != nil {
		return err
	}
	if ctx.Slots != nil {
		return ops.Errorf(ops.ErrUnsupported, "ctx.slots", ctx.Slots, "quest pages need a slot range")
	}
	return p.update(&ctx)
}

func (p *Quest) update(ctx *Context) error {
	b, k := p.b, ctx.K
	if p.pool == nil || !sameLayout(p.pool, k) {
		s, hk, d := k.Shape[0], k.Shape[1], k.Shape[2]
		pages := (s + p.cfg.PageSize - 1) / p.cfg.PageSize
		for _, t := range []*ops.Tensor{p.min, p.max} {
			if t != nil {
				if err := b.Free(t); err != nil {
					return err
				}
			}
		}
		p.min, p.max, p.pool = nil, nil, nil
		var err error
		if p.min, err = b.Alloc(ops.F32, pages, hk, d); err != nil {
			return err
		}
		if p.max, err = b.Alloc(ops.F32, pages, hk, d); err != nil {
			return err
		}
		p.pool, p.metaTo = k, 0
	}
	end := ctx.Start + ctx.Len
	if end <= p.metaTo {
		return nil
	}
	from := max(p.metaTo, ctx.Start)
	// A page is recomputed from all its slots below end, so starting at
	// the page boundary of the first new slot loses nothing.
	if err := b.PageMeta(&ops.PageMetaArgs{K: k, PageSize: p.cfg.PageSize, From: from, To: end, Min: p.min, Max: p.max}); err != nil {
		return err
	}
	p.metaTo = end
	return nil
}

// Select updates the page metadata and returns the per-kv-head selection
// of the best pages of ctx for query q ([Hq, D] or [1, Hq, D]). The
// selection's tensor belongs to p and is overwritten by the next call.
// A warm step (same pool layout, no new pages to describe) allocates
// nothing.
func (p *Quest) Select(q *ops.Tensor, ctx Context) (ops.Selection, error) {
	b, ps, st := p.b, p.cfg.PageSize, &p.step
	hk, d, err := ctx.check(b.Name())
	if err != nil {
		return ops.Selection{}, err
	}
	if ctx.Slots != nil {
		return ops.Selection{}, ops.Errorf(ops.ErrUnsupported, "ctx.slots", ctx.Slots, "quest pages need a slot range")
	}
	if q, err = queryViewIn(q, b.Name(), hk, d, &st.q); err != nil {
		return ops.Selection{}, err
	}
	w := rowWidth(p.Width(), &ctx)
	if _, err := p.out.ensure(b, hk, w); err != nil {
		return ops.Selection{}, err
	}
	first, end := ctx.Start, ctx.Start+ctx.Len
	p0, p1 := first/ps, (end+ps-1)/ps // the context's pages [p0, p1)
	st.host = grow.Slice(st.host, hk*w)
	if ctx.Len == 0 || p1-p0 <= p.pages {
		for h := range hk {
			row := st.host[h*w : h*w : (h+1)*w]
			for s := first; s < end; s++ {
				row = append(row, int32(s))
			}
			padRow(row, w)
		}
		return p.out.selection(ops.PerKVHead), p.out.write(b, st.host)
	}
	if err := p.update(&ctx); err != nil {
		return ops.Selection{}, err
	}
	// Score every page but the newest, which is always kept.
	np, k := p1-1-p0, p.pages-1
	var top []int32
	if k > 0 {
		if top, err = p.best(q, p0, np, k); err != nil {
			return ops.Selection{}, err
		}
	}
	for h := range hk {
		row := st.host[h*w : h*w : (h+1)*w]
		for _, pg := range top[h*k : h*k+k] {
			if pg >= 0 && int(pg) < np { // -1: fewer pages than k had a score
				row = appendPage(row, p0+int(pg), ps, first, end)
			}
		}
		row = appendPage(row, p1-1, ps, first, end)
		padRow(row, w)
	}
	return p.out.selection(ops.PerKVHead), p.out.write(b, st.host)
}

// best returns on the host, per kv head, the k pages (relative to p0,
// ascending) of the np pages from p0 with the largest bounds for q
// (soft-voted over each group of query heads), and checks the query.
func (p *Quest) best(q *ops.Tensor, p0, np, k int) ([]int32, error) {
	b, st := p.b, &p.step
	hq, hk, d := q.Shape[0], p.min.Shape[1], p.min.Shape[2]
	bound, err := p.bound.grow(b, hq*np)
	if err != nil {
		return nil, err
	}
	off := p0 * hk * d
	st.scores = ops.PageScoresArgs{Q: q, Min: setView(&st.min, p.min, off, 0, np, hk, d), Max: setView(&st.max, p.max, off, 0, np, hk, d),
		Pages: np, Out: setView(&st.bound, bound, 0, 0, hq, np), Scale: p.cfg.Scale}
	if err := b.PageScores(&st.scores); err != nil {
		return nil, err
	}
	votes := &st.bound
	if g := hq / hk; g > 1 {
		crit, err := p.crit.grow(b, hk*np)
		if err != nil {
			return nil, err
		}
		votes = setView(&st.votes, crit, 0, 0, hk, np)
		for h := range hk {
			st.vote = ops.CriticalityArgs{Scores: setView(&st.vin, &st.bound, h*g*np, 0, g, np), Out: setView(&st.vout, votes, h*np, 0, np)}
			if err := b.Criticality(&st.vote); err != nil {
				return nil, err
			}
		}
	}
	ids, err := p.top.grow(b, hk*k)
	if err != nil {
		return nil, err
	}
	st.topk = ops.TopKArgs{Scores: votes, K: k, Out: setView(&st.ids, ids, 0, 0, hk, k)}
	if err := b.TopK(&st.topk); err != nil {
		return nil, err
	}
	top, err := st.top.ints(b, &st.ids)
	if err != nil {
		return nil, err
	}
	qh, err := st.qh.floats(b, q)
	if err != nil {
		return nil, err
	}
	return top, checkQuery(qh)
}

// padRow fills row's spare capacity up to w entries with -1.
func padRow(row []int32, w int) {
	pad := row[len(row):w]
	for i := range pad {
		pad[i] = -1
	}
}

// appendPage appends the slots of page pg that lie in [first, end).
func appendPage(row []int32, pg, ps, first, end int) []int32 {
	for s := max(pg*ps, first); s < min((pg+1)*ps, end); s++ {
		row = append(row, int32(s))
	}
	return row
}

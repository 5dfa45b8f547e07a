package sparse

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// TokenSelectConfig configures a TokenSelect policy.
type TokenSelectConfig struct {
	// Budget is k, the number of tokens chosen by the head soft vote, on
	// top of the sink and local tokens.
	Budget int
	// Sink is the number of first tokens always kept.
	Sink int
	// Local is the number of last tokens always kept.
	Local int
	// Granularity is PerRequest (one vote over every query head, shared
	// by all heads, as in the paper) or PerKVHead (one vote per kv head
	// over the query heads of its group).
	Granularity ops.Granularity
	// Scale multiplies q·k before the per-head softmax; 0 means
	// 1/sqrt(D), the attention's own temperature. The paper's released
	// code votes on plain dot products, which Scale 1 reproduces.
	Scale float32
	// Theta is the Selection Cache's cosine-similarity threshold in
	// [-1, 1]; 0 means DefaultTheta.
	Theta float64
	// NoCache turns the Selection Cache off: every step votes.
	NoCache bool
}

// TokenSelect is the TokenSelect policy: per-head q·k scores over the
// candidate tokens (all but the Sink first and Local last), a softmax per
// head summed over heads (the soft vote), the Budget highest-voted
// tokens, and the union with the sink and local tokens. A Selection Cache
// reuses the previous vote while consecutive queries stay similar.
//
// Query head h is scored against kv head h/(Hq/Hk), the mapping the
// attention op uses.
//
// Rows have the fixed width Sink+Budget+Local (or the pool's slot count,
// when that is smaller) and hold slots in token order: the sink tokens,
// the voted tokens in ascending token order, then the local tokens. A
// context of at most that many tokens is selected whole, padded with -1
// at the end. Candidates whose votes are NaN are never chosen; if fewer
// than Budget remain, the voted part ends in -1.
//
// A query holding a NaN or an infinity fails with ErrRange naming the
// element: its heads would score NaN, drop out of the soft vote and leave
// a plausible selection. The query is read to the host for that check
// (and for the Selection Cache) on every step that votes: one small copy
// after the vote is queued, next to the step's own writes.
type TokenSelect struct {
	b     ops.Backend
	cfg   TokenSelectConfig
	out   rows
	slots slotMap
	score scratch // F32 [Hq, N] scores
	crit  scratch // F32 [R, N] votes
	cache selCache
}

// NewTokenSelect returns a TokenSelect policy on backend b (not nil).
// Budget, Sink and Local must be in [0, 2^48] with a positive sum, Theta in
// [-1, 1], Scale 0 or finite positive; errors wrap ops.ErrRange or
// ops.ErrConfig.
func NewTokenSelect(b ops.Backend, cfg TokenSelectConfig) (*TokenSelect, error) {
	if err := checkBackend(b); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		arg string
		v   int
	}{{"budget", cfg.Budget}, {"sink", cfg.Sink}, {"local", cfg.Local}} {
		if err := checkCount(c.arg, c.v); err != nil {
			return nil, err
		}
	}
	if cfg.Sink+cfg.Budget+cfg.Local == 0 {
		return nil, ops.Errorf(ops.ErrRange, "budget", cfg.Budget, "want sink+budget+local ≥ 1")
	}
	if math.IsNaN(cfg.Theta) || cfg.Theta < -1 || cfg.Theta > 1 {
		return nil, ops.Errorf(ops.ErrRange, "theta", cfg.Theta, "want a cosine threshold in [-1, 1]")
	}
	if cfg.Theta == 0 {
		cfg.Theta = DefaultTheta
	}
	if err := checkScale(cfg.Scale); err != nil {
		return nil, err
	}
	if err := checkGranularity(cfg.Granularity); err != nil {
		return nil, err
	}
	return &TokenSelect{b: b, cfg: cfg, score: scratch{dt: ops.F32}, crit: scratch{dt: ops.F32}}, nil
}

// Width returns the width of every selection row: Sink+Budget+Local.
func (p *TokenSelect) Width() int { return p.cfg.Sink + p.cfg.Budget + p.cfg.Local }

// Stats returns the Selection Cache's hit and miss counts.
func (p *TokenSelect) Stats() CacheStats { return p.cache.stats }

// Reset forgets the cached selection; the statistics are kept. Call it
// for a new request or a rewritten cache: the cache checks that a context
// has the same layout and has only grown, not that it is the same buffer.
func (p *TokenSelect) Reset() { p.cache.valid = false }

// Select votes the tokens of ctx for query q ([Hq, D] or [1, Hq, D]) and
// returns the selection (see TokenSelect). The selection's tensor belongs
// to p and is overwritten by the next call.
func (p *TokenSelect) Select(q *ops.Tensor, ctx Context) (ops.Selection, error) {
	b, cfg := p.b, &p.cfg
	hk, d, err := ctx.check(b.Name())
	if err != nil {
		return ops.Selection{}, err
	}
	if q, err = queryView(q, b.Name(), hk, d); err != nil {
		return ops.Selection{}, err
	}
	r, w, n := rowsFor(cfg.Granularity, hk), rowWidth(p.Width(), &ctx), ctx.Len
	kept, err := p.out.ensure(b, r, w)
	if err != nil {
		return ops.Selection{}, err
	}
	if !kept {
		p.cache.valid = false
	}
	if n <= w {
		// Everything fits: all tokens in order, then padding.
		p.cache.valid = false
		all, err := ctx.hostSlots(b, 0, n)
		if err != nil {
			return ops.Selection{}, err
		}
		row := append(all, fill(w-n, -1)...)
		return p.out.selection(cfg.Granularity), p.out.write(b, replicate(row, r))
	}
	lo, hi := cfg.Sink, n-cfg.Local // candidate tokens
	if cfg.Budget > 0 {
		var qh []float32
		hit := false
		if !cfg.NoCache {
			if qh, err = readFloats(b, q); err != nil {
				return ops.Selection{}, err
			}
			if err := checkQuery(qh); err != nil {
				return ops.Selection{}, err
			}
			hit = p.cache.hit(qh, &ctx, cfg.Theta)
		}
		if hit {
			p.cache.stats.Hits++
		} else {
			p.cache.valid = false
			if err := p.vote(q, &ctx, lo, hi, r); err != nil {
				return ops.Selection{}, err
			}
			if cfg.NoCache { // the query is checked once the vote is queued
				if qh, err = readFloats(b, q); err != nil {
					return ops.Selection{}, err
				}
				if err := checkQuery(qh); err != nil {
					return ops.Selection{}, err
				}
			}
			if !cfg.NoCache {
				p.cache.stats.Misses++
				p.cache.store(qh, &ctx)
			}
		}
	}
	// The sink part only changes with the context; rewriting it is cheap.
	sink, err := ctx.hostSlots(b, 0, lo)
	if err != nil {
		return ops.Selection{}, err
	}
	local, err := ctx.hostSlots(b, hi, n)
	if err != nil {
		return ops.Selection{}, err
	}
	if err := p.out.writePart(b, 0, replicate(sink, r)); err != nil {
		return ops.Selection{}, err
	}
	if err := p.out.writePart(b, lo+cfg.Budget, replicate(local, r)); err != nil {
		return ops.Selection{}, err
	}
	return p.out.selection(cfg.Granularity), nil
}

// vote scores candidate tokens [lo, hi) of ctx, reduces them to r rows of
// votes and writes the top Budget slots of each row into the middle part
// of the output rows.
func (p *TokenSelect) vote(q *ops.Tensor, ctx *Context, lo, hi, r int) error {
	b, cfg := p.b, &p.cfg
	hq, nc := q.Shape[0], hi-lo
	cand, err := p.slots.view(b, ctx, lo, hi)
	if err != nil {
		return err
	}
	sel := ops.Selection{Indices: cand}
	if ctx.Slots == nil {
		sel = ops.Selection{Start: ctx.Start + lo, End: ctx.Start + hi}
	}
	scores, err := p.score.view(b, hq, nc)
	if err != nil {
		return err
	}
	if err := b.Scores(&ops.ScoresArgs{Q: q, K: ctx.K, Candidates: sel, Out: scores, Scale: cfg.Scale}); err != nil {
		return err
	}
	crit, err := p.crit.view(b, r, nc)
	if err != nil {
		return err
	}
	g := hq / r
	for i := range r {
		in := scores.RowRange(i*g, (i+1)*g)
		if err := b.Criticality(&ops.CriticalityArgs{Scores: in, Out: crit.Sub(i*nc, []int{nc}, 0)}); err != nil {
			return err
		}
	}
	return b.TopK(&ops.TopKArgs{Scores: crit, K: cfg.Budget, Out: p.out.part(cfg.Sink, cfg.Budget), Map: cand})
}

package sparse

import "github.com/rotorkernels/rotor/ops"

// WindowConfig configures a sink + recent-window policy.
type WindowConfig struct {
	// Sink is the number of first tokens always kept (attention sinks).
	Sink int
	// Window is the number of most recent tokens kept.
	Window int
	// Granularity is PerRequest (one row, the default) or PerKVHead (the
	// same row repeated per kv head).
	Granularity ops.Granularity
}

// Window is the Λ-shaped sink + recent-window policy of StreamingLLM
// ("Efficient Streaming Language Models with Attention Sinks"): the first
// Sink tokens and the last Window tokens. It ignores the query (a NaN in
// it shows in the attention output, not here). Rows have width
// Sink+Window (or the pool's slot count, when that is smaller) and hold
// slots in token order; a shorter context is selected whole and padded
// with -1.
type Window struct {
	b   ops.Backend
	cfg WindowConfig
	out rows
}

// NewWindow returns a sink + window policy on backend b (not nil). Sink
// and Window must be in [0, 2^48] with a positive sum; errors wrap
// ops.ErrRange or ops.ErrConfig.
func NewWindow(b ops.Backend, cfg WindowConfig) (*Window, error) {
	if err := checkBackend(b); err != nil {
		return nil, err
	}
	if err := checkCount("sink", cfg.Sink); err != nil {
		return nil, err
	}
	if err := checkCount("window", cfg.Window); err != nil {
		return nil, err
	}
	if cfg.Sink+cfg.Window == 0 {
		return nil, ops.Errorf(ops.ErrRange, "window", cfg.Window, "want sink+window ≥ 1")
	}
	if err := checkGranularity(cfg.Granularity); err != nil {
		return nil, err
	}
	return &Window{b: b, cfg: cfg}, nil
}

// Width returns Sink+Window.
func (p *Window) Width() int { return p.cfg.Sink + p.cfg.Window }

// Select returns the sink and window tokens of ctx; q is not read and may
// be nil. The selection's tensor belongs to p and is overwritten by the
// next call.
func (p *Window) Select(q *ops.Tensor, ctx Context) (ops.Selection, error) {
	b := p.b
	hk, _, err := ctx.check(b.Name())
	if err != nil {
		return ops.Selection{}, err
	}
	r, w, n := rowsFor(p.cfg.Granularity, hk), rowWidth(p.Width(), &ctx), ctx.Len
	if _, err := p.out.ensure(b, r, w); err != nil {
		return ops.Selection{}, err
	}
	var row []int32
	if n <= w {
		if row, err = ctx.hostSlots(b, 0, n); err != nil {
			return ops.Selection{}, err
		}
		row = append(row, fill(w-n, -1)...)
	} else {
		if row, err = ctx.hostSlots(b, 0, p.cfg.Sink); err != nil {
			return ops.Selection{}, err
		}
		recent, err := ctx.hostSlots(b, n-p.cfg.Window, n)
		if err != nil {
			return ops.Selection{}, err
		}
		row = append(row, recent...)
	}
	return p.out.selection(p.cfg.Granularity), p.out.write(b, replicate(row, r))
}

// LMInfiniteConfig configures an LM-Infinite policy.
type LMInfiniteConfig struct {
	WindowConfig
	// Cap is the largest relative distance the rotation may encode (the
	// pretraining length); 0 means Window.
	Cap int32
	// Rotary is the model's RoPE schedule, applied by the attention op to
	// the un-rotated keys and the query.
	Rotary *ops.Rotary
	// Angles is the angle mode of that rotation.
	Angles ops.AngleMode
}

// LMInfinite is LM-Infinite ("LM-Infinite: Zero-Shot Extreme Length
// Generalization for Large Language Models"): the Λ-shaped selection of
// Window plus a distance limit. Keys are stored un-rotated; the attention
// op rotates each selected key so that its distance to the query is at
// most Cap (ops.KeyPosCapped), which needs AttentionArgs.QPos and KPos.
type LMInfinite struct {
	*Window
	rope ops.KeyRoPE
}

// NewLMInfinite returns an LM-Infinite policy on backend b. Errors wrap
// ops.ErrRange (counts, cap) or the schedule's validation error.
func NewLMInfinite(b ops.Backend, cfg LMInfiniteConfig) (*LMInfinite, error) {
	w, err := NewWindow(b, cfg.WindowConfig)
	if err != nil {
		return nil, err
	}
	if cfg.Cap < 0 {
		return nil, ops.Errorf(ops.ErrRange, "cap", cfg.Cap, "want a distance limit ≥ 1 (0 = window)")
	}
	if cfg.Cap == 0 {
		cfg.Cap = int32(max(cfg.Window, 1))
	}
	if err := cfg.Rotary.Validate(); err != nil {
		return nil, err
	}
	if cfg.Angles != ops.Accurate && cfg.Angles != ops.Compat {
		return nil, ops.Errorf(ops.ErrConfig, "angles", cfg.Angles, "want accurate or compat")
	}
	return &LMInfinite{Window: w, rope: ops.KeyRoPE{Rotary: cfg.Rotary, Angles: cfg.Angles, KeyPos: ops.KeyPosCapped, Cap: cfg.Cap}}, nil
}

// KeyRoPE returns the in-op rotation for AttentionArgs.RoPE: the schedule
// with KeyPosCapped at the policy's cap, queries at their QPos.
func (p *LMInfinite) KeyRoPE() *ops.KeyRoPE {
	r := p.rope
	return &r
}

package ops

import "sort"

// Rotary resolves the model's RoPE schedule for a sequence length (the
// largest position + 1 in the current batch), as Hugging Face
// transformers would build it; 0 means the model's context,
// ContextLength(). Only dynamic NTK and LongRoPE depend on seqLen.
//
// rope_type maps to Default, Linear, DynamicNTK, YaRN, Llama3, LongRoPE
// or Proportional; "dynamic" with an "alpha" key (Hunyuan) maps to
// NTKAware. The rotary dimension is int(head_dim * partial_rotary_factor)
// (proportional rotates the whole head with zero frequencies beyond its
// share). For llama3, yarn and longrope a missing
// original_max_position_embeddings defaults to max_position_embeddings,
// and a top-level one (Phi-3) takes priority. An unknown rope type or a
// missing required key returns ErrConfig naming it.
func (c *HFConfig) Rotary(seqLen int) (*Rotary, error) {
	if c.Layers != nil {
		if _, ok := c.Layers["full_attention"]; !ok {
			return nil, Errorf(ErrConfig, c.Rope.Section, c.layerNames(),
				"per-layer rope parameters without full_attention: use RotaryForLayer")
		}
	}
	return c.rotary(&c.Rope, seqLen)
}

// RotaryForLayer resolves the schedule of one layer type (a key of
// Layers) when rope_parameters is nested by layer type; for a config with
// one global set, layerType must be "" and it equals Rotary.
func (c *HFConfig) RotaryForLayer(layerType string, seqLen int) (*Rotary, error) {
	if c.Layers == nil {
		if layerType != "" {
			return nil, Errorf(ErrConfig, "layer_type", layerType, "the config has one global rope parameter set")
		}
		return c.rotary(&c.Rope, seqLen)
	}
	h, ok := c.Layers[layerType]
	if !ok {
		return nil, Errorf(ErrConfig, "layer_type", layerType, "want one of %v", c.layerNames())
	}
	return c.rotary(h, seqLen)
}

func (c *HFConfig) layerNames() []string {
	names := make([]string, 0, len(c.Layers))
	for k := range c.Layers {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (c *HFConfig) rotary(h *HFRope, seqLen int) (*Rotary, error) {
	r, err := c.build(h, seqLen)
	if err != nil {
		keys := []string{"factor", "attention_factor", "beta_", "mscale", "low_freq_factor",
			"high_freq_factor", "alpha", "short_factor", "long_factor"}
		if h.has["rope_theta"] {
			keys = append(keys, "rope_theta")
		}
		if h.has["original_max_position_embeddings"] && c.OriginalMaxPositionEmbeddings == 0 {
			keys = append(keys, "original_max_position_embeddings")
		}
		return nil, h.rename(err, keys...)
	}
	return r, nil
}

func (c *HFConfig) build(h *HFRope, seqLen int) (*Rotary, error) {
	if seqLen < 0 {
		return nil, Errorf(ErrRange, "seq_len", seqLen, "want ≥ 0 (0 means max_position_embeddings)")
	}
	if seqLen == 0 {
		seqLen = c.MaxPositionEmbeddings
	}
	if c.HeadDim == 0 {
		return nil, c.missingHeadDim()
	}
	p := RoPEParams{HeadDim: c.HeadDim, Base: h.Theta, Layout: c.Layout}
	if h.Type != "proportional" && h.PartialRotaryFactor != 1 {
		d, err := PartialRotaryDim(c.HeadDim, h.PartialRotaryFactor)
		if err != nil {
			return nil, err
		}
		p.RotaryDim = d
	}
	switch h.Type {
	case "default":
		return Default(p)
	case "linear":
		if err := h.require("factor"); err != nil {
			return nil, err
		}
		return Linear(LinearParams{RoPEParams: p, Factor: h.Factor})
	case "dynamic":
		if h.has["alpha"] {
			return NTKAware(NTKParams{RoPEParams: p, Alpha: h.Alpha})
		}
		if err := h.require("factor"); err != nil {
			return nil, err
		}
		if err := c.requireMax(); err != nil {
			return nil, err
		}
		return DynamicNTK(DynamicParams{RoPEParams: p, Factor: h.Factor,
			MaxPositionEmbeddings: c.MaxPositionEmbeddings, SeqLen: seqLen})
	case "yarn":
		lo, err := c.originalMax(h)
		if err != nil {
			return nil, err
		}
		factor := h.Factor
		if !h.has["factor"] {
			if err := c.requireMax(); err != nil {
				return nil, err
			}
			factor = float64(c.MaxPositionEmbeddings) / float64(lo)
		}
		return YaRN(YaRNParams{RoPEParams: p, Factor: factor, OriginalMaxPositionEmbeddings: lo,
			BetaFast: h.BetaFast, BetaSlow: h.BetaSlow, Mscale: h.Mscale, MscaleAllDim: h.MscaleAllDim,
			AttentionFactor: h.AttentionFactor, NoTruncate: !h.Truncate})
	case "llama3":
		if err := h.require("factor", "low_freq_factor", "high_freq_factor"); err != nil {
			return nil, err
		}
		lo, err := c.originalMax(h)
		if err != nil {
			return nil, err
		}
		return Llama3(Llama3Params{RoPEParams: p, Factor: h.Factor, LowFreqFactor: h.LowFreqFactor,
			HighFreqFactor: h.HighFreqFactor, OriginalMaxPositionEmbeddings: lo})
	case "longrope":
		if err := h.require("short_factor", "long_factor"); err != nil {
			return nil, err
		}
		lo, err := c.originalMax(h)
		if err != nil {
			return nil, err
		}
		if !h.has["factor"] {
			if err := c.requireMax(); err != nil {
				return nil, err
			}
		}
		return LongRoPE(LongRoPEParams{RoPEParams: p, ShortFactor: h.ShortFactor, LongFactor: h.LongFactor,
			OriginalMaxPositionEmbeddings: lo, Factor: h.Factor, MaxPositionEmbeddings: c.MaxPositionEmbeddings,
			AttentionFactor: h.AttentionFactor, SeqLen: seqLen})
	case "proportional":
		return Proportional(ProportionalParams{HeadDim: c.HeadDim, Base: h.Theta,
			PartialRotaryFactor: h.PartialRotaryFactor, Factor: h.Factor, Layout: c.Layout})
	}
	return nil, Errorf(ErrConfig, h.arg("rope_type"), h.Type,
		"unknown rope type; want default, linear, dynamic, yarn, llama3, longrope or proportional")
}

// require returns ErrConfig naming the first missing key.
func (h *HFRope) require(keys ...string) error {
	for _, k := range keys {
		if !h.has[k] {
			return Errorf(ErrConfig, h.arg(k), "missing", "rope type %q requires it", h.Type)
		}
	}
	return nil
}

// rename prefixes the section to an ArgError whose argument starts with
// one of keys, so errors point into the config.
func (h *HFRope) rename(err error, keys ...string) error {
	ae, ok := err.(*ArgError)
	if !ok || h.Section == "" || ae.Arg == h.arg("rope_type") {
		return err
	}
	for _, k := range keys {
		if len(ae.Arg) >= len(k) && ae.Arg[:len(k)] == k {
			return &ArgError{Kind: ae.Kind, Arg: h.arg(ae.Arg), Value: ae.Value, Want: ae.Want}
		}
	}
	return err
}

func (c *HFConfig) requireMax() error {
	if c.MaxPositionEmbeddings <= 0 {
		return Errorf(ErrConfig, "max_position_embeddings", "missing", "rope type %q requires it", c.Rope.Type)
	}
	return nil
}

// originalMax returns Lo: the top-level key, else the section's, else
// max_position_embeddings.
func (c *HFConfig) originalMax(h *HFRope) (int, error) {
	switch {
	case c.OriginalMaxPositionEmbeddings > 0:
		return c.OriginalMaxPositionEmbeddings, nil
	case h.has["original_max_position_embeddings"]:
		return h.OriginalMaxPositionEmbeddings, nil
	case c.MaxPositionEmbeddings > 0:
		return c.MaxPositionEmbeddings, nil
	}
	return 0, Errorf(ErrConfig, h.arg("original_max_position_embeddings"), "missing",
		"rope type %q requires it (or max_position_embeddings)", h.Type)
}

func (c *HFConfig) missingHeadDim() error {
	switch {
	case c.NumAttentionHeads == 0 && c.HiddenSize > 0:
		return Errorf(ErrConfig, "num_attention_heads", "missing", "needed to derive head_dim")
	case c.HiddenSize == 0 && c.NumAttentionHeads > 0:
		return Errorf(ErrConfig, "hidden_size", "missing", "needed to derive head_dim")
	}
	return Errorf(ErrConfig, "head_dim", "missing", "want head_dim or hidden_size and num_attention_heads")
}

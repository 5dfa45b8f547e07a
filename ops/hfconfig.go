package ops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"sort"
	"strings"
)

// HFConfig is the part of a Hugging Face config.json that shapes
// attention and RoPE. ReadHFConfig fills it; Rotary resolves the schedule
// for a sequence length.
type HFConfig struct {
	// ModelType is model_type, e.g. "llama", "qwen2", "phi3", "gpt_oss".
	ModelType string
	// HiddenSize is hidden_size (0 when absent).
	HiddenSize int
	// NumAttentionHeads is num_attention_heads (0 when absent).
	NumAttentionHeads int
	// NumKeyValueHeads is num_key_value_heads, or NumAttentionHeads when
	// absent.
	NumKeyValueHeads int
	// HeadDim is the head dimension the RoPE schedule is built for:
	// qk_rope_head_dim for DeepSeek-style MLA models (as transformers
	// aliases it), else head_dim, else hidden_size / num_attention_heads.
	HeadDim int
	// QKRopeHeadDim, QKNopeHeadDim and VHeadDim are the MLA head widths
	// (0 when absent).
	QKRopeHeadDim, QKNopeHeadDim, VHeadDim int
	// MaxPositionEmbeddings is max_position_embeddings (0 when absent).
	MaxPositionEmbeddings int
	// OriginalMaxPositionEmbeddings is a top-level
	// original_max_position_embeddings (Phi-3), 0 when absent. It takes
	// priority over the one inside the rope parameters.
	OriginalMaxPositionEmbeddings int
	// Layout is GPTJ when rope_interleave is true (DeepSeek-V2/V3 default
	// to it), else NeoX.
	Layout Layout
	// Rope holds the (global) rope parameters.
	Rope HFRope
	// Layers holds per-layer-type rope parameters when rope_parameters is
	// nested by layer type (e.g. "full_attention", "sliding_attention");
	// nil otherwise.
	Layers map[string]*HFRope
	// DualChunk is dual_chunk_attention_config (Qwen2.5-1M), nil when
	// absent.
	DualChunk *HFDualChunk
}

// HFDualChunk is a config's dual_chunk_attention_config: the chunk
// parameters of Dual Chunk Attention and the context its length scaling
// starts from. Keys absent from the object take vLLM's defaults:
// chunk_size 8192, local_size 1024, original_max_position_embeddings 0
// (no length scaling). Its sparse-attention keys (MInference-style
// prefill) are not read.
type HFDualChunk struct {
	// Chunk holds chunk_size and local_size.
	Chunk DualChunk
	// OriginalMaxPositionEmbeddings is original_max_position_embeddings.
	OriginalMaxPositionEmbeddings int
}

// LengthScale returns the query length scaling for a request of seqLen
// tokens: DualChunkLengthScale(seqLen, OriginalMaxPositionEmbeddings).
func (d *HFDualChunk) LengthScale(seqLen int) float64 {
	return DualChunkLengthScale(seqLen, d.OriginalMaxPositionEmbeddings)
}

// HFRope is one set of rope parameters, merged from rope_scaling or
// rope_parameters and the top-level keys as transformers standardises
// them. Zero numeric fields mean "absent".
type HFRope struct {
	// Section is the key the parameters came from, "rope_parameters" or
	// "rope_scaling" (with ".LAYER" for per-layer sets), or "" when the
	// config has neither; errors name keys under it.
	Section string
	// Type is rope_type (or legacy type), "default" when absent; legacy
	// "su" reads as "longrope".
	Type string
	// Theta is rope_theta (inside the section, else top level, else
	// DefaultTheta).
	Theta float64
	// PartialRotaryFactor is partial_rotary_factor (top level, else inside
	// the section, else 1).
	PartialRotaryFactor float64
	// Factor, AttentionFactor, BetaFast, BetaSlow, Mscale, MscaleAllDim,
	// LowFreqFactor, HighFreqFactor and Alpha are the keys of the same
	// names.
	Factor, AttentionFactor, BetaFast, BetaSlow         float64
	Mscale, MscaleAllDim, LowFreqFactor, HighFreqFactor float64
	Alpha                                               float64
	// OriginalMaxPositionEmbeddings is the section's
	// original_max_position_embeddings.
	OriginalMaxPositionEmbeddings int
	// Truncate is the section's truncate (YaRN), true when absent.
	Truncate bool
	// ShortFactor and LongFactor are LongRoPE's lists.
	ShortFactor, LongFactor []float64

	has map[string]bool
}

// Has reports whether key was present (and not null) in the section.
func (h *HFRope) Has(key string) bool { return h.has[key] }

// arg names key within the section for error messages.
func (h *HFRope) arg(key string) string {
	if h.Section == "" {
		return key
	}
	return h.Section + "." + key
}

// ContextLength returns the model's context length,
// max_position_embeddings (0 when the config does not say).
func (c *HFConfig) ContextLength() int { return c.MaxPositionEmbeddings }

// ReadHFConfigFile reads a Hugging Face config.json file.
func ReadHFConfigFile(path string) (*HFConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Errorf(ErrConfig, "hf-config", path, "cannot open: %v", err)
	}
	defer f.Close()
	return ReadHFConfig(f)
}

// MaxHFConfigSize is the most ReadHFConfig reads: real configs are a few
// kB, the largest (label maps of classifiers) well under a megabyte.
const MaxHFConfigSize = 4 << 20

// ReadHFConfig parses a Hugging Face config.json of at most
// MaxHFConfigSize bytes (it reads no further). Keys it does not need
// are ignored; null counts as absent. A multimodal config whose language
// model keys live under "text_config" is read from there. Malformed JSON, a key of the wrong
// JSON type and an impossible head shape return ErrConfig naming the key.
// Rope parameters are checked when Rotary resolves them.
func ReadHFConfig(r io.Reader) (*HFConfig, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxHFConfigSize+1))
	if err != nil {
		return nil, Errorf(ErrConfig, "config.json", "unreadable", "%v", err)
	}
	if len(data) > MaxHFConfigSize {
		return nil, Errorf(ErrConfig, "config.json", fmt.Sprintf("more than %d bytes", MaxHFConfigSize),
			"want a config of at most %d MiB", MaxHFConfigSize>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, Errorf(ErrConfig, "config.json", "malformed JSON", "%v", err)
	}
	if top == nil {
		return nil, Errorf(ErrConfig, "config.json", "null", "want a JSON object")
	}
	if dec.More() {
		return nil, Errorf(ErrConfig, "config.json", "trailing data", "want one JSON object")
	}
	return parseHFConfig(textConfig(obj(top)))
}

// textConfig returns the nested text_config of a multimodal config that
// keeps its language model's keys there (and none at the top level), with
// the top-level model_type as a fallback; otherwise top itself.
func textConfig(top obj) obj {
	tc, ok := top["text_config"].(map[string]any)
	if !ok {
		return top
	}
	for _, k := range []string{"num_attention_heads", "head_dim", "hidden_size"} {
		if top[k] != nil {
			return top
		}
	}
	out := obj(tc)
	if out["model_type"] == nil && top["model_type"] != nil {
		out = maps.Clone(out)
		out["model_type"] = top["model_type"]
	}
	return out
}

func parseHFConfig(top obj) (*HFConfig, error) {
	c := &HFConfig{}
	var err error
	get := func(key string, dst *int) {
		if err == nil {
			*dst, _, err = top.int(key, key)
		}
	}
	get("hidden_size", &c.HiddenSize)
	get("num_attention_heads", &c.NumAttentionHeads)
	get("num_key_value_heads", &c.NumKeyValueHeads)
	get("max_position_embeddings", &c.MaxPositionEmbeddings)
	get("original_max_position_embeddings", &c.OriginalMaxPositionEmbeddings)
	get("qk_rope_head_dim", &c.QKRopeHeadDim)
	get("qk_nope_head_dim", &c.QKNopeHeadDim)
	get("v_head_dim", &c.VHeadDim)
	var headDim int
	get("head_dim", &headDim)
	if err != nil {
		return nil, err
	}
	if c.ModelType, _, err = top.str("model_type", "model_type"); err != nil {
		return nil, err
	}
	if c.NumKeyValueHeads == 0 {
		c.NumKeyValueHeads = c.NumAttentionHeads
	}
	switch {
	case c.QKRopeHeadDim > 0:
		c.HeadDim = c.QKRopeHeadDim
	case headDim > 0:
		c.HeadDim = headDim
	case c.HiddenSize > 0 && c.NumAttentionHeads > 0:
		c.HeadDim = c.HiddenSize / c.NumAttentionHeads
	}
	interleave, hasInterleave, err := top.bool("rope_interleave", "rope_interleave")
	if err != nil {
		return nil, err
	}
	if !hasInterleave {
		interleave = strings.HasPrefix(c.ModelType, "deepseek_v")
	}
	if interleave {
		c.Layout = GPTJ
	}
	if err := c.parseRope(top); err != nil {
		return nil, err
	}
	if c.DualChunk, err = parseDualChunk(top); err != nil {
		return nil, err
	}
	return c, nil
}

// parseDualChunk reads dual_chunk_attention_config (nil when absent).
func parseDualChunk(top obj) (*HFDualChunk, error) {
	const key = "dual_chunk_attention_config"
	sec, ok, err := top.object(key, key)
	if err != nil || !ok {
		return nil, err
	}
	vals := [3]int{8192, 1024, 0}
	for i, k := range []string{"chunk_size", "local_size", "original_max_position_embeddings"} {
		v, has, err := sec.int(k, key+"."+k)
		if err != nil {
			return nil, err
		}
		if has {
			if v > math.MaxInt32 {
				return nil, Errorf(ErrConfig, key+"."+k, v, "want at most %d", math.MaxInt32)
			}
			vals[i] = v
		}
	}
	d := &HFDualChunk{Chunk: DualChunk{ChunkSize: int32(vals[0]), LocalSize: int32(vals[1])}, OriginalMaxPositionEmbeddings: vals[2]}
	if err := d.Chunk.check(key); err != nil {
		return nil, err
	}
	return d, nil
}

// parseRope merges rope_scaling / rope_parameters with the top-level
// rope_theta, partial_rotary_factor and original_max_position_embeddings.
func (c *HFConfig) parseRope(top obj) error {
	theta, hasTheta, err := top.num("rope_theta", "rope_theta")
	if err != nil {
		return err
	}
	if !hasTheta {
		theta = DefaultTheta
	}
	prf, hasPRF, err := top.num("partial_rotary_factor", "partial_rotary_factor")
	if err != nil {
		return err
	}
	section, name := obj(nil), ""
	for _, key := range []string{"rope_scaling", "rope_parameters"} {
		sec, ok, err := top.object(key, key)
		if err != nil {
			return err
		}
		if ok && len(sec) > 0 {
			section, name = sec, key
			break
		}
	}
	base := func(h *HFRope) {
		if !h.has["rope_theta"] {
			h.Theta = theta
		}
		if hasPRF {
			h.PartialRotaryFactor = prf
		} else if !h.has["partial_rotary_factor"] {
			h.PartialRotaryFactor = 1
		}
	}
	if nested := nestedLayers(section); nested != nil {
		c.Layers = map[string]*HFRope{}
		for _, k := range nested {
			sub, _, _ := section.object(k, name+"."+k)
			h, err := parseRopeSection(sub, name+"."+k)
			if err != nil {
				return err
			}
			base(h)
			c.Layers[k] = h
		}
		if full, ok := c.Layers["full_attention"]; ok {
			c.Rope = *full
		} else {
			c.Rope = HFRope{Section: name, Type: "per-layer"}
		}
		return nil
	}
	h, err := parseRopeSection(section, name)
	if err != nil {
		return err
	}
	base(h)
	c.Rope = *h
	return nil
}

// nestedLayers returns the sorted keys of a rope_parameters object whose
// every value is an object (parameters per layer type), else nil.
func nestedLayers(sec obj) []string {
	if len(sec) == 0 {
		return nil
	}
	keys := make([]string, 0, len(sec))
	for k, v := range sec {
		if _, ok := v.(map[string]any); !ok {
			return nil
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseRopeSection reads the typed rope keys of one section.
func parseRopeSection(sec obj, name string) (*HFRope, error) {
	h := &HFRope{Section: name, Type: "default", Truncate: true, has: map[string]bool{}}
	arg := h.arg
	var err error
	str := func(key string) (string, bool) {
		var s string
		var ok bool
		if err == nil {
			s, ok, err = sec.str(key, arg(key))
		}
		return s, ok
	}
	if t, ok := str("rope_type"); ok {
		h.Type = t
	} else if t, ok := str("type"); ok {
		h.Type = t
	}
	if h.Type == "su" {
		h.Type = "longrope"
	}
	nums := []struct {
		key string
		dst *float64
	}{
		{"rope_theta", &h.Theta}, {"partial_rotary_factor", &h.PartialRotaryFactor},
		{"factor", &h.Factor}, {"attention_factor", &h.AttentionFactor},
		{"beta_fast", &h.BetaFast}, {"beta_slow", &h.BetaSlow},
		{"mscale", &h.Mscale}, {"mscale_all_dim", &h.MscaleAllDim},
		{"low_freq_factor", &h.LowFreqFactor}, {"high_freq_factor", &h.HighFreqFactor},
		{"alpha", &h.Alpha},
	}
	for _, n := range nums {
		if err != nil {
			break
		}
		*n.dst, h.has[n.key], err = sec.num(n.key, arg(n.key))
	}
	if err == nil {
		h.OriginalMaxPositionEmbeddings, h.has["original_max_position_embeddings"], err =
			sec.int("original_max_position_embeddings", arg("original_max_position_embeddings"))
	}
	if err == nil {
		var t bool
		if t, h.has["truncate"], err = sec.bool("truncate", arg("truncate")); h.has["truncate"] {
			h.Truncate = t
		}
	}
	if err == nil {
		h.ShortFactor, h.has["short_factor"], err = sec.nums("short_factor", arg("short_factor"))
	}
	if err == nil {
		h.LongFactor, h.has["long_factor"], err = sec.nums("long_factor", arg("long_factor"))
	}
	if err != nil {
		return nil, err
	}
	return h, nil
}

// obj is a decoded JSON object with typed accessors; each returns the
// value, whether the key was present and non-null, and ErrConfig naming
// arg when the value has the wrong type.
type obj map[string]any

func (o obj) num(key, arg string) (float64, bool, error) {
	v, ok := o[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, false, Errorf(ErrConfig, arg, jsonValue(v), "want a number")
	}
	f, err := n.Float64()
	if err != nil {
		return 0, false, Errorf(ErrConfig, arg, n.String(), "want a float64 number")
	}
	return f, true, nil
}

func (o obj) int(key, arg string) (int, bool, error) {
	f, ok, err := o.num(key, arg)
	if err != nil || !ok {
		return 0, ok, err
	}
	if f != float64(int(f)) || f < 0 || f > 1<<53 {
		return 0, false, Errorf(ErrConfig, arg, f, "want a non-negative integer")
	}
	return int(f), true, nil
}

func (o obj) str(key, arg string) (string, bool, error) {
	v, ok := o[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, Errorf(ErrConfig, arg, jsonValue(v), "want a string")
	}
	return s, true, nil
}

func (o obj) bool(key, arg string) (bool, bool, error) {
	v, ok := o[key]
	if !ok || v == nil {
		return false, false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, false, Errorf(ErrConfig, arg, jsonValue(v), "want true or false")
	}
	return b, true, nil
}

func (o obj) object(key, arg string) (obj, bool, error) {
	v, ok := o[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		return nil, false, Errorf(ErrConfig, arg, jsonValue(v), "want a JSON object")
	}
	return obj(m), true, nil
}

func (o obj) nums(key, arg string) ([]float64, bool, error) {
	v, ok := o[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, false, Errorf(ErrConfig, arg, jsonValue(v), "want a list of numbers")
	}
	out := make([]float64, len(list))
	for i, e := range list {
		f, ok, err := obj{"x": e}.num("x", fmt.Sprintf("%s[%d]", arg, i))
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, Errorf(ErrConfig, fmt.Sprintf("%s[%d]", arg, i), "null", "want a number")
		}
		out[i] = f
	}
	return out, true, nil
}

// jsonValue renders a decoded JSON value compactly for an error message.
func jsonValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

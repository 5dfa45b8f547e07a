package ops

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func configPath(name string) string { return filepath.Join("..", "testdata", "configs", name+".json") }

// mustRotary returns a function unwrapping a (schedule, error) pair,
// failing the test on an error.
func mustRotary(t *testing.T) func(*Rotary, error) *Rotary {
	return func(r *Rotary, err error) *Rotary {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// sameRotary wants got and want identical field for field.
func sameRotary(t *testing.T, label string, got, want *Rotary) {
	t.Helper()
	if got.Type != want.Type || got.HeadDim != want.HeadDim || got.Dim != want.Dim ||
		got.Layout != want.Layout || got.AttentionFactor != want.AttentionFactor ||
		!slices.Equal(got.InvFreq, want.InvFreq) || !slices.Equal(got.InvFreqF32, want.InvFreqF32) {
		t.Errorf("%s:\n got %+v\nwant %+v", label, got, want)
	}
}

// TestHFConfigFiles reads every testdata config and compares the resolved
// schedule with the constructor called on the published values, typed
// here by hand.
func TestHFConfigFiles(t *testing.T) {
	phi, err := ReadHFConfigFile(configPath("phi-3-mini-128k-instruct"))
	if err != nil {
		t.Fatal(err)
	}
	type shape struct {
		model               string
		heads, kv, head, nc int
	}
	cases := []struct {
		file   string
		shape  shape
		seqLen int
		want   func() (*Rotary, error)
		attn   float64 // published anchor, 0 = skip
	}{
		{"llama-3.1-8b", shape{"llama", 32, 8, 128, 131072}, 0, func() (*Rotary, error) {
			return Llama3(Llama3Params{RoPEParams{HeadDim: 128, Base: 500000}, 8, 1, 4, 8192})
		}, 1},
		{"llama-3.2-1b", shape{"llama", 32, 8, 64, 131072}, 0, func() (*Rotary, error) {
			return Llama3(Llama3Params{RoPEParams{HeadDim: 64, Base: 500000}, 32, 1, 4, 8192})
		}, 1},
		{"qwen2.5-7b-instruct-1m", shape{"qwen2", 28, 4, 128, 1010000}, 0, func() (*Rotary, error) {
			return Default(RoPEParams{HeadDim: 128, Base: 1e7})
		}, 1},
		{"qwen2.5-7b-instruct-yarn", shape{"qwen2", 28, 4, 128, 32768}, 0, func() (*Rotary, error) {
			return YaRN(YaRNParams{RoPEParams: RoPEParams{HeadDim: 128, Base: 1e6}, Factor: 4, OriginalMaxPositionEmbeddings: 32768})
		}, 1.1386294361119891},
		{"phi-3-mini-128k-instruct", shape{"phi3", 32, 32, 96, 131072}, 0, func() (*Rotary, error) {
			return LongRoPE(LongRoPEParams{RoPEParams: RoPEParams{HeadDim: 96, Base: 10000},
				ShortFactor: phi.Rope.ShortFactor, LongFactor: phi.Rope.LongFactor,
				OriginalMaxPositionEmbeddings: 4096, MaxPositionEmbeddings: 131072, SeqLen: 131072})
		}, 1.1902380714238083},
		{"phi-3-mini-128k-instruct", shape{"phi3", 32, 32, 96, 131072}, 4096, func() (*Rotary, error) {
			return LongRoPE(LongRoPEParams{RoPEParams: RoPEParams{HeadDim: 96, Base: 10000},
				ShortFactor: phi.Rope.ShortFactor, LongFactor: phi.Rope.LongFactor,
				OriginalMaxPositionEmbeddings: 4096, MaxPositionEmbeddings: 131072, SeqLen: 4096})
		}, 1.1902380714238083},
		{"gpt-oss-20b", shape{"gpt_oss", 64, 8, 64, 131072}, 0, func() (*Rotary, error) {
			return YaRN(YaRNParams{RoPEParams: RoPEParams{HeadDim: 64, Base: 150000}, Factor: 32,
				OriginalMaxPositionEmbeddings: 4096, BetaFast: 32, BetaSlow: 1, NoTruncate: true})
		}, 1.3465735902799727},
		{"deepseek-v2-lite", shape{"deepseek_v2", 16, 16, 64, 163840}, 0, func() (*Rotary, error) {
			return YaRN(YaRNParams{RoPEParams: RoPEParams{HeadDim: 64, Base: 10000, Layout: GPTJ}, Factor: 40,
				OriginalMaxPositionEmbeddings: 4096, BetaFast: 32, BetaSlow: 1, Mscale: 0.707, MscaleAllDim: 0.707})
		}, 1},
		{"mistral-7b", shape{"mistral", 32, 8, 128, 32768}, 0, func() (*Rotary, error) {
			return Default(RoPEParams{HeadDim: 128, Base: 10000})
		}, 1},
	}
	for _, c := range cases {
		cfg, err := ReadHFConfigFile(configPath(c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got := shape{cfg.ModelType, cfg.NumAttentionHeads, cfg.NumKeyValueHeads, cfg.HeadDim, cfg.ContextLength()}
		if got != c.shape {
			t.Errorf("%s: shape %+v, want %+v", c.file, got, c.shape)
		}
		r := mustRotary(t)(cfg.Rotary(c.seqLen))
		sameRotary(t, c.file, r, mustRotary(t)(c.want()))
		if c.attn != 0 && math.Abs(r.AttentionFactor-c.attn) > attnTol {
			t.Errorf("%s: attention factor %.17g, want %.17g", c.file, r.AttentionFactor, c.attn)
		}
		checkF32NearExact(t, r, cfg.Rope.Theta)
	}
	if len(phi.Rope.ShortFactor) != 48 || len(phi.Rope.LongFactor) != 48 || phi.Rope.Type != "longrope" {
		t.Errorf("phi-3 rope: type %q, %d/%d factors", phi.Rope.Type, len(phi.Rope.ShortFactor), len(phi.Rope.LongFactor))
	}
	ds, _ := ReadHFConfigFile(configPath("deepseek-v2-lite"))
	if ds.QKNopeHeadDim != 128 || ds.QKRopeHeadDim != 64 || ds.VHeadDim != 128 || ds.Layout != GPTJ {
		t.Errorf("deepseek MLA shape: %+v", ds)
	}
	if ds.DualChunk != nil {
		t.Errorf("deepseek: dual chunk %+v, want none", ds.DualChunk)
	}
	// Qwen2.5-7B-Instruct-1M's published dual_chunk_attention_config; its
	// length scaling is 1 up to 256k tokens and 0.1·ln 4 + 1 at 1M.
	qw, _ := ReadHFConfigFile(configPath("qwen2.5-7b-instruct-1m"))
	want := HFDualChunk{Chunk: DualChunk{ChunkSize: 262144, LocalSize: 8192}, OriginalMaxPositionEmbeddings: 262144}
	if qw.DualChunk == nil || *qw.DualChunk != want {
		t.Fatalf("qwen 1m dual chunk: %+v, want %+v", qw.DualChunk, want)
	}
	for _, c := range []struct {
		n    int
		want float64
	}{{1, 1}, {262144, 1}, {262145, 1 + 0.1*math.Log(262145.0/262144)}, {1 << 20, 1 + 0.1*math.Log(4)}} {
		if got := qw.DualChunk.LengthScale(c.n); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("length scale at %d: %.17g, want %.17g", c.n, got, c.want)
		}
	}
}

// TestHFDualChunkDefaults checks vLLM's defaults for keys absent from
// dual_chunk_attention_config.
func TestHFDualChunkDefaults(t *testing.T) {
	c := hf(t, `{"head_dim": 64, "dual_chunk_attention_config": {"local_size": 16}}`)
	want := HFDualChunk{Chunk: DualChunk{ChunkSize: 8192, LocalSize: 16}}
	if c.DualChunk == nil || *c.DualChunk != want || c.DualChunk.LengthScale(1<<30) != 1 {
		t.Errorf("dual chunk %+v, want %+v and no length scaling", c.DualChunk, want)
	}
	if c := hf(t, `{"head_dim": 64, "dual_chunk_attention_config": null}`); c.DualChunk != nil {
		t.Errorf("null dual chunk config read as %+v", c.DualChunk)
	}
}

// hf parses an inline config.
func hf(t *testing.T, js string) *HFConfig {
	t.Helper()
	c, err := ReadHFConfig(strings.NewReader(js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return c
}

func TestHFConfigForms(t *testing.T) {
	rp := func(head int) RoPEParams { return RoPEParams{HeadDim: head, Base: 10000} }
	cases := []struct {
		name   string
		js     string
		seqLen int
		want   func() (*Rotary, error)
	}{
		{"no rope keys", `{"hidden_size": 512, "num_attention_heads": 8}`, 0,
			func() (*Rotary, error) { return Default(rp(64)) }},
		{"head_dim wins over hidden/heads", `{"hidden_size": 512, "num_attention_heads": 8, "head_dim": 128, "rope_theta": 1e6}`, 0,
			func() (*Rotary, error) { return Default(RoPEParams{HeadDim: 128, Base: 1e6}) }},
		{"null head_dim", `{"hidden_size": 512, "num_attention_heads": 8, "head_dim": null, "rope_scaling": null}`, 0,
			func() (*Rotary, error) { return Default(rp(64)) }},
		{"partial rotary", `{"head_dim": 128, "partial_rotary_factor": 0.5}`, 0,
			func() (*Rotary, error) { return Default(RoPEParams{HeadDim: 128, RotaryDim: 64, Base: 10000}) }},
		{"legacy type key", `{"head_dim": 64, "rope_scaling": {"type": "linear", "factor": 4}}`, 0,
			func() (*Rotary, error) { return Linear(LinearParams{rp(64), 4}) }},
		{"rope_parameters with theta and partial inside",
			`{"head_dim": 128, "max_position_embeddings": 131072, "rope_parameters": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768, "rope_theta": 1000000.0, "partial_rotary_factor": 0.25}}`, 0,
			func() (*Rotary, error) {
				return YaRN(YaRNParams{RoPEParams: RoPEParams{HeadDim: 128, RotaryDim: 32, Base: 1e6}, Factor: 4, OriginalMaxPositionEmbeddings: 32768})
			}},
		{"rope_parameters default", `{"head_dim": 64, "rope_parameters": {"rope_type": "default", "rope_theta": 500000}}`, 0,
			func() (*Rotary, error) { return Default(RoPEParams{HeadDim: 64, Base: 500000}) }},
		{"yarn factor from context", `{"head_dim": 64, "max_position_embeddings": 163840, "rope_scaling": {"rope_type": "yarn", "original_max_position_embeddings": 4096}}`, 0,
			func() (*Rotary, error) {
				return YaRN(YaRNParams{RoPEParams: rp(64), Factor: 40, OriginalMaxPositionEmbeddings: 4096})
			}},
		{"yarn Lo defaults to context", `{"head_dim": 64, "max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 2}}`, 0,
			func() (*Rotary, error) {
				return YaRN(YaRNParams{RoPEParams: rp(64), Factor: 2, OriginalMaxPositionEmbeddings: 8192})
			}},
		{"yarn options", `{"head_dim": 64, "rope_scaling": {"rope_type": "yarn", "factor": 8, "original_max_position_embeddings": 2048, "beta_fast": 16, "beta_slow": 2, "attention_factor": 1.5, "truncate": false}}`, 0,
			func() (*Rotary, error) {
				return YaRN(YaRNParams{RoPEParams: rp(64), Factor: 8, OriginalMaxPositionEmbeddings: 2048,
					BetaFast: 16, BetaSlow: 2, AttentionFactor: 1.5, NoTruncate: true})
			}},
		{"top-level Lo wins", `{"head_dim": 64, "max_position_embeddings": 65536, "original_max_position_embeddings": 4096, "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192}}`, 0,
			func() (*Rotary, error) { return Llama3(Llama3Params{rp(64), 8, 1, 4, 4096}) }},
		{"dynamic short", `{"head_dim": 64, "max_position_embeddings": 4096, "rope_scaling": {"type": "dynamic", "factor": 2}}`, 1000,
			func() (*Rotary, error) { return DynamicNTK(DynamicParams{rp(64), 2, 4096, 1000}) }},
		{"dynamic long", `{"head_dim": 64, "max_position_embeddings": 4096, "rope_scaling": {"type": "dynamic", "factor": 2}}`, 20000,
			func() (*Rotary, error) { return DynamicNTK(DynamicParams{rp(64), 2, 4096, 20000}) }},
		{"dynamic alpha (Hunyuan)", `{"head_dim": 128, "rope_scaling": {"type": "dynamic", "alpha": 1000.0, "factor": 1.0}}`, 0,
			func() (*Rotary, error) { return NTKAware(NTKParams{rp(128), 1000}) }},
		{"su alias", `{"head_dim": 4, "max_position_embeddings": 64, "original_max_position_embeddings": 16, "rope_scaling": {"type": "su", "short_factor": [1, 2], "long_factor": [3, 4]}}`, 10,
			func() (*Rotary, error) {
				return LongRoPE(LongRoPEParams{RoPEParams: rp(4), ShortFactor: []float64{1, 2}, LongFactor: []float64{3, 4},
					OriginalMaxPositionEmbeddings: 16, MaxPositionEmbeddings: 64, SeqLen: 10})
			}},
		{"proportional", `{"head_dim": 256, "rope_parameters": {"rope_type": "proportional", "rope_theta": 1000000.0, "partial_rotary_factor": 0.25}}`, 0,
			func() (*Rotary, error) {
				return Proportional(ProportionalParams{HeadDim: 256, Base: 1e6, PartialRotaryFactor: 0.25})
			}},
		{"rope_interleave", `{"head_dim": 64, "rope_interleave": true}`, 0,
			func() (*Rotary, error) { return Default(RoPEParams{HeadDim: 64, Base: 10000, Layout: GPTJ}) }},
		{"deepseek_v3 interleaves by default", `{"model_type": "deepseek_v3", "qk_rope_head_dim": 64, "head_dim": 192}`, 0,
			func() (*Rotary, error) { return Default(RoPEParams{HeadDim: 64, Base: 10000, Layout: GPTJ}) }},
		{"rope_interleave false", `{"model_type": "deepseek_v3", "qk_rope_head_dim": 64, "rope_interleave": false}`, 0,
			func() (*Rotary, error) { return Default(rp(64)) }},
		{"rope_scaling wins over rope_parameters", `{"head_dim": 64, "rope_scaling": {"type": "linear", "factor": 2}, "rope_parameters": {"rope_type": "linear", "factor": 8}}`, 0,
			func() (*Rotary, error) { return Linear(LinearParams{rp(64), 2}) }},
		{"text_config", `{"model_type": "llava", "text_config": {"hidden_size": 4096, "num_attention_heads": 32, "rope_theta": 1e6}, "vision_config": {"hidden_size": 1024, "num_attention_heads": 16}}`, 0,
			func() (*Rotary, error) { return Default(RoPEParams{HeadDim: 128, Base: 1e6}) }},
		{"per-layer parameters", `{"head_dim": 64, "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}, "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0}}}`, 0,
			func() (*Rotary, error) { return Linear(LinearParams{RoPEParams{HeadDim: 64, Base: 1e6}, 8}) }},
	}
	for _, c := range cases {
		cfg := hf(t, c.js)
		r, err := cfg.Rotary(c.seqLen)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		sameRotary(t, c.name, r, mustRotary(t)(c.want()))
	}
	layered := hf(t, cases[len(cases)-1].js)
	sliding := mustRotary(t)(layered.RotaryForLayer("sliding_attention", 0))
	sameRotary(t, "sliding layer", sliding, mustRotary(t)(Default(RoPEParams{HeadDim: 64, Base: 10000})))
	if _, err := layered.RotaryForLayer("chunked", 0); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown layer type: %v", err)
	}
	flat := hf(t, `{"head_dim": 64}`)
	if r, err := flat.RotaryForLayer("", 0); err != nil || r.Type != "default" {
		t.Errorf("flat RotaryForLayer: %v %v", r, err)
	}
}

func TestHFConfigErrors(t *testing.T) {
	cases := []struct {
		name, js string
		seqLen   int
		kind     error
		arg      string
	}{
		{"malformed", `{"head_dim": 64,`, 0, ErrConfig, "config.json"},
		{"not an object", `[1, 2]`, 0, ErrConfig, "config.json"},
		{"null", `null`, 0, ErrConfig, "config.json"},
		{"trailing", `{"head_dim": 64} {}`, 0, ErrConfig, "config.json"},
		{"empty", ``, 0, ErrConfig, "config.json"},
		{"unknown rope type", `{"head_dim": 64, "rope_scaling": {"rope_type": "fancy", "factor": 2}}`, 0, ErrConfig, "rope_scaling.rope_type"},
		{"unknown rope type v5", `{"head_dim": 64, "rope_parameters": {"rope_type": "mystery"}}`, 0, ErrConfig, "rope_parameters.rope_type"},
		{"linear without factor", `{"head_dim": 64, "rope_scaling": {"rope_type": "linear"}}`, 0, ErrConfig, "rope_scaling.factor"},
		{"dynamic without factor", `{"head_dim": 64, "max_position_embeddings": 10, "rope_scaling": {"type": "dynamic"}}`, 0, ErrConfig, "rope_scaling.factor"},
		{"dynamic without context", `{"head_dim": 64, "rope_scaling": {"type": "dynamic", "factor": 2}}`, 0, ErrConfig, "max_position_embeddings"},
		{"llama3 without low", `{"head_dim": 64, "max_position_embeddings": 10, "rope_scaling": {"rope_type": "llama3", "factor": 8, "high_freq_factor": 4}}`, 0, ErrConfig, "rope_scaling.low_freq_factor"},
		{"llama3 without Lo or context", `{"head_dim": 64, "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4}}`, 0, ErrConfig, "rope_scaling.original_max_position_embeddings"},
		{"longrope without short", `{"head_dim": 4, "max_position_embeddings": 64, "rope_scaling": {"type": "longrope", "long_factor": [1, 2]}}`, 0, ErrConfig, "rope_scaling.short_factor"},
		{"longrope list length", `{"head_dim": 4, "max_position_embeddings": 64, "original_max_position_embeddings": 16, "rope_scaling": {"type": "longrope", "short_factor": [1], "long_factor": [1, 2]}}`, 0, ErrConfig, "rope_scaling.short_factor"},
		{"longrope bad entry", `{"head_dim": 4, "max_position_embeddings": 64, "original_max_position_embeddings": 16, "rope_scaling": {"type": "longrope", "short_factor": [1, 1], "long_factor": [1, -2]}}`, 0, ErrRange, "rope_scaling.long_factor[1]"},
		{"yarn without factor or context", `{"head_dim": 64, "rope_scaling": {"rope_type": "yarn", "original_max_position_embeddings": 4096}}`, 0, ErrConfig, "max_position_embeddings"},
		{"yarn nan-like factor", `{"head_dim": 64, "rope_scaling": {"rope_type": "yarn", "factor": -4, "original_max_position_embeddings": 4096}}`, 0, ErrRange, "rope_scaling.factor"},
		{"no head shape", `{"rope_theta": 10000}`, 0, ErrConfig, "head_dim"},
		{"no heads", `{"hidden_size": 4096}`, 0, ErrConfig, "num_attention_heads"},
		{"no hidden", `{"num_attention_heads": 32}`, 0, ErrConfig, "hidden_size"},
		{"odd head", `{"head_dim": 63}`, 0, ErrConfig, "head_dim"},
		{"theta string", `{"head_dim": 64, "rope_theta": "big"}`, 0, ErrConfig, "rope_theta"},
		{"theta zero", `{"head_dim": 64, "rope_theta": 0}`, 0, ErrRange, "rope_theta"},
		{"theta in section", `{"head_dim": 64, "rope_parameters": {"rope_type": "default", "rope_theta": -1}}`, 0, ErrRange, "rope_parameters.rope_theta"},
		{"scaling not object", `{"head_dim": 64, "rope_scaling": 5}`, 0, ErrConfig, "rope_scaling"},
		{"factor string", `{"head_dim": 64, "rope_scaling": {"type": "linear", "factor": "x"}}`, 0, ErrConfig, "rope_scaling.factor"},
		{"truncate string", `{"head_dim": 64, "rope_scaling": {"type": "yarn", "factor": 2, "truncate": "no"}}`, 0, ErrConfig, "rope_scaling.truncate"},
		{"list entry string", `{"head_dim": 4, "rope_scaling": {"type": "longrope", "short_factor": [1, "a"]}}`, 0, ErrConfig, "rope_scaling.short_factor[1]"},
		{"list not list", `{"head_dim": 4, "rope_scaling": {"type": "longrope", "short_factor": 3}}`, 0, ErrConfig, "rope_scaling.short_factor"},
		{"fractional heads", `{"num_attention_heads": 2.5, "hidden_size": 64}`, 0, ErrConfig, "num_attention_heads"},
		{"type not string", `{"head_dim": 64, "rope_scaling": {"type": 3}}`, 0, ErrConfig, "rope_scaling.type"},
		{"interleave not bool", `{"head_dim": 64, "rope_interleave": "yes"}`, 0, ErrConfig, "rope_interleave"},
		{"partial odd", `{"head_dim": 64, "partial_rotary_factor": 0.3}`, 0, ErrConfig, "partial_rotary_factor"},
		{"negative seq", `{"head_dim": 64}`, -1, ErrRange, "seq_len"},
		{"per-layer without full", `{"head_dim": 64, "rope_parameters": {"sliding_attention": {"rope_type": "default"}}}`, 0, ErrConfig, "rope_parameters"},
		{"dual chunk not object", `{"head_dim": 64, "dual_chunk_attention_config": 3}`, 0, ErrConfig, "dual_chunk_attention_config"},
		{"dual chunk size string", `{"head_dim": 64, "dual_chunk_attention_config": {"chunk_size": "big"}}`, 0, ErrConfig, "dual_chunk_attention_config.chunk_size"},
		{"dual chunk size 1", `{"head_dim": 64, "dual_chunk_attention_config": {"chunk_size": 1, "local_size": 0}}`, 0, ErrRange, "dual_chunk_attention_config.chunk_size"},
		{"dual chunk local ≥ chunk", `{"head_dim": 64, "dual_chunk_attention_config": {"chunk_size": 64, "local_size": 64}}`, 0, ErrRange, "dual_chunk_attention_config.local_size"},
		{"dual chunk default local ≥ chunk", `{"head_dim": 64, "dual_chunk_attention_config": {"chunk_size": 512}}`, 0, ErrRange, "dual_chunk_attention_config.local_size"},
		{"dual chunk size huge", `{"head_dim": 64, "dual_chunk_attention_config": {"chunk_size": 4294967296}}`, 0, ErrConfig, "dual_chunk_attention_config.chunk_size"},
		{"dual chunk negative orig", `{"head_dim": 64, "dual_chunk_attention_config": {"original_max_position_embeddings": -1}}`, 0, ErrConfig, "dual_chunk_attention_config.original_max_position_embeddings"},
	}
	for _, c := range cases {
		cfg, err := ReadHFConfig(strings.NewReader(c.js))
		if err == nil {
			_, err = cfg.Rotary(c.seqLen)
		}
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: %v does not wrap %v", c.name, err, c.kind)
		}
		var ae *ArgError
		if !errors.As(err, &ae) || ae.Arg != c.arg {
			t.Errorf("%s: %v does not name %q", c.name, err, c.arg)
		}
	}
	if _, err := ReadHFConfigFile(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, ErrConfig) {
		t.Errorf("missing file: %v", err)
	}
}

package bench

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestModelsMatchBundledConfigs resolves every workload's schedule and
// the one read from its bundled config.json and requires them to agree:
// the workloads carry the published values.
func TestModelsMatchBundledConfigs(t *testing.T) {
	for _, m := range Models() {
		cfg, err := ops.ReadHFConfigFile(filepath.Join("..", "testdata", "configs", m.Config))
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if (cfg.DualChunk == nil) != (m.DualChunk == nil) || (m.DualChunk != nil && *cfg.DualChunk != *m.DualChunk) {
			t.Errorf("%s: dual chunk %+v, config says %+v", m.Name, m.DualChunk, cfg.DualChunk)
		}
		if cfg.NumAttentionHeads != m.QHeads || cfg.NumKeyValueHeads != m.KVHeads || cfg.HeadDim != m.HeadDim {
			t.Errorf("%s: heads %d/%d d=%d, config says %d/%d d=%d", m.Name, m.QHeads, m.KVHeads, m.HeadDim,
				cfg.NumAttentionHeads, cfg.NumKeyValueHeads, cfg.HeadDim)
		}
		for _, seq := range []int{0, 4096, m.Context} {
			got, err := m.Rotary(seq)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			want, err := cfg.Rotary(seq)
			if err != nil {
				t.Fatalf("%s config: %v", m.Name, err)
			}
			if got.Type != want.Type || got.Dim != want.Dim || got.HeadDim != want.HeadDim ||
				got.AttentionFactor != want.AttentionFactor || got.Layout != want.Layout ||
				!slices.Equal(got.InvFreq, want.InvFreq) || !slices.Equal(got.F32(), want.F32()) {
				t.Errorf("%s seq %d: schedule %+v differs from its config's %+v", m.Name, seq, got, want)
			}
		}
	}
}

// TestModelAttentionFactors checks each schedule's attention factor
// against its formula: YaRN 0.1·ln(factor)+1, LongRoPE
// sqrt(1+ln(factor)/ln(Lo)), Llama-3 and the default schedule 1.
func TestModelAttentionFactors(t *testing.T) {
	want := map[string]float64{
		"llama-3.1-8b":    1,
		"qwen2.5-7b-1m":   1,
		"phi-3-mini-128k": math.Sqrt(1 + math.Log(32)/math.Log(4096)),
		"gpt-oss-20b":     0.1*math.Log(32) + 1,
	}
	for _, m := range Models() {
		r, err := m.Rotary(m.Context)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.AttentionFactor-want[m.Name]) > 1e-12 {
			t.Errorf("%s: attention factor %v, want %v", m.Name, r.AttentionFactor, want[m.Name])
		}
		if r.Dim != m.HeadDim || m.QHeads%m.KVHeads != 0 {
			t.Errorf("%s: rotary dim %d of %d, heads %d/%d", m.Name, r.Dim, m.HeadDim, m.QHeads, m.KVHeads)
		}
	}
}

func TestLookupModel(t *testing.T) {
	m, err := LookupModel("GPT-OSS-20B")
	if err != nil || m.Name != "gpt-oss-20b" || !m.Sinks {
		t.Errorf("LookupModel: %+v, %v", m, err)
	}
	_, err = LookupModel("llama-2")
	var ae *ops.ArgError
	if !errors.Is(err, ops.ErrConfig) || !errors.As(err, &ae) || ae.Arg != "model" || ae.Value != "llama-2" {
		t.Errorf("unknown model: %v", err)
	}
	bad := Model{Name: "x", RoPE: 3}
	if _, err := bad.Rotary(0); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("bad schedule parameters: %v", err)
	}
}

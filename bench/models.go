package bench

import (
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// Model is a benchmark workload: the attention shapes and RoPE schedule of
// a published model.
type Model struct {
	// Name is the short name used by --model ("llama-3.1-8b").
	Name string
	// Source names the published checkpoint the values come from.
	Source string
	// QHeads and KVHeads are the query and key/value heads; HeadDim the
	// head dimension.
	QHeads, KVHeads, HeadDim int
	// Context is the context length the workload's positions reach: the
	// model's max_position_embeddings.
	Context int
	// Sinks reports whether attention has per-head sink logits.
	Sinks bool
	// RoPE holds the schedule's parameters: an ops.RoPEParams (the
	// default schedule), ops.Llama3Params, ops.YaRNParams or
	// ops.LongRoPEParams value.
	RoPE any
	// DualChunk holds the model's Dual Chunk Attention configuration
	// (dual_chunk_attention_config), nil when it has none.
	DualChunk *ops.HFDualChunk
	// Config names the bundled Hugging Face config (in the repository's
	// testdata/configs) the RoPE parameters are taken from.
	Config string
	// Notes says where the workload departs from the published model.
	Notes string
}

// Rotary resolves the model's schedule for a sequence of seqLen tokens
// (LongRoPE picks its long factors beyond the original context); 0 means
// the model's context, as for ops.HFConfig.Rotary.
func (m Model) Rotary(seqLen int) (*ops.Rotary, error) {
	if seqLen <= 0 {
		seqLen = m.Context
	}
	switch p := m.RoPE.(type) {
	case ops.RoPEParams:
		return ops.Default(p)
	case ops.Llama3Params:
		return ops.Llama3(p)
	case ops.YaRNParams:
		return ops.YaRN(p)
	case ops.LongRoPEParams:
		p.SeqLen = seqLen
		return ops.LongRoPE(p)
	}
	return nil, ops.Errorf(ops.ErrConfig, "model."+m.Name+".rope", m.RoPE, "want default, llama3, yarn or longrope parameters")
}

// GQA returns QHeads/KVHeads.
func (m Model) GQA() int { return m.QHeads / m.KVHeads }

// Models returns the benchmark workloads: Llama-3.1-8B, Qwen2.5-7B-1M
// (default θ 1e7 with Dual Chunk Attention), Phi-3-mini-128k and
// gpt-oss-20b.
func Models() []Model {
	return []Model{
		{
			Name: "llama-3.1-8b", Source: "meta-llama/Llama-3.1-8B",
			QHeads: 32, KVHeads: 8, HeadDim: 128, Context: 131072,
			Config: "llama-3.1-8b.json",
			RoPE: ops.Llama3Params{
				RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 500000},
				Factor:     8, LowFreqFactor: 1, HighFreqFactor: 4,
				OriginalMaxPositionEmbeddings: 8192,
			},
		},
		{
			Name: "qwen2.5-7b-1m", Source: "Qwen/Qwen2.5-7B-Instruct-1M",
			QHeads: 28, KVHeads: 4, HeadDim: 128, Context: 1010000,
			Config: "qwen2.5-7b-instruct-1m.json",
			RoPE:   ops.RoPEParams{HeadDim: 128, Base: 1e7},
			DualChunk: &ops.HFDualChunk{
				Chunk:                         ops.DualChunk{ChunkSize: 262144, LocalSize: 8192},
				OriginalMaxPositionEmbeddings: 262144,
			},
		},
		{
			Name: "phi-3-mini-128k", Source: "microsoft/Phi-3-mini-128k-instruct",
			QHeads: 32, KVHeads: 32, HeadDim: 96, Context: 131072,
			Config: "phi-3-mini-128k-instruct.json",
			RoPE: ops.LongRoPEParams{
				RoPEParams:                    ops.RoPEParams{HeadDim: 96, Base: 10000},
				ShortFactor:                   phi3ShortFactor,
				LongFactor:                    phi3LongFactor,
				OriginalMaxPositionEmbeddings: 4096,
				MaxPositionEmbeddings:         131072,
			},
		},
		{
			Name: "gpt-oss-20b", Source: "openai/gpt-oss-20b",
			QHeads: 64, KVHeads: 8, HeadDim: 64, Context: 131072, Sinks: true,
			Config: "gpt-oss-20b.json",
			RoPE: ops.YaRNParams{
				RoPEParams:                    ops.RoPEParams{HeadDim: 64, Base: 150000},
				Factor:                        32,
				OriginalMaxPositionEmbeddings: 4096,
				BetaFast:                      32, BetaSlow: 1,
				NoTruncate: true,
			},
		},
	}
}

// ModelNames returns the names of Models, in order.
func ModelNames() []string {
	var names []string
	for _, m := range Models() {
		names = append(names, m.Name)
	}
	return names
}

// LookupModel returns the workload called name (case-insensitive).
func LookupModel(name string) (Model, error) {
	for _, m := range Models() {
		if strings.EqualFold(m.Name, name) {
			return m, nil
		}
	}
	return Model{}, ops.Errorf(ops.ErrConfig, "model", name, "want one of %s", strings.Join(ModelNames(), ", "))
}

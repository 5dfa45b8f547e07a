// Package hffixture reads testdata/hf_inv_freq.json, the float32 RoPE
// inverse-frequency tables PyTorch computed in Hugging Face's order of
// operations (written by testdata/gen_hf_inv_freq.py): the reference
// rotor's tests hold its float32 tables and its compat angles to.
package hffixture

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Fixture is the whole file.
type Fixture struct {
	// Torch is the version of PyTorch that computed the tables.
	Torch string `json:"torch"`
	// Cases are the tables, one per schedule.
	Cases []Case `json:"cases"`
}

// Case is one table and the schedule it was computed for: a bundled model
// config (Config, SeqLen) or constructor parameters (Params, with a "type"
// key naming the schedule).
type Case struct {
	Name   string         `json:"name"`
	Config string         `json:"config"`
	SeqLen int            `json:"seq_len"`
	Params map[string]any `json:"params"`
	// AttentionFactor is Hugging Face's attention_scaling for the case.
	AttentionFactor float64 `json:"attention_factor"`
	// InvFreqF32 holds the float32 entries as JSON numbers.
	InvFreqF32 []float64 `json:"inv_freq_f32"`
}

// Load reads testdata/hf_inv_freq.json under the repository root root.
func Load(root string) (*Fixture, error) {
	data, err := os.ReadFile(filepath.Join(root, "testdata", "hf_inv_freq.json"))
	if err != nil {
		return nil, err
	}
	var fx Fixture
	if err := json.Unmarshal(data, &fx); err != nil {
		return nil, err
	}
	return &fx, nil
}

// Table returns the case's entries as float32, or an error if one of them
// is not a float32 value.
func (c *Case) Table() ([]float32, error) {
	out := make([]float32, len(c.InvFreqF32))
	for j, w := range c.InvFreqF32 {
		out[j] = float32(w)
		if float64(out[j]) != w {
			return nil, fmt.Errorf("%s: entry %d = %v is not a float32 value", c.Name, j, w)
		}
	}
	return out, nil
}

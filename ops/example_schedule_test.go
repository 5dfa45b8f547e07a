package ops_test

import (
	"fmt"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// Llama-3.1's schedule: high frequencies kept, low frequencies divided by
// the factor, a smooth blend between.
func ExampleLlama3() {
	r, err := ops.Llama3(ops.Llama3Params{
		RoPEParams:                    ops.RoPEParams{HeadDim: 128, Base: 500000},
		Factor:                        8,
		LowFreqFactor:                 1,
		HighFreqFactor:                4,
		OriginalMaxPositionEmbeddings: 8192,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Type, r.Dim, r.Pairs(), r.AttentionFactor)
	fmt.Printf("pair 0: %.6g, pair 63: %.6g\n", r.InvFreq[0], r.InvFreq[63])
	// Output:
	// llama3 128 64 1
	// pair 0: 1, pair 63: 3.06893e-07
}

// YaRN as gpt-oss configures it; the attention factor is 0.1 ln(32) + 1.
func ExampleYaRN() {
	r, err := ops.YaRN(ops.YaRNParams{
		RoPEParams:                    ops.RoPEParams{HeadDim: 64, Base: 150000},
		Factor:                        32,
		OriginalMaxPositionEmbeddings: 4096,
		NoTruncate:                    true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s dim=%d attention_factor=%.6f\n", r.Type, r.Dim, r.AttentionFactor)
	// Output:
	// yarn dim=64 attention_factor=1.346574
}

// Reading a Hugging Face config.json and resolving its schedule for the
// model's full context.
func ExampleReadHFConfig() {
	cfg, err := ops.ReadHFConfig(strings.NewReader(`{
		"model_type": "phi3", "hidden_size": 3072, "num_attention_heads": 32,
		"max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
		"rope_theta": 10000.0, "partial_rotary_factor": 0.5,
		"rope_scaling": {"type": "longrope",
			"short_factor": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
			"long_factor":  [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := cfg.Rotary(0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.ModelType, cfg.HeadDim, cfg.ContextLength())
	fmt.Printf("%s rotary_dim=%d inv_freq[0]=%g attention_factor=%.6f\n", r.Type, r.Dim, r.InvFreq[0], r.AttentionFactor)
	// Output:
	// phi3 96 131072
	// longrope rotary_dim=48 inv_freq[0]=0.5 attention_factor=1.190238
}

// A caller-given table.
func ExampleTable() {
	r, err := ops.Table(ops.TableParams{HeadDim: 8, InvFreq: []float64{1, 0.1}, Layout: ops.GPTJ})
	fmt.Println(r.Type, r.Dim, r.Layout, r.AttentionFactor, err)
	// Output:
	// table 4 gptj 1 <nil>
}

// A model's own float32 inv_freq buffer (here 1/10000^(2j/8), as torch
// stores it) used as is: Compat angles form float32(pos)·buf[j] from
// exactly these values, Accurate angles rotate by their float64 widening.
func ExampleTable_float32Buffer() {
	buf := []float32{1, 0.1, 0.01, 0.001}
	r, err := ops.Table(ops.TableParams{HeadDim: 8, InvFreqF32: buf, AttentionFactor: 1.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Type, r.Dim, r.AttentionFactor, r.F32()[1] == buf[1])
	fmt.Printf("inv_freq[1] = %.17g\n", r.InvFreq[1])
	// Output:
	// table 8 1.25 true
	// inv_freq[1] = 0.10000000149011612
}

// Giraffe's power basis with k = 0.5: pair j is multiplied by
// (1 - 2j/d)^0.5, so pair 0 keeps its frequency and the slow pairs shrink.
func ExampleGiraffePower() {
	r, err := ops.GiraffePower(ops.GiraffePowerParams{
		RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 10000},
		ScalePower: 0.5,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Type, r.Pairs())
	fmt.Printf("pair 0: %.6g, pair 32: %.6g, pair 63: %.6g\n", r.InvFreq[0], r.InvFreq[32], r.InvFreq[63])
	// Output:
	// giraffe-power 64
	// pair 0: 1, pair 32: 0.00707107, pair 63: 1.44348e-05
}

// Giraffe's truncated basis at LLaMA's 2048 training tokens: pairs whose
// wavelength fits in 2048 tokens keep their frequency, those up to 8×2048
// get ρ = 2π/(16·2048), the slower ones are not rotated.
func ExampleGiraffeTruncate() {
	r, err := ops.GiraffeTruncate(ops.GiraffeTruncateParams{
		RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 10000},
		Truncate:   2048,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Type, r.Pairs())
	fmt.Printf("pair 40: %.6g, pairs 41-54: %.6g, pairs 55-63: %g\n", r.InvFreq[40], r.InvFreq[41], r.InvFreq[55])
	// Output:
	// giraffe-truncate 64
	// pair 40: 0.00316228, pairs 41-54: 0.000191748, pairs 55-63: 0
}

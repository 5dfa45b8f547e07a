package ops

import "fmt"

// TableParams give a schedule's frequencies directly.
type TableParams struct {
	// HeadDim is the full head dimension (even); 2*len(InvFreq) dimensions
	// rotate.
	HeadDim int
	// InvFreq holds one finite, non-negative inverse frequency per pair
	// (0: the pair is not rotated). Nil with InvFreqF32 set means the
	// float32 table widened exactly to float64.
	InvFreq []float64
	// InvFreqF32, when set, holds the float32 table Compat angles use; it
	// must have as many entries as InvFreq. Nil means float32(InvFreq[j]).
	// A model's own float32 inv_freq buffer goes here, alone: Compat then
	// forms float32(pos)·InvFreqF32[j] exactly as the model's framework
	// does, and Accurate rotates by the exact float64 value of each entry.
	InvFreqF32 []float32
	// AttentionFactor multiplies cos and sin; 0 means 1.
	AttentionFactor float64
	// Layout is NeoX (default) or GPTJ.
	Layout Layout
}

// Table returns a caller-given schedule (type "table"): pair j rotates by
// p*InvFreq[j], cos and sin are multiplied by AttentionFactor. The slices
// are copied. Learned or searched schedules (CLEX, LongRoPE searches,
// per-model tables) enter rotor this way.
func Table(p TableParams) (*Rotary, error) {
	attn := p.AttentionFactor
	if attn == 0 {
		attn = 1
	}
	inv := append([]float64(nil), p.InvFreq...)
	if p.InvFreq == nil {
		inv = make([]float64, len(p.InvFreqF32))
		for j, f := range p.InvFreqF32 {
			inv[j] = float64(f)
		}
	}
	r := &Rotary{
		Type:            "table",
		HeadDim:         p.HeadDim,
		Dim:             2 * len(inv),
		InvFreq:         inv,
		AttentionFactor: attn,
		Layout:          p.Layout,
	}
	if p.InvFreqF32 != nil {
		r.InvFreqF32 = append([]float32(nil), p.InvFreqF32...)
	}
	if p.HeadDim > MaxHeadDim {
		return nil, Errorf(ErrConfig, "head_dim", p.HeadDim, "want an even number in [2, %d]", MaxHeadDim)
	}
	if err := r.Validate(); err != nil {
		return nil, tableError(err)
	}
	return r, nil
}

// tableError renames Validate's "rotary.*" arguments to the TableParams
// field names.
func tableError(err error) error {
	ae, ok := err.(*ArgError)
	if !ok {
		return err
	}
	names := map[string]string{
		"rotary.head_dim":         "head_dim",
		"rotary.dim":              "inv_freq",
		"rotary.inv_freq_f32":     "inv_freq_f32",
		"rotary.attention_factor": "attention_factor",
		"rotary.layout":           "layout",
	}
	if n, ok := names[ae.Arg]; ok {
		return &ArgError{Kind: ae.Kind, Arg: n, Value: ae.Value, Want: ae.Want}
	}
	if len(ae.Arg) > 7 && ae.Arg[:7] == "rotary." {
		return &ArgError{Kind: ae.Kind, Arg: ae.Arg[7:], Value: ae.Value, Want: ae.Want}
	}
	return fmt.Errorf("table: %w", err)
}

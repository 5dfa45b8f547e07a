package ops

import "math"

// DynamicParams configure dynamic NTK scaling.
type DynamicParams struct {
	RoPEParams
	// Factor is rope_scaling.factor: finite, > 0.
	Factor float64
	// MaxPositionEmbeddings is the model's max_position_embeddings L (not
	// original_max_position_embeddings, which Hugging Face ignores here).
	MaxPositionEmbeddings int
	// SeqLen is the current sequence length (largest position + 1); 0
	// means L. Lengths up to L give the default schedule.
	SeqLen int
}

// DynamicNTK returns the dynamic NTK schedule (type "dynamic") for the
// current sequence length, following Hugging Face's rule:
//
//	s = max(seq_len, L)
//	base' = base * (factor*s/L - (factor-1))^(d/(d-2))
//	inv_freq[j] = 1 / base'^(2j/d)
//	attention_factor = 1
//
// For s ≤ L base' equals base. Hugging Face recomputes the table during
// the forward pass whenever seq_len grows past the longest length seen
// (and restores the original once seq_len falls back below L), with
// seq_len a tensor: base' is then formed in float32, step by step, and
// InvFreqF32 reproduces that; for s ≤ L it is formed in float64 as at
// initialisation. InvFreq always uses the float64 formula. d must be at
// least 4.
func DynamicNTK(p DynamicParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	if err := checkFactor("factor", p.Factor); err != nil {
		return nil, err
	}
	if err := checkLength("max_position_embeddings", p.MaxPositionEmbeddings); err != nil {
		return nil, err
	}
	if p.SeqLen < 0 {
		return nil, Errorf(ErrRange, "seq_len", p.SeqLen, "want ≥ 0 (0 means max_position_embeddings)")
	}
	if d < 4 {
		return nil, Errorf(ErrConfig, "rotary_dim", d, "NTK scaling needs at least 4 rotated dimensions")
	}
	L := p.MaxPositionEmbeddings
	s := max(p.SeqLen, L)
	expo := float64(d) / float64(d-2)
	base := p.Base * math.Pow(p.Factor*float64(s)/float64(L)-(p.Factor-1), expo)
	if err := checkScaledBase("factor", p.Factor, base); err != nil {
		return nil, err
	}
	inv := make([]float64, d/2)
	for j := range inv {
		inv[j] = defaultInvFreq(base, j, d)
	}
	base32 := float32(base)
	if s > L {
		base32 = dynamicBaseF32(p.Base, p.Factor, s, L, expo)
		if math.IsInf(float64(base32), 0) || base32 <= 1 {
			return nil, Errorf(ErrRange, "factor", p.Factor, "float32 rescaled base %g is not a finite number > 1", base32)
		}
	}
	return newRotary("dynamic", &p.RoPEParams, d, inv, hfInvFreqF32(float64(base32), d, d/2), 1)
}

// dynamicBaseF32 forms base' as Hugging Face's forward pass does, with
// seq_len an int64 tensor: every step is a float32 tensor operation
// except the power, whose 0-dim float32 operand is raised to the float64
// exponent in float64 and rounded back.
func dynamicBaseF32(base, factor float64, s, L int, expo float64) float32 {
	x := float32(float32(factor) * float32(s))
	x = float32(x / float32(L))
	x = float32(x - float32(factor-1))
	x = float32(math.Pow(float64(x), expo))
	return float32(float32(base) * x)
}

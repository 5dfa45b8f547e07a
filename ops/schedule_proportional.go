package ops

import "math"

// ProportionalParams configure proportional RoPE.
type ProportionalParams struct {
	// HeadDim is the full head dimension (even); every pair is listed.
	HeadDim int
	// Base is θ (rope_theta).
	Base float64
	// PartialRotaryFactor is the rotated share p in (0, 1]; 0 means 1.
	PartialRotaryFactor float64
	// Factor divides every frequency; 0 means 1.
	Factor float64
	// Layout is NeoX (default) or GPTJ.
	Layout Layout
}

// Proportional returns Hugging Face's proportional schedule (type
// "proportional"): a = int(p * head_dim // 2) pairs rotate with exponents
// taken over the full head dimension and the remaining pairs get a zero
// frequency (cos 1, sin 0: unrotated),
//
//	inv_freq[j] = 1 / base^(2j/head_dim) / factor   for j < a
//	inv_freq[j] = 0                                 for a ≤ j < head_dim/2
//	attention_factor = 1
//
// Dim is HeadDim. InvFreqF32 is Hugging Face's float32 table with
// exponent denominator head_dim, divided by float32(factor) in float32.
func Proportional(p ProportionalParams) (*Rotary, error) {
	rp := RoPEParams{HeadDim: p.HeadDim, Base: p.Base, Layout: p.Layout}
	d, err := rp.rotaryDim()
	if err != nil {
		return nil, err
	}
	share, factor := p.PartialRotaryFactor, p.Factor
	if share == 0 {
		share = 1
	}
	if factor == 0 {
		factor = 1
	}
	if bad(share) || share <= 0 || share > 1 {
		return nil, Errorf(ErrRange, "partial_rotary_factor", p.PartialRotaryFactor, "want a number in (0, 1]")
	}
	if err := checkFactor("factor", factor); err != nil {
		return nil, err
	}
	a := int(math.Floor(share * float64(d) / 2))
	inv := make([]float64, d/2)
	inv32 := make([]float32, d/2)
	copy(inv32, hfInvFreqF32(p.Base, d, a))
	for j := 0; j < a; j++ {
		inv[j] = defaultInvFreq(p.Base, j, d) / factor
	}
	f32DivScalar(inv32, factor)
	return newRotary("proportional", &rp, d, inv, inv32, 1)
}

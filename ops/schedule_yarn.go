package ops

import "math"

// YaRNParams configure YaRN scaling. Zero values of the optional fields
// select Hugging Face's defaults.
type YaRNParams struct {
	RoPEParams
	// Factor is the context extension factor s: finite, > 0.
	Factor float64
	// OriginalMaxPositionEmbeddings is the pretraining context Lo.
	OriginalMaxPositionEmbeddings int
	// BetaFast and BetaSlow bound the ramp in rotations; 0 means 32 and
	// 1 (as in Hugging Face, where 0 also counts as unset).
	BetaFast, BetaSlow float64
	// Mscale and MscaleAllDim (DeepSeek) set the attention factor to
	// mscale(s, Mscale) / mscale(s, MscaleAllDim) when both are non-zero.
	Mscale, MscaleAllDim float64
	// AttentionFactor, when non-zero, is used as is.
	AttentionFactor float64
	// NoTruncate keeps the ramp bounds fractional (gpt-oss ships
	// "truncate": false); by default they are floored and ceiled.
	NoTruncate bool
}

// YaRN returns the YaRN schedule (type "yarn") with the semantics of
// current Hugging Face transformers (rope_parameters API):
//
//	corr(r) = d * ln(Lo / (2π r)) / (2 ln base)
//	low, high = corr(beta_fast), corr(beta_slow)      (floor, ceil unless NoTruncate)
//	low, high = max(low, 0), min(high, d-1)           (high += 0.001 if equal)
//	ramp[j] = clamp((j - low) / (high - low), 0, 1)   for j = 0 .. d/2-1
//	inv_freq[j] = ramp[j] / (s * base^(2j/d)) + (1 - ramp[j]) / base^(2j/d)
//	mscale(s, m) = 1 if s ≤ 1 else 0.1*m*ln(s) + 1
//	attention_factor = mscale(s, 1), or mscale(s, Mscale)/mscale(s, MscaleAllDim)
//
// so pairs below low keep their frequency, pairs above high are divided by
// s, and the ramp blends in between. InvFreqF32 follows Hugging Face's
// float32 tensor steps: pos_freqs = float32 base^exponent, extrapolation
// 1/pos_freqs and interpolation 1/(float32(s)*pos_freqs), the ramp in
// float32 from float32(low) and float32(high-low), extrapolation weight
// 1-ramp, then interp*(1-w) + extrap*w, each operation rounded.
//
// Older transformers releases (the rope_scaling API) differ: corr uses
// max_position_embeddings instead of Lo, the bounds are always truncated,
// mscale and mscale_all_dim are ignored, and the attention factor is
// 0.1*ln(s) + 1 even for s ≤ 1. Those give different tables whenever
// max_position_embeddings ≠ Lo.
func YaRN(p YaRNParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	betaFast, betaSlow := p.BetaFast, p.BetaSlow
	if betaFast == 0 {
		betaFast = 32
	}
	if betaSlow == 0 {
		betaSlow = 1
	}
	low, high := yarnRange(betaFast, betaSlow, d, p.Base, p.OriginalMaxPositionEmbeddings, !p.NoTruncate)
	n := d / 2
	inv := make([]float64, n)
	for j := range inv {
		pf := math.Pow(p.Base, float64(2*j)/float64(d))
		ramp := min(max((float64(j)-low)/(high-low), 0), 1)
		w := 1 - ramp
		inv[j] = (1/(p.Factor*pf))*(1-w) + (1/pf)*w
	}
	inv32 := hfPosFreqsF32(p.Base, d, n)
	s32, low32, span32 := float32(p.Factor), float32(low), float32(high-low)
	for j, pf := range inv32 {
		extrap := f32Recip(1, pf)
		interp := f32Recip(1, float32(s32*pf))
		ramp := float32(float32(float32(j)-low32) / span32)
		ramp = min(max(ramp, 0), 1)
		w := float32(1 - ramp)
		inv32[j] = float32(float32(interp*float32(1-w)) + float32(extrap*w))
	}
	return newRotary("yarn", &p.RoPEParams, d, inv, inv32, p.attentionFactor())
}

func (p *YaRNParams) check() error {
	if err := checkFactor("factor", p.Factor); err != nil {
		return err
	}
	if err := checkLength("original_max_position_embeddings", p.OriginalMaxPositionEmbeddings); err != nil {
		return err
	}
	for _, v := range []struct {
		arg string
		x   float64
	}{
		{"beta_fast", p.BetaFast}, {"beta_slow", p.BetaSlow},
		{"mscale", p.Mscale}, {"mscale_all_dim", p.MscaleAllDim},
		{"attention_factor", p.AttentionFactor},
	} {
		if bad(v.x) || v.x < 0 {
			return Errorf(ErrRange, v.arg, v.x, "want a finite number ≥ 0 (0 means the default)")
		}
	}
	return nil
}

// attentionFactor returns the explicit factor or the mscale rule.
func (p *YaRNParams) attentionFactor() float64 {
	if p.AttentionFactor != 0 {
		return p.AttentionFactor
	}
	if p.Mscale != 0 && p.MscaleAllDim != 0 {
		return YaRNMscale(p.Factor, p.Mscale) / YaRNMscale(p.Factor, p.MscaleAllDim)
	}
	return YaRNMscale(p.Factor, 1)
}

// YaRNMscale returns YaRN's magnitude correction for scale s and
// multiplier m: 1 when s ≤ 1, else 0.1*m*ln(s) + 1. DeepSeek models also
// multiply their softmax scale by YaRNMscale(factor, mscale_all_dim)².
func YaRNMscale(s, m float64) float64 {
	if s <= 1 {
		return 1
	}
	return 0.1*m*math.Log(s) + 1
}

// yarnRange returns the ramp bounds (low, high) in pair units, clamped to
// [0, d-1], with high nudged by 0.001 when they coincide.
func yarnRange(betaFast, betaSlow float64, d int, base float64, origMax int, truncate bool) (low, high float64) {
	corr := func(rot float64) float64 {
		return float64(d) * math.Log(float64(origMax)/(rot*2*math.Pi)) / (2 * math.Log(base))
	}
	low, high = corr(betaFast), corr(betaSlow)
	if truncate {
		low, high = math.Floor(low), math.Ceil(high)
	}
	low, high = max(low, 0), min(high, float64(d-1))
	if low == high {
		high += 0.001
	}
	return low, high
}

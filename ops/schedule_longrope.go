package ops

import (
	"fmt"
	"math"
)

// LongRoPEParams configure LongRoPE (Phi-3 "su"/"longrope") scaling.
type LongRoPEParams struct {
	RoPEParams
	// ShortFactor and LongFactor hold d/2 per-pair rescale factors
	// (finite, > 0): short for sequences up to Lo, long beyond.
	ShortFactor, LongFactor []float64
	// OriginalMaxPositionEmbeddings is the pretraining context Lo (> 1).
	OriginalMaxPositionEmbeddings int
	// Factor is the extension factor; 0 means MaxPositionEmbeddings / Lo.
	Factor float64
	// MaxPositionEmbeddings is the extended context, needed when Factor
	// is 0.
	MaxPositionEmbeddings int
	// AttentionFactor, when non-zero, replaces the derived one.
	AttentionFactor float64
	// SeqLen is the current sequence length; the long factors apply when
	// SeqLen > Lo. 0 selects the short factors.
	SeqLen int
}

// LongRoPE returns the LongRoPE schedule (type "longrope"):
//
//	ext = long_factor if seq_len > Lo else short_factor
//	inv_freq[j] = 1 / (ext[j] * base^(2j/d))
//	attention_factor = 1 if factor ≤ 1 else sqrt(1 + ln(factor)/ln(Lo))
//
// The same attention factor serves both lists. Hugging Face switches to
// the long table once the largest position + 1 exceeds Lo and back to the
// short one below it. InvFreqF32 is 1/(float32(ext[j]) * float32
// base^exponent), each operation rounded to float32.
func LongRoPE(p LongRoPEParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	if err := checkFactorList("short_factor", p.ShortFactor, d/2); err != nil {
		return nil, err
	}
	if err := checkFactorList("long_factor", p.LongFactor, d/2); err != nil {
		return nil, err
	}
	lo := p.OriginalMaxPositionEmbeddings
	if lo <= 1 {
		return nil, Errorf(ErrRange, "original_max_position_embeddings", lo, "want a length > 1")
	}
	if p.SeqLen < 0 {
		return nil, Errorf(ErrRange, "seq_len", p.SeqLen, "want ≥ 0")
	}
	factor := p.Factor
	if factor == 0 {
		if err := checkLength("max_position_embeddings", p.MaxPositionEmbeddings); err != nil {
			return nil, err
		}
		factor = float64(p.MaxPositionEmbeddings) / float64(lo)
	}
	if err := checkFactor("factor", factor); err != nil {
		return nil, err
	}
	attn := p.AttentionFactor
	if bad(attn) || attn < 0 {
		return nil, Errorf(ErrRange, "attention_factor", attn, "want a finite number ≥ 0 (0 means derived)")
	}
	if attn == 0 {
		attn = LongRoPEAttentionFactor(factor, lo)
	}
	ext := p.ShortFactor
	if p.SeqLen > lo {
		ext = p.LongFactor
	}
	inv := make([]float64, d/2)
	for j := range inv {
		inv[j] = 1 / (ext[j] * math.Pow(p.Base, float64(2*j)/float64(d)))
	}
	inv32 := hfPosFreqsF32(p.Base, d, d/2)
	for j, pw := range inv32 {
		inv32[j] = f32Recip(1, float32(float32(ext[j])*pw))
	}
	return newRotary("longrope", &p.RoPEParams, d, inv, inv32, attn)
}

// LongRoPEAttentionFactor returns LongRoPE's default attention factor for
// extension factor s and pretraining context lo: 1 when s ≤ 1, else
// sqrt(1 + ln(s)/ln(lo)).
func LongRoPEAttentionFactor(s float64, lo int) float64 {
	if s <= 1 {
		return 1
	}
	return math.Sqrt(1 + math.Log(s)/math.Log(float64(lo)))
}

// checkFactorList wants n finite, positive entries.
func checkFactorList(arg string, v []float64, n int) error {
	if len(v) != n {
		return Errorf(ErrConfig, arg, fmt.Sprintf("%d entries", len(v)), "want rotary_dim/2 = %d entries", n)
	}
	for i, x := range v {
		if bad(x) || x <= 0 || math.IsInf(float64(float32(x)), 0) {
			return Errorf(ErrRange, fmt.Sprintf("%s[%d]", arg, i), x, "want a finite number > 0")
		}
	}
	return nil
}

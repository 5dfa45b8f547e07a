package ops

import "math"

// Llama3Params configure Llama-3.1's frequency smoothing.
type Llama3Params struct {
	RoPEParams
	// Factor divides the low frequencies (8 for Llama-3.1).
	Factor float64
	// LowFreqFactor and HighFreqFactor set the band edges (1 and 4 for
	// Llama-3.1); HighFreqFactor must exceed LowFreqFactor.
	LowFreqFactor, HighFreqFactor float64
	// OriginalMaxPositionEmbeddings is the pretraining context Lo (8192).
	OriginalMaxPositionEmbeddings int
}

// Llama3 returns the Llama-3 schedule (type "llama3"). With
// inv[j] = 1/base^(2j/d) and wavelength λ[j] = 2π/inv[j]:
//
//	λ > Lo/low_freq_factor:    inv_freq[j] = inv[j] / factor
//	λ < Lo/high_freq_factor:   inv_freq[j] = inv[j]
//	otherwise:                 sm = (Lo/λ - low_freq_factor) / (high_freq_factor - low_freq_factor)
//	                           inv_freq[j] = (1-sm) * inv[j]/factor + sm * inv[j]
//	attention_factor = 1
//
// InvFreqF32 follows Hugging Face's float32 steps: λ = reciprocal(inv) *
// float32(2π), the band tests against float32 band edges, Lo/λ as
// reciprocal(λ) * Lo, and the smoothing blend ((1-sm)*inv)/factor +
// sm*inv, each operation rounded to float32.
func Llama3(p Llama3Params) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	lo := float64(p.OriginalMaxPositionEmbeddings)
	lowWL, highWL := lo/p.LowFreqFactor, lo/p.HighFreqFactor
	span := p.HighFreqFactor - p.LowFreqFactor
	inv := make([]float64, d/2)
	for j := range inv {
		f := defaultInvFreq(p.Base, j, d)
		wl := 2 * math.Pi / f
		switch {
		case wl > lowWL:
			f /= p.Factor
		case wl >= highWL:
			sm := (lo/wl - p.LowFreqFactor) / span
			f = (1-sm)*f/p.Factor + sm*f
		}
		inv[j] = f
	}
	inv32 := hfInvFreqF32(p.Base, d, d/2)
	lowWL32, highWL32 := float32(lowWL), float32(highWL)
	fac32, lff32, span32 := float32(p.Factor), float32(p.LowFreqFactor), float32(span)
	for j, f := range inv32 {
		wl := f32Recip(2*math.Pi, f)
		tmp := f
		if wl > lowWL32 {
			tmp = float32(f / fac32)
		}
		if !(wl < highWL32) && !(wl > lowWL32) {
			sm := float32(float32(f32Recip(lo, wl)-lff32) / span32)
			tmp = float32(float32(float32(float32(1-sm)*tmp)/fac32) + float32(sm*tmp))
		}
		inv32[j] = tmp
	}
	return newRotary("llama3", &p.RoPEParams, d, inv, inv32, 1)
}

func (p *Llama3Params) check() error {
	if err := checkFactor("factor", p.Factor); err != nil {
		return err
	}
	if err := checkFactor("low_freq_factor", p.LowFreqFactor); err != nil {
		return err
	}
	if err := checkFactor("high_freq_factor", p.HighFreqFactor); err != nil {
		return err
	}
	if p.HighFreqFactor <= p.LowFreqFactor {
		return Errorf(ErrConfig, "high_freq_factor", p.HighFreqFactor, "want > low_freq_factor = %g", p.LowFreqFactor)
	}
	return checkLength("original_max_position_embeddings", p.OriginalMaxPositionEmbeddings)
}

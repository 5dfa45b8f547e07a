package ops

import "math"

// NTKParams configure the fixed NTK-aware base rescale.
type NTKParams struct {
	RoPEParams
	// Alpha stretches the base: finite, > 0 (1 leaves it unchanged).
	Alpha float64
}

// NTKAware returns the fixed NTK-aware schedule (type "ntk"): the base is
// enlarged once so the lowest frequency is interpolated by about Alpha
// while the highest is kept,
//
//	base' = base * alpha^(d/(d-2))
//	inv_freq[j] = 1 / base'^(2j/d)
//	attention_factor = 1
//
// Hugging Face transformers has no such rope type; Hunyuan configs spell
// it as rope_scaling {"type": "dynamic", "alpha": α}, which ReadHFConfig
// maps here. base' is formed in float64 and InvFreqF32 is then built like
// the default table from float32(base'). d must be at least 4.
func NTKAware(p NTKParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	if err := checkFactor("alpha", p.Alpha); err != nil {
		return nil, err
	}
	if d < 4 {
		return nil, Errorf(ErrConfig, "rotary_dim", d, "NTK scaling needs at least 4 rotated dimensions")
	}
	base := p.Base * math.Pow(p.Alpha, float64(d)/float64(d-2))
	if err := checkScaledBase("alpha", p.Alpha, base); err != nil {
		return nil, err
	}
	inv := make([]float64, d/2)
	for j := range inv {
		inv[j] = defaultInvFreq(base, j, d)
	}
	return newRotary("ntk", &p.RoPEParams, d, inv, hfInvFreqF32(base, d, d/2), 1)
}

// checkScaledBase rejects a rescaled base that overflowed or fell to 1 or
// below, naming the parameter that caused it.
func checkScaledBase(arg string, v, base float64) error {
	if bad(base) || base <= 1 || float32(base) > math.MaxFloat32 {
		return Errorf(ErrRange, arg, v, "rescaled base %g is not a finite float32 number > 1", base)
	}
	return nil
}

package ops

// LinearParams configure linear scaling (position interpolation).
type LinearParams struct {
	RoPEParams
	// Factor divides every frequency (rope_scaling.factor): finite, > 0.
	Factor float64
}

// Linear returns the position-interpolation schedule (type "linear"),
// equivalent to dividing positions by Factor:
//
//	inv_freq[j] = (1 / base^(2j/d)) / factor
//	attention_factor = 1
//
// InvFreqF32 divides Hugging Face's default float32 table by
// float32(factor) in float32, as "inv_freq /= factor" does.
func Linear(p LinearParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	if err := checkFactor("factor", p.Factor); err != nil {
		return nil, err
	}
	inv := make([]float64, d/2)
	for j := range inv {
		inv[j] = defaultInvFreq(p.Base, j, d) / p.Factor
	}
	inv32 := hfInvFreqF32(p.Base, d, d/2)
	f32DivScalar(inv32, p.Factor)
	return newRotary("linear", &p.RoPEParams, d, inv, inv32, 1)
}

package precision

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// FreqRef selects the inverse frequencies of a float64 reference.
type FreqRef uint8

const (
	// ExactFreqs uses Rotary.InvFreq, the schedule's frequencies computed
	// in float64 from its exact formula (the R-exact reference; judge
	// relative-position invariance against it).
	ExactFreqs FreqRef = iota
	// F32Freqs uses the float32 frequencies Hugging Face builds
	// (Rotary.F32()), widened exactly to float64: the R-compat reference,
	// the truth for parity with models trained on those frequencies.
	F32Freqs
)

// String returns "exact" or "f32".
func (f FreqRef) String() string {
	switch f {
	case ExactFreqs:
		return "exact"
	case F32Freqs:
		return "f32"
	}
	return fmt.Sprintf("freqs(%d)", uint8(f))
}

// RefInvFreq returns the Dim/2 float64 inverse frequencies the reference
// freqs uses for schedule r (a new slice).
func RefInvFreq(r *ops.Rotary, freqs FreqRef) ([]float64, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	switch freqs {
	case ExactFreqs:
		return append([]float64(nil), r.InvFreq...), nil
	case F32Freqs:
		f32 := r.F32()
		out := make([]float64, len(f32))
		for j, f := range f32 {
			out[j] = float64(f)
		}
		return out, nil
	}
	return nil, ops.Errorf(ops.ErrConfig, "freqs", freqs, "want exact or f32")
}

// RefCosSin returns attn·cos θ and attn·sin θ in float64 for the exact
// angle θ = pos·invFreq, from math.Sincos (Payne–Hanek reduction beyond
// 2^29, accurate to about 1 float64 ulp) of the rounded product, corrected
// by the product's rounding error.
func RefCosSin(pos int32, invFreq, attn float64) (c, s float64) {
	// θ = fl(p·f) misses p·f by e = fma(p, f, −θ), up to half an ulp of θ
	// (1.2e-7 rad near 2^31). math.Sincos(θ) is then corrected to second
	// order: sin(θ+e) = sin θ + e·cos θ − e²/2·sin θ and
	// cos(θ+e) = cos θ − e·sin θ − e²/2·cos θ; the neglected e³/6 is below
	// 1e-21.
	p := float64(pos)
	theta := p * invFreq
	e := math.FMA(p, invFreq, -theta)
	s, c = math.Sincos(theta)
	h := e * e / 2
	s, c = s+(e*c-h*s), c-(e*s+h*c)
	return attn * c, attn * s
}

// RefRoPE returns x rotated by RoPE in float64: the reference every RoPE
// kernel is judged against. x is a dense row-major [T, heads,
// r.HeadDim] array with T = len(pos); it is not modified.
//
// The reference loop, with f = RefInvFreq(r, freqs) and
// (a, b) = ops.PairIndex(r.Layout, r.Dim, j):
//
//	for t, h:
//	    for j in [0, r.Dim/2):
//	        c, s := RefCosSin(pos[t], f[j], r.AttentionFactor)
//	        y[t,h,a] = x[t,h,a]*c - x[t,h,b]*s
//	        y[t,h,b] = x[t,h,b]*c + x[t,h,a]*s
//	    y[t,h,k] = x[t,h,k] for k in [r.Dim, r.HeadDim)   (partial rotary)
//
// Negative positions are allowed (the rotation by a negative angle). An
// invalid schedule, a FreqRef other than ExactFreqs and F32Freqs, heads
// < 1 or a length of x other than len(pos)·heads·r.HeadDim is an error.
func RefRoPE(x []float64, heads int, pos []int32, r *ops.Rotary, freqs FreqRef) ([]float64, error) {
	f, err := RefInvFreq(r, freqs)
	if err != nil {
		return nil, err
	}
	if heads < 1 {
		return nil, ops.Errorf(ops.ErrShape, "heads", heads, "want at least 1")
	}
	if want := len(pos) * heads * r.HeadDim; len(x) != want {
		return nil, ops.Errorf(ops.ErrShape, "x", len(x), "want len(pos)·heads·head_dim = %d·%d·%d = %d elements", len(pos), heads, r.HeadDim, want)
	}
	y := make([]float64, len(x))
	copy(y, x)
	half := r.Pairs()
	cs := make([]float64, 2*half)
	for t, p := range pos {
		for j := range half {
			cs[2*j], cs[2*j+1] = RefCosSin(p, f[j], r.AttentionFactor)
		}
		for h := range heads {
			row := y[(t*heads+h)*r.HeadDim:][:r.HeadDim]
			for j := range half {
				a, b := ops.PairIndex(r.Layout, r.Dim, j)
				c, s := cs[2*j], cs[2*j+1]
				xa, xb := row[a], row[b]
				row[a] = xa*c - xb*s
				row[b] = xb*c + xa*s
			}
		}
	}
	return y, nil
}

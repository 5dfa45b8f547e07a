package bench

import "github.com/rotorkernels/rotor/ops"

// GBps returns bytes/seconds in units of 1e9 bytes per second.
func GBps(bytes, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return bytes / seconds / 1e9
}

// TFlops returns flops/seconds in units of 1e12 operations per second.
func TFlops(flops, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return flops / seconds / 1e12
}

// RoPEBytes returns the bytes one fused RoPE call over T tokens moves: q
// [T,Hq,D] and k [T,Hk,D] read and written once, and T int32 positions
// read. Pass-through elements of a partial rotary are counted too (a
// fused kernel streams whole rows).
func RoPEBytes(T, Hq, Hk, D int, dt ops.DType) float64 {
	elems := float64(T) * float64(Hq+Hk) * float64(D)
	return 2*elems*float64(dt.Size()) + 4*float64(T)
}

// RoPEFlops returns the arithmetic of one RoPE call: each rotated pair of
// each head costs four multiplies and two adds. Forming cos and sin (once
// per token and pair) is not counted.
func RoPEFlops(T, Hq, Hk, rotaryDim int) float64 {
	return 6 * float64(T) * float64(Hq+Hk) * float64(rotaryDim/2)
}

// CopyBytes returns the bytes a copy of n bytes moves: n read plus n
// written, the convention of every bandwidth in this package.
func CopyBytes(n int) float64 { return 2 * float64(n) }

// roofline returns r's roofline time and bound (see
// Result.RooflineSeconds) from its traffic, its flops and the peaks
// Derive put in it; 0 and "" when a peak the row needs is unknown.
func (r *Result) roofline() (seconds float64, bound string) {
	orCopy := func(gbps float64) float64 {
		if gbps > 0 {
			return gbps
		}
		return r.PeakGBps
	}
	terms := []struct {
		access string
		bytes  float64
		gbps   float64
	}{
		{"read", r.ReadBytes, orCopy(r.ReadPeakGBps)},
		{"gather", r.GatherBytes, orCopy(r.GatherPeakGBps)},
		{"copy", r.Bytes - r.ReadBytes - r.GatherBytes, r.PeakGBps},
	}
	most := 0.0
	for _, t := range terms {
		if t.bytes < 0.5 { // nothing moved this way (or rounding)
			continue
		}
		if t.gbps <= 0 {
			return 0, ""
		}
		s := t.bytes / (t.gbps * 1e9)
		seconds += s
		if s > most {
			most, bound = s, t.access
		}
	}
	if r.Flops > 0 {
		if r.PeakGFlops <= 0 {
			return 0, ""
		}
		if s := r.Flops / (r.PeakGFlops * 1e9); s > seconds {
			seconds, bound = s, "fma"
		}
	}
	return seconds, bound
}

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

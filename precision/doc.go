// Package precision is rotor's numeric truth and the arithmetic every
// backend shares: bfloat16 and float16 conversions, the accurate and
// compat RoPE angle pipelines (float64 reduction and polynomial sin/cos,
// written so the CUDA kernels reproduce them bit for bit), float64
// reference RoPE and attention, error metrics, and the precision audit.
package precision

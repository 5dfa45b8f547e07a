// Package fallback is rotor's pure-Go backend: every op of ops.Backend on
// the CPU, spread over a persistent worker pool, with SIMD hot loops
// (package fallback/internal/vec) chosen at start-up. It needs no GPU and
// no cgo.
package fallback

package bench

// SIMDLimiter is implemented by backends whose hot loops have vector and
// plain-Go implementations (the fallback). LimitSIMD caps them at the
// named level ("purego", …) until restore is called; the benchmarks use
// it to time the plain-Go path in the same run (ratio_to_purego).
// SIMD names the implementation running now ("purego" when there is
// nothing faster to compare with).
type SIMDLimiter interface {
	SIMD() string
	LimitSIMD(name string) (restore func(), err error)
}

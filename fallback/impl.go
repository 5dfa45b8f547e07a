package fallback

import (
	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/ops"
)

// Impl names the implementation of the backend's hot loops chosen at
// start-up for this CPU: "purego" for the plain-Go loops, or the name of
// an assembly variant.
func Impl() string { return vec.Impl() }

// SIMD returns Impl(): the implementation the hot loops run now.
func (b *Backend) SIMD() string { return Impl() }

// LimitSIMD caps the hot loops of every fallback backend in the process
// at the implementation name ("purego", "avx2", "avx512" or "avx512bf16",
// which adds the AVX512-BF16 rounding to bfloat16; a level this
// CPU cannot run gives the highest it can) until restore is called. The
// results are the same up to the documented summation order of dots and
// sums; only speed changes. It exists so that a benchmark can time the
// plain-Go path in the same run as the vector one (rotor bench reports
// the ratio as ratio_to_purego). No fallback op may run on any goroutine
// between LimitSIMD and restore except the caller's own calls.
func (b *Backend) LimitSIMD(name string) (restore func(), err error) {
	restore, ok := vec.Limit(name)
	if !ok {
		return restore, ops.Errorf(ops.ErrConfig, "simd", name, "want purego, avx2, avx512 or avx512bf16")
	}
	return restore, nil
}

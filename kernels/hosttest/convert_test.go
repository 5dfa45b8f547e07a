//go:build cgo

package hosttest

import (
	"math"
	"testing"

	"github.com/x448/float16"

	"github.com/rotorkernels/rotor/precision"
)

// forAllFloat32 calls check on consecutive blocks of float32 bit patterns
// covering all 2^32 inputs (every 4099th block with -short, which still
// visits every exponent).
func forAllFloat32(t *testing.T, check func(start uint32, n int)) {
	const block = 1 << 20
	step := uint64(block)
	if testing.Short() {
		step = block * 4099
	}
	for s := uint64(0); s < 1<<32; s += step {
		check(uint32(s), block)
	}
}

func TestBF16FromF32AllInputs(t *testing.T) {
	out := make([]uint16, 1<<20)
	forAllFloat32(t, func(start uint32, n int) {
		BF16FromF32Range(start, out[:n])
		for i := 0; i < n; i++ {
			u := start + uint32(i)
			if w := uint16(precision.BF16FromFloat32(math.Float32frombits(u))); out[i] != w {
				t.Fatalf("bf16_from_f32(%#08x) = %#04x, precision.BF16FromFloat32 = %#04x", u, out[i], w)
			}
		}
	})
}

func TestF16FromF32AllInputs(t *testing.T) {
	out := make([]uint16, 1<<20)
	forAllFloat32(t, func(start uint32, n int) {
		F16FromF32Range(start, out[:n])
		for i := 0; i < n; i++ {
			u := start + uint32(i)
			if w := float16.Fromfloat32(math.Float32frombits(u)).Bits(); out[i] != w {
				t.Fatalf("f16_from_f32(%#08x) = %#04x, float16.Fromfloat32 = %#04x", u, out[i], w)
			}
		}
	})
}

func TestWideningAllInputs(t *testing.T) {
	h, b := F16ToF32All(), BF16ToF32All()
	for i := 0; i < 65536; i++ {
		if w := math.Float32bits(float16.Frombits(uint16(i)).Float32()); h[i] != w {
			t.Fatalf("f16_to_f32(%#04x) = %#08x, float16 = %#08x", i, h[i], w)
		}
		if w := math.Float32bits(precision.BF16(i).Float32()); b[i] != w {
			t.Fatalf("bf16_to_f32(%#04x) = %#08x, precision = %#08x", i, b[i], w)
		}
	}
}

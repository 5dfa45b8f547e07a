//go:build cgo

package hosttest

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/x448/float16"

	"github.com/rotorkernels/rotor/precision"
)

// forAllFloat32 calls check on consecutive blocks of float32 bit patterns
// covering all 2^32 inputs (every 4099th block with -short, which still
// visits every exponent), on GOMAXPROCS goroutines. check returns a
// failure message or "".
func forAllFloat32(t *testing.T, check func(start uint32, n int, out []uint16) string) {
	const block = 1 << 20
	step := uint64(block)
	if testing.Short() {
		step = block * 4099
	}
	starts := make(chan uint64)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]uint16, block)
			for s := range starts {
				if failed.Load() {
					continue
				}
				if msg := check(uint32(s), block, out); msg != "" && !failed.Swap(true) {
					t.Error(msg)
				}
			}
		}()
	}
	for s := uint64(0); s < 1<<32; s += step {
		starts <- s
	}
	close(starts)
	wg.Wait()
}

func TestBF16FromF32AllInputs(t *testing.T) {
	forAllFloat32(t, func(start uint32, n int, out []uint16) string {
		BF16FromF32Range(start, out[:n])
		for i := 0; i < n; i++ {
			u := start + uint32(i)
			if w := uint16(precision.BF16FromFloat32(math.Float32frombits(u))); out[i] != w {
				return fmt.Sprintf("bf16_from_f32(%#08x) = %#04x, precision.BF16FromFloat32 = %#04x", u, out[i], w)
			}
		}
		return ""
	})
}

func TestF16FromF32AllInputs(t *testing.T) {
	forAllFloat32(t, func(start uint32, n int, out []uint16) string {
		F16FromF32Range(start, out[:n])
		for i := 0; i < n; i++ {
			u := start + uint32(i)
			if w := float16.Fromfloat32(math.Float32frombits(u)).Bits(); out[i] != w {
				return fmt.Sprintf("f16_from_f32(%#08x) = %#04x, float16.Fromfloat32 = %#04x", u, out[i], w)
			}
		}
		return ""
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

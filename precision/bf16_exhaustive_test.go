package precision

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"time"
)

// refBF16FromBits is an independent integer reference for float32 → bf16
// round-to-nearest-even. It splits the bits into the kept upper half and
// the dropped lower half and compares the dropped half with one half-ulp
// explicitly (no bias trick); a carry out of the significand moves to the
// next binade, and out of the largest binade to Inf, which is IEEE
// overflow under round-to-nearest-even. NaNs keep sign and upper payload
// and get the quiet bit.
func refBF16FromBits(u uint32) uint16 {
	const half = 0x8000
	exp, frac := u>>23&0xff, u&0x7fffff
	if exp == 0xff && frac != 0 {
		return uint16(u>>16) | 0x0040
	}
	keep, rest := u>>16, u&0xffff
	if rest > half || (rest == half && keep&1 == 1) {
		keep++
	}
	return uint16(keep)
}

// TestBF16FromFloat32Exhaustive converts every one of the 2^32 float32
// bit patterns and compares with refBF16FromBits, bit for bit (NaNs are
// compared by bits too: both follow the documented convention, and the
// reference's NaN branch is checked against the class semantics below).
func TestBF16FromFloat32Exhaustive(t *testing.T) {
	start := time.Now()
	shards := runtime.GOMAXPROCS(0)
	const total = 1 << 32
	per := uint64(total) / uint64(shards)
	type failure struct{ in, got, want uint32 }
	fails := make([][]failure, shards)
	counts := make([]uint64, shards)
	var wg sync.WaitGroup
	for s := range shards {
		lo := uint64(s) * per
		hi := lo + per
		if s == shards-1 {
			hi = total
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n uint64
			for v := lo; v < hi; v++ {
				u := uint32(v)
				got := uint16(BF16FromFloat32(math.Float32frombits(u)))
				if want := refBF16FromBits(u); got != want {
					n++
					if len(fails[s]) < 8 {
						fails[s] = append(fails[s], failure{u, uint32(got), uint32(want)})
					}
				}
			}
			counts[s] = n
		}()
	}
	wg.Wait()
	var bad uint64
	for s := range shards {
		bad += counts[s]
		for _, f := range fails[s] {
			t.Errorf("BF16FromFloat32(%#08x) = %#04x, want %#04x", f.in, f.got, f.want)
		}
	}
	if bad != 0 {
		t.Fatalf("%d of 2^32 float32 inputs misconverted", bad)
	}
	t.Logf("all 2^32 float32 inputs checked on %d goroutines in %v", shards, time.Since(start).Round(time.Millisecond))
}

// TestRefBF16NaNClass checks the reference's NaN semantics from their
// definition, on every NaN class boundary: the result is a NaN, has the
// input's sign, is quiet and keeps the top 6 payload bits.
func TestRefBF16NaNClass(t *testing.T) {
	for _, sign := range []uint32{0, 1 << 31} {
		for _, frac := range []uint32{1, 0xffff, 0x10000, 0x3fffff, 0x400000, 0x400001, 0x7fffff, 0x2a0000} {
			u := sign | 0x7f800000 | frac
			b := BF16(refBF16FromBits(u))
			if !b.IsNaN() || b.Signbit() != (sign != 0) || b&0x0040 == 0 || uint32(b&0x003f) != frac>>16&0x3f {
				t.Errorf("ref(%#08x) = %#04x: want a quiet NaN with sign %v and payload %#x", u, b, sign != 0, frac>>16&0x3f)
			}
		}
	}
}

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
// reference's NaN branch is checked against the class semantics in
// TestRefBF16NaNClass).
//
// For speed the reference is evaluated once per upper half and class of
// lower half: it depends on the low 16 bits only through "rest = 0" (the
// NaN test, when the upper fraction bits are 0), "rest < half", "rest =
// half" and "rest > half", so it is constant on each of the ranges {0},
// [1, 0x7fff], {0x8000} and [0x8001, 0xffff]. Every input is still
// converted and compared.
func TestBF16FromFloat32Exhaustive(t *testing.T) {
	start := time.Now()
	shards := runtime.GOMAXPROCS(0)
	type failure struct{ in, got, want uint32 }
	fails := make([][]failure, shards)
	counts := make([]uint64, shards)
	ranges := [...][2]uint32{{0, 0}, {1, 0x7fff}, {0x8000, 0x8000}, {0x8001, 0xffff}}
	var wg sync.WaitGroup
	for s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n uint64
			for hi := uint32(s); hi < 1<<16; hi += uint32(shards) {
				for _, r := range ranges {
					base := hi << 16
					want := refBF16FromBits(base | r[0])
					for lo := r[0]; lo <= r[1]; lo++ {
						if got := uint16(BF16FromFloat32(math.Float32frombits(base | lo))); got != want {
							n++
							if len(fails[s]) < 8 {
								fails[s] = append(fails[s], failure{base | lo, uint32(got), uint32(want)})
							}
						}
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

// TestRefBF16RangeClasses checks the claim the exhaustive test relies on:
// within each range of low halves the reference's result is constant.
// It evaluates the reference on every input of a sample of upper halves
// covering every class (zero, subnormal, normal with even and odd last
// kept bit, the largest finite, Inf, NaNs with and without upper payload,
// both signs).
func TestRefBF16RangeClasses(t *testing.T) {
	his := []uint32{0x0000, 0x0001, 0x007f, 0x0080, 0x3f80, 0x3f81, 0x7f7e, 0x7f7f, 0x7f80, 0x7f81, 0x7fc0, 0x7fff}
	for _, h := range his {
		for _, hi := range []uint32{h, h | 0x8000} {
			for _, r := range [...][2]uint32{{0, 0}, {1, 0x7fff}, {0x8000, 0x8000}, {0x8001, 0xffff}} {
				want := refBF16FromBits(hi<<16 | r[0])
				for lo := r[0]; lo <= r[1]; lo++ {
					if got := refBF16FromBits(hi<<16 | lo); got != want {
						t.Fatalf("reference not constant on [%#x, %#x] for upper half %#04x: %#04x at %#x vs %#04x", r[0], r[1], hi, got, lo, want)
					}
				}
			}
		}
	}
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

package vec

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/precision"
	"github.com/x448/float16"
)

// TestWiden16 checks both widenings bit for bit for all 65536 inputs, at
// every misalignment and with the guards intact: bfloat16 by its
// definition (the bits shifted up), binary16 against x448/float16.
func TestWiden16(t *testing.T) {
	forLevels(t, func(t *testing.T, l int) {
		for _, off := range testOffsets {
			src := at[uint16](1<<16, off)
			for i := range src {
				src[i] = uint16(i)
			}
			dst, check := guardedF32(1<<16, (off+1)%4)
			bf16ToF32At(l, dst, src)
			check(t)
			for i, v := range dst {
				if want := uint32(i) << 16; math.Float32bits(v) != want {
					t.Fatalf("bf16 %#04x: got %#08x, want %#08x", i, math.Float32bits(v), want)
				}
			}
			f16ToF32At(l, dst, src)
			check(t)
			for i, v := range dst {
				if want := math.Float32bits(float16.Frombits(uint16(i)).Float32()); math.Float32bits(v) != want {
					t.Fatalf("f16 %#04x: got %#08x, want %#08x", i, math.Float32bits(v), want)
				}
			}
		}
	})
}

// TestConvertLengths checks every length and misalignment of the four
// conversions (tails included) with the guards intact.
func TestConvertLengths(t *testing.T) {
	forRoundingLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, off := range testOffsets {
				src16 := at[uint16](n, off)
				src32 := at[float32](n, (off+2)%4)
				for i := range n {
					src16[i] = uint16(i*40503 + n)
					src32[i] = math.Float32frombits(uint32(i)*2654435761 + uint32(n))
				}
				d32, check32 := guardedF32(n, (off+1)%4)
				bf16ToF32At(l, d32, src16)
				check32(t)
				for i := range n {
					if math.Float32bits(d32[i]) != uint32(src16[i])<<16 {
						t.Fatalf("BF16ToF32 n=%d i=%d", n, i)
					}
				}
				f16ToF32At(l, d32, src16)
				check32(t)
				for i := range n {
					if math.Float32bits(d32[i]) != math.Float32bits(float16.Frombits(src16[i]).Float32()) {
						t.Fatalf("F16ToF32 n=%d i=%d", n, i)
					}
				}
				d16, check16 := guardedU16(n, (off+3)%4)
				f32ToBF16At(l, d16, src32)
				check16(t)
				for i := range n {
					if d16[i] != precision.BF16FromFloat32(src32[i]).Bits() {
						t.Fatalf("F32ToBF16 n=%d i=%d", n, i)
					}
				}
				f32ToF16At(l, d16, src32)
				check16(t)
				for i := range n {
					if d16[i] != float16.Fromfloat32(src32[i]).Bits() {
						t.Fatalf("F32ToF16 n=%d i=%d", n, i)
					}
				}
			}
		}
	})
}

// narrowing is a float32 → 16-bit conversion under test and its
// definition.
type narrowing struct {
	name   string
	conv   func(l int, dst []uint16, src []float32)
	ref    func(f float32) uint16
	levels func() []int
}

var narrowings = []narrowing{
	{"bf16", f32ToBF16At, func(f float32) uint16 { return precision.BF16FromFloat32(f).Bits() }, supportedRounding},
	{"f16", f32ToF16At, func(f float32) uint16 { return float16.Fromfloat32(f).Bits() }, supported},
}

// TestNarrowAll checks F32ToBF16 against precision.BF16FromFloat32 and
// F32ToF16 against x448/float16 for all 2^32 float32 inputs at every
// assembly level, in shards of the 2^16 inputs sharing their upper 16
// bits, spread over the cores.
//
// Within a shard both definitions are constant on 32 classes of the low
// 16 bits: with the bits above bit 12 fixed (8 groups), the rest is 0,
// below 0x1000, 0x1000 (the tie), or above. Both round to nearest even,
// so only the discarded bits' comparison with one half (and with zero,
// for Inf versus NaN) matters; binary16 drops 13 bits or more, bfloat16
// 16. Every output is compared with the definition evaluated at its
// class's first and last member, which must agree; every 61st shard is
// also compared element by element. With -short only every 61st shard
// runs.
//
// The plain-Go F32ToF16 is x448's function itself and the plain-Go
// F32ToBF16 the definition's formula; TestNarrowSample covers them.
func TestNarrowAll(t *testing.T) {
	stride := 1
	if testing.Short() {
		stride = 61
	}
	for _, c := range narrowings {
		t.Run(c.name, func(t *testing.T) {
			forEachLevel(t, c.levels(), func(t *testing.T, l int) {
				if l == levelGeneric {
					t.Skip("TestNarrowSample checks the plain-Go loops")
				}
				if bad := shards(stride, func(dst []uint16, src []float32) { c.conv(l, dst, src) }, c.ref); bad != "" {
					t.Fatal(bad)
				}
			})
		})
	}
}

// TestNarrowSample checks every level, plain Go included, element by
// element on every 61st shard.
func TestNarrowSample(t *testing.T) {
	for _, c := range narrowings {
		t.Run(c.name, func(t *testing.T) {
			forEachLevel(t, c.levels(), func(t *testing.T, l int) {
				if bad := shards(-61, func(dst []uint16, src []float32) { c.conv(l, dst, src) }, c.ref); bad != "" {
					t.Fatal(bad)
				}
			})
		})
	}
}

// shards converts every |stride|-th shard with conv and checks it against
// ref: by class (see TestNarrowAll) when stride > 0, and element by
// element on shards that are multiples of 61 (all of them when stride <
// 0). It runs on GOMAXPROCS goroutines and returns the first mismatch,
// or "".
func shards(stride int, conv func([]uint16, []float32), ref func(float32) uint16) string {
	var (
		mu   sync.Mutex
		bad  string
		next int
		wg   sync.WaitGroup
	)
	step, byClass := stride, true
	if stride < 0 {
		step, byClass = -stride, false
	}
	fail := func(msg string, bits uint32, got, want uint16) {
		mu.Lock()
		if bad == "" {
			bad = fmt.Sprintf("%s: input %#08x: got %#04x, want %#04x", msg, bits, got, want)
		}
		mu.Unlock()
	}
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src, dst := make([]float32, 1<<16), make([]uint16, 1<<16)
			for {
				mu.Lock()
				sh := next
				next += step
				stop := bad != ""
				mu.Unlock()
				if sh >= 1<<16 || stop {
					return
				}
				hi := uint32(sh) << 16
				for i := range src {
					src[i] = math.Float32frombits(hi | uint32(i))
				}
				conv(dst, src)
				if sh%61 == 0 {
					for i, f := range src {
						if want := ref(f); dst[i] != want {
							fail("element", hi|uint32(i), dst[i], want)
							return
						}
					}
				}
				if !byClass {
					continue
				}
				for g := uint32(0); g < 1<<16; g += 1 << 13 {
					for _, c := range [4][2]uint32{{0, 0}, {1, 0xfff}, {0x1000, 0x1000}, {0x1001, 0x1fff}} {
						first, last := g+c[0], g+c[1]
						want := ref(math.Float32frombits(hi | first))
						if w := ref(math.Float32frombits(hi | last)); w != want {
							fail("the definition is not constant on a class", hi|last, w, want)
							return
						}
						for i := first; i <= last; i++ {
							if dst[i] != want {
								fail("class", hi|i, dst[i], want)
								return
							}
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	return bad
}

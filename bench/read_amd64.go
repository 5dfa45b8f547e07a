//go:build amd64 && !purego

package bench

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// readVec returns the 64-bit sum of the n bytes at src (a positive
// multiple of 256), read in order with 16-byte loads (PADDQ).
//
//go:noescape
func readVec(src *byte, n uintptr) uint64

// readVec512 is readVec with 64-byte loads (AVX-512F).
//
//go:noescape
func readVec512(src *byte, n uintptr) uint64

// readVec2 returns the 64-bit sum of the n bytes at src (a positive
// multiple of 128), reading its two halves at once, a line of each in
// turn, with 16-byte loads: two sequential streams.
//
//go:noescape
func readVec2(src *byte, n uintptr) uint64

func readMethods() []readMethod {
	asm := func(k func(*byte, uintptr) uint64) func([]uint64) uint64 {
		return func(buf []uint64) uint64 {
			if len(buf) == 0 {
				return 0
			}
			return k((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(8*len(buf)))
		}
	}
	vec := readMethod{"vector sse2", asm(readVec)}
	if cpu.X86.HasAVX512F {
		vec = readMethod{"vector avx512", asm(readVec512)}
	}
	return []readMethod{{"go 8 streams", readStreams}, vec, {"vector 2 streams", asm(readVec2)}}
}

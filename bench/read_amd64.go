//go:build amd64 && !purego

package bench

import "unsafe"

// readVec returns the 64-bit sum of the n bytes at src (a positive
// multiple of 256), read in order with 16-byte loads (PADDQ).
//
//go:noescape
func readVec(src *byte, n uintptr) uint64

// readVec4 returns the 64-bit sum of the n bytes at src (a positive
// multiple of 16384), read four 4 KiB pages at a time, a line of each
// page in turn, with 16-byte loads.
//
//go:noescape
func readVec4(src *byte, n uintptr) uint64

func readMethods() []readMethod {
	asm := func(k func(*byte, uintptr) uint64) func([]uint64) uint64 {
		return func(buf []uint64) uint64 {
			if len(buf) == 0 {
				return 0
			}
			return k((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(8*len(buf)))
		}
	}
	return []readMethod{
		{"go 8 streams", readStreams},
		{"vector", asm(readVec)},
		{"vector 4 pages", asm(readVec4)},
	}
}

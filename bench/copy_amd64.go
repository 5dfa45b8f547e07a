//go:build amd64 && !purego

package bench

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// copyNT copies n bytes (a positive multiple of 16384) from src to dst
// (16-byte aligned) four 4 KiB pages at a time, a line of each page in
// turn, with unaligned 16-byte loads and non-temporal 16-byte stores
// (MOVNTDQ), then SFENCE. The non-temporal stores write whole lines
// without reading them first. SSE2 is part of amd64, so this variant runs
// everywhere.
//
//go:noescape
func copyNT(dst, src *byte, n uintptr)

// copyNT512 is copyNT with 64-byte loads and non-temporal stores
// (VMOVNTDQ, AVX-512F): one store writes a whole line. dst must be
// 64-byte aligned.
//
//go:noescape
func copyNT512(dst, src *byte, n uintptr)

// copyRepMovsb copies n bytes from src to dst with REP MOVSB, which CPUs
// with enhanced REP MOVSB run as their microcoded fast string copy.
//
//go:noescape
func copyRepMovsb(dst, src *byte, n uintptr)

func copyMethods() []copyMethod {
	asm := func(k func(dst, src *byte, n uintptr)) func(dst, src []byte) {
		return func(dst, src []byte) {
			if len(src) > 0 {
				k(unsafe.SliceData(dst[:len(src)]), unsafe.SliceData(src), uintptr(len(src)))
			}
		}
	}
	nt := copyMethod{"non-temporal sse2", asm(copyNT)}
	if cpu.X86.HasAVX512F {
		nt = copyMethod{"non-temporal avx512", asm(copyNT512)}
	}
	return []copyMethod{{"go copy", goCopy}, nt, {"rep movsb", asm(copyRepMovsb)}}
}

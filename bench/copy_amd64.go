//go:build amd64 && !purego

package bench

import "unsafe"

// copyNT copies n bytes (a positive multiple of 16384) from src to dst
// (16-byte aligned) four 4 KiB pages at a time, a line of each page in
// turn, with unaligned 16-byte loads and non-temporal 16-byte stores
// (MOVNTDQ), then SFENCE. Reading four pages at once keeps more DRAM rows
// open; the non-temporal stores write whole lines without reading them
// first. SSE2 is part of amd64, so the kernel runs everywhere.
//
//go:noescape
func copyNT(dst, src *byte, n uintptr)

// copyRepMovsb copies n bytes from src to dst with REP MOVSB, which CPUs
// with enhanced REP MOVSB run as their microcoded fast string copy.
//
//go:noescape
func copyRepMovsb(dst, src *byte, n uintptr)

func copyMethods() []copyMethod {
	return []copyMethod{
		{"go copy", goCopy},
		{"non-temporal", func(dst, src []byte) {
			if len(src) > 0 {
				copyNT(unsafe.SliceData(dst[:len(src)]), unsafe.SliceData(src), uintptr(len(src)))
			}
		}},
		{"rep movsb", func(dst, src []byte) {
			if len(src) > 0 {
				copyRepMovsb(unsafe.SliceData(dst[:len(src)]), unsafe.SliceData(src), uintptr(len(src)))
			}
		}},
	}
}

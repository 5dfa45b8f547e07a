//go:build amd64 && !purego

package bench

import (
	"bytes"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// TestCopyKernels checks every copy kernel the CPU runs, including the
// ones copyMethods leaves out for a wider variant, byte for byte.
func TestCopyKernels(t *testing.T) {
	const n = 2 * copyGrain
	src, dst := pageBuffer(n), pageBuffer(n+64)
	for i := range src {
		src[i] = byte(i*13 + i>>9)
	}
	ks := map[string]func(dst, src *byte, n uintptr){"copyNT": copyNT, "copyRepMovsb": copyRepMovsb}
	if cpu.X86.HasAVX512F {
		ks["copyNT512"] = copyNT512
	}
	for name, k := range ks {
		for i := range dst {
			dst[i] = 0x5a
		}
		k(&dst[0], &src[0], n)
		if !bytes.Equal(dst[:n], src) || !bytes.Equal(dst[n:], bytes.Repeat([]byte{0x5a}, 64)) {
			t.Errorf("%s: copy differs or overruns", name)
		}
	}
}

// TestReadKernels checks every read kernel the CPU runs against the sum
// of every word.
func TestReadKernels(t *testing.T) {
	w := readWords(pageBuffer(3 * readGrain))
	var want uint64
	for i := range w {
		w[i] = uint64(i)*0x9e3779b97f4a7c15 ^ uint64(i)<<40
		want += w[i]
	}
	ks := map[string]func(*byte, uintptr) uint64{"readVec": readVec, "readVec2": readVec2}
	if cpu.X86.HasAVX512F {
		ks["readVec512"] = readVec512
	}
	for name, k := range ks {
		if got := k((*byte)(unsafe.Pointer(&w[0])), uintptr(8*len(w))); got != want {
			t.Errorf("%s: sum %#x, want %#x", name, got, want)
		}
	}
}

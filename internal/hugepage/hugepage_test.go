package hugepage

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

func TestSpan(t *testing.T) {
	const M = Size
	cases := []struct {
		addr   uintptr
		n      int
		lo, hi int
	}{
		{addr: 0, n: MinBytes - 1, lo: 0, hi: 0},                // too small
		{addr: 0, n: MinBytes, lo: 0, hi: MinBytes},             // aligned, whole
		{addr: 4096, n: MinBytes, lo: M - 4096, hi: 4*M - 4096}, // starts just past a boundary
		{addr: M - 1, n: MinBytes + 2, lo: 1, hi: 1 + 4*M},      // ends just past a boundary
		{addr: 3 * M, n: 5*M + 123, lo: 0, hi: 5 * M},           // partial last page dropped
		{addr: 12345, n: 2*M + MinBytes, lo: M - 12345, hi: 6*M - 12345},
	}
	for _, c := range cases {
		lo, hi := Span(c.addr, c.n)
		if lo != c.lo || hi != c.hi {
			t.Errorf("Span(%#x, %d) = [%d, %d), want [%d, %d)", c.addr, c.n, lo, hi, c.lo, c.hi)
		}
		if hi > lo && ((c.addr+uintptr(lo))%M != 0 || (c.addr+uintptr(hi))%M != 0 || hi > c.n) {
			t.Errorf("Span(%#x, %d) = [%d, %d): not whole huge pages inside the buffer", c.addr, c.n, lo, hi)
		}
	}
}

// TestAdvise checks that a large buffer gets the advice on Linux with
// transparent huge pages enabled, and logs how much of it the kernel
// backed with huge pages (which depends on free memory, so it is not
// asserted).
func TestAdvise(t *testing.T) {
	b := make([]byte, 64<<20)
	got := Advise(b)
	thp, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	want := runtime.GOOS == "linux" && (strings.Contains(string(thp), "[always]") || strings.Contains(string(thp), "[madvise]"))
	if got != want {
		t.Fatalf("Advise = %v, want %v (GOOS %s, THP %q)", got, want, runtime.GOOS, strings.TrimSpace(string(thp)))
	}
	if Advise(b[:MinBytes-1]) {
		t.Error("Advise of a buffer below MinBytes reported advice")
	}
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	t.Logf("buffer at %p: %d MiB of huge pages in the process after touching it", unsafe.Pointer(&b[0]), anonHuge()>>20)
}

// anonHuge returns the process's AnonHugePages bytes (0 if unknown).
func anonHuge() int {
	s, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(s), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "AnonHugePages:" {
			n := 0
			for _, ch := range f[1] {
				n = n*10 + int(ch-'0')
			}
			return n << 10
		}
	}
	return 0
}

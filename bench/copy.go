package bench

import (
	"runtime"
	"unsafe"

	"github.com/rotorkernels/rotor/internal/hugepage"
)

// Sizes of the copy peak's buffers: far larger than any last-level cache,
// so the copy streams from and to memory.
const (
	memcpyBytes      = 256 << 20
	memcpyBytesQuick = 128 << 20
)

// copyGrain divides every share a copy method is given: 16 KiB, the four
// pages the non-temporal kernel copies at once.
const copyGrain = 16 << 10

// copyMethod is one way of copying memory: copy copies src into dst,
// which have the same length, a multiple of copyGrain, and start on a
// 4 KiB boundary.
type copyMethod struct {
	name string
	copy func(dst, src []byte)
}

// goCopy is Go's built-in copy.
func goCopy(dst, src []byte) { copy(dst, src) }

// CopyGBps measures the host's memory copy bandwidth: GOMAXPROCS
// goroutines each copy their share of a 256 MiB buffer (128 MiB when
// quick) into another, with every method the platform has — Go's copy
// and, on amd64, a non-temporal-store kernel (which writes whole lines
// without first reading them, as large C library copies do) and REP
// MOVSB — taking turns round by round, so that a busy moment on a shared
// machine falls on all of them alike. The buffers get the huge-page
// advice the fallback backend gives its tensors. It returns the best
// round's bandwidth, counting bytes read plus bytes written in 1e9 bytes
// per second so that it compares directly with an op that reads and
// writes its data, and the method that reached it.
func CopyGBps(quick bool) (gbps float64, method string) {
	size, runs := memcpyBytes, 7
	if quick {
		size, runs = memcpyBytesQuick, 4
	}
	return copyPeak(size, runs, runtime.GOMAXPROCS(0), copyMethods())
}

// copyPeak returns the best bandwidth of runs rounds of every method in
// ms copying size bytes (rounded up to whole grains per worker) split
// over workers goroutines, and the method that reached it.
func copyPeak(size, runs, workers int, ms []copyMethod) (float64, string) {
	chunk := (size + workers*copyGrain - 1) / (workers * copyGrain) * copyGrain
	size = chunk * workers
	src, dst := pageBuffer(size), pageBuffer(size)
	for i := range src {
		src[i] = byte(i)
	}
	copy(dst, src) // fault every page in before timing
	var best float64
	var method string
	for range runs {
		for _, m := range ms {
			d := bestRound(1, workers, func(w int) {
				lo, hi := w*chunk, (w+1)*chunk
				m.copy(dst[lo:hi], src[lo:hi])
			})
			if g := GBps(CopyBytes(size), d.Seconds()); g > best {
				best, method = g, m.name
			}
		}
	}
	return best, method
}

// pageBuffer returns n bytes starting on a 4 KiB boundary, advised for
// huge pages before they are first written.
func pageBuffer(n int) []byte {
	b := make([]byte, n+4096)
	off := int(-uintptr(unsafe.Pointer(&b[0])) & 4095)
	b = b[off : off+n : off+n]
	hugepage.Advise(b)
	return b
}

package bench

import (
	"runtime"
	"time"
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
// pages the non-temporal kernels copy at once.
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

// CopyGBps measures the host's memory copy bandwidth on every core: a
// 256 MiB buffer (128 MiB when quick) is copied into another in rounds in
// which each of GOMAXPROCS goroutines copies an 8 MiB slab, the rounds
// walking through the buffers so that no round finds its data in a cache,
// with every method the platform has — Go's copy and, on amd64, a
// non-temporal-store kernel with the widest stores the CPU has (which
// writes whole lines without first reading them, as large C library
// copies do) and REP MOVSB — taking turns round by round. Short rounds often run without the scheduler
// taking a core away on a busy machine, and taking turns lets a busy
// moment fall on every method alike. The buffers get the huge-page advice
// the fallback backend gives its tensors. It returns the best round's
// bandwidth, counting bytes read plus bytes written in 1e9 bytes per
// second so that it compares directly with an op that reads and writes
// its data, and the method that reached it.
func CopyGBps(quick bool) (gbps float64, method string) {
	size, runs := memcpyBytes, 7
	if quick {
		size, runs = memcpyBytesQuick, 4
	}
	return copyPeak(size, runs, runtime.GOMAXPROCS(0), copyMethods())
}

// peakSlabBytes is what one goroutine moves in one round of the copy and
// read peaks: far more than its private caches, and short enough to run
// often without being descheduled on a busy machine.
const peakSlabBytes = 8 << 20

// slabRounds cuts size bytes into slabs of at most peakSlabBytes (a
// multiple of grain, at least one grain, at most size/workers) and
// returns the slab size and count.
func slabRounds(size, workers, grain int) (slab, count int) {
	slab = max(grain, min(peakSlabBytes, size/workers)/grain*grain)
	return slab, max(1, size/slab)
}

// slabPeak runs runs passes over count slabs: rounds in which each of
// methods methods takes its turn, round r running work(m, slab, w) on a
// goroutine for every w < workers with slab (r·workers + w) mod count, so
// that consecutive rounds walk the buffer. Every round moves the same
// bytes; slabPeak returns the shortest round's time and its method.
func slabPeak(runs, count, workers, methods int, work func(m, slab, w int)) (time.Duration, int) {
	var best time.Duration
	method, r := 0, 0
	for range runs * max(1, count/workers) {
		for m := range methods {
			d := bestRound(1, workers, func(w int) { work(m, (r*workers+w)%count, w) })
			r++
			if best == 0 || d < best {
				best, method = d, m
			}
		}
	}
	return best, method
}

// copyPeak returns the best bandwidth of the rounds of every method in ms
// copying slabs of a buffer of size bytes into another, runs passes over
// the buffers, split over workers goroutines, and the method that reached
// it.
func copyPeak(size, runs, workers int, ms []copyMethod) (float64, string) {
	slab, count := slabRounds(size, workers, copyGrain)
	src, dst := pageBuffer(slab*count), pageBuffer(slab*count)
	for i := range src {
		src[i] = byte(i)
	}
	copy(dst, src) // fault every page in before timing
	d, m := slabPeak(runs, count, workers, len(ms), func(m, i, _ int) {
		ms[m].copy(dst[i*slab:(i+1)*slab], src[i*slab:(i+1)*slab])
	})
	return GBps(CopyBytes(slab*workers), d.Seconds()), ms[m].name
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

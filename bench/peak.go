package bench

import (
	"runtime"
	"sync"
	"time"
)

// PeakMeasurer is implemented by backends that can measure their own copy
// bandwidth (a device-to-device copy on a GPU). NewCtx uses it instead of
// MemcpyGBps. The result counts bytes read plus bytes written, in 1e9
// bytes per second.
type PeakMeasurer interface {
	PeakGBps() (float64, error)
}

// FlopsPeakMeasurer is implemented by backends that can measure their own
// arithmetic peak (fp32 FMA throughput), in 1e9 operations per second. NewCtx
// uses it instead of FMAPeakGFlops.
type FlopsPeakMeasurer interface {
	PeakGFlops() (float64, error)
}

// Sizes of the copy peak's buffers: far larger than any last-level cache,
// so the copy streams from and to memory.
const (
	memcpyBytes      = 256 << 20
	memcpyBytesQuick = 128 << 20
)

// MemcpyGBps measures the machine's memory copy bandwidth: GOMAXPROCS
// goroutines each copy their share of a 256 MiB buffer into another (128
// MiB when quick), best of several runs. The result counts bytes read
// plus bytes written, in 1e9 bytes per second, so that it compares
// directly with the bandwidth of an op that reads and writes its data.
func MemcpyGBps(quick bool) float64 {
	size, runs := memcpyBytes, 7
	if quick {
		size, runs = memcpyBytesQuick, 4
	}
	return copyPeak(size, runs, runtime.GOMAXPROCS(0))
}

// copyPeak returns the best bandwidth of runs parallel copies of size
// bytes split over workers goroutines.
func copyPeak(size, runs, workers int) float64 {
	src := make([]byte, size)
	dst := make([]byte, size)
	for i := range src {
		src[i] = byte(i)
	}
	copy(dst, src) // fault every page in before timing
	chunk := (size + workers - 1) / workers
	chunk = (chunk + 4095) &^ 4095
	best := bestRound(runs, workers, func(w int) {
		lo, hi := min(size, w*chunk), min(size, (w+1)*chunk)
		copy(dst[lo:hi], src[lo:hi])
	})
	return GBps(CopyBytes(size), best.Seconds())
}

// bestRound returns the shortest wall time of runs rounds, each running
// work(w) on its own goroutine for every w < workers and waiting for all
// of them: the timing of the fixed-work peaks (copy, gather).
func bestRound(runs, workers int, work func(w int)) time.Duration {
	best := time.Duration(0)
	for r := 0; r < runs; r++ {
		var wg sync.WaitGroup
		start := time.Now()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(w)
			}()
		}
		wg.Wait()
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	return best
}

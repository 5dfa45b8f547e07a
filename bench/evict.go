package bench

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// evictMinBytes is the least an eviction reads: several times the
// last-level cache of most machines.
const evictMinBytes = 64 << 20

// evictor displaces the host's caches: it reads a buffer several times
// larger than the last-level cache on every core, with the fastest read
// loop the platform has.
type evictor struct {
	buf  []uint64
	read func([]uint64) uint64
}

// newEvictor returns an evictor reading max(evictMinBytes, 3 × the
// last-level cache) bytes.
func newEvictor() *evictor {
	n := max(evictMinBytes, 3*lastLevelCache())
	n = (n + readGrain - 1) / readGrain * readGrain
	buf := readWords(pageBuffer(n))
	for i := range buf {
		buf[i] = uint64(i)
	}
	ms := readMethods()
	return &evictor{buf: buf, read: ms[len(ms)-1].read}
}

// evict reads the whole buffer, split over GOMAXPROCS goroutines so that
// every core's private caches are displaced too.
func (e *evictor) evict() error {
	workers := runtime.GOMAXPROCS(0)
	const grainWords = readGrain / 8
	share := (len(e.buf)/grainWords + workers - 1) / workers * grainWords
	sums := make([]uint64, workers)
	bestRound(1, workers, func(w int) {
		lo, hi := min(w*share, len(e.buf)), min((w+1)*share, len(e.buf))
		sums[w] = e.read(e.buf[lo:hi])
	})
	for _, s := range sums {
		gatherSink += s
	}
	return nil
}

// lastLevelCache returns the size in bytes of the largest cache Linux
// reports for CPU 0, or 0 where it reports none.
func lastLevelCache() int {
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu0/cache/index*")
	best := 0
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "size"))
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		mul := 1
		switch {
		case strings.HasSuffix(s, "K"):
			s, mul = strings.TrimSuffix(s, "K"), 1<<10
		case strings.HasSuffix(s, "M"):
			s, mul = strings.TrimSuffix(s, "M"), 1<<20
		}
		if v, err := strconv.Atoi(s); err == nil {
			best = max(best, v*mul)
		}
	}
	return best
}

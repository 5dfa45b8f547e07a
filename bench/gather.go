package bench

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"unsafe"
)

// Sizes of the read peaks' pool: far larger than any last-level cache.
const (
	gatherPoolBytes      = 512 << 20
	gatherPoolBytesQuick = 256 << 20
	// gatherInFlight is how many rows each reader of the read peak's
	// plain-Go loop walks at once, so that the reads of several rows are
	// in flight together.
	gatherInFlight = 8
)

// gatherDepths are the numbers of rows the gather peak's readers walk at
// once, taking turns: small rows need more of them in flight to keep
// memory busy.
var gatherDepths = []int{8, 16, 32}

// GatherGBps measures how fast the host reads rows of rowBytes bytes at
// random positions of a pool far larger than the caches: the access
// pattern of sparse decode attention, which reads the K and V rows of
// selected KV-cache slots. One sixteenth of the pool's rows, sorted
// distinct random rows, are read by GOMAXPROCS goroutines in short rounds
// (8 MiB of rows per goroutine, walking the selection), each goroutine
// walking 8, 16 or 32 rows at once (taking turns round by round) with one
// 8-byte load per 64-byte line; the pool is allocated with the huge-page
// advice the fallback backend gives its tensors. The result is the best of several runs, in 1e9 bytes read
// per second. It bounds what any gathering kernel reads on this machine:
// rows that gather (Result.GatherBytes) are compared with it, and their
// roofline reads the gathered bytes at this rate.
func GatherGBps(rowBytes int, quick bool) float64 {
	pool, rowBytes, runs := readPool(rowBytes, quick)
	rows := len(pool) * 8 / rowBytes
	rng := rand.New(rand.NewPCG(uint64(rowBytes), 16))
	sel := rng.Perm(rows)[:rows/16]
	slices.Sort(sel)
	return gatherPeak(pool, sel, rowBytes/8, runs, runtime.GOMAXPROCS(0))
}

// readPool returns the pool of the read peaks (with the huge-page advice
// the fallback backend gives its tensors, every page written), rowBytes
// rounded down to whole cache lines (at least one) and the number of
// timed runs.
func readPool(rowBytes int, quick bool) (pool []uint64, row, runs int) {
	size, runs := gatherPoolBytes, 7
	if quick {
		size, runs = gatherPoolBytesQuick, 4
	}
	pool = readWords(pageBuffer(size))
	for i := range pool {
		pool[i] = uint64(i)
	}
	return pool, max(64, rowBytes&^63), runs
}

// readWords returns b (whose start is 8-byte aligned) as 64-bit words.
func readWords(b []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)
}

// gatherSink keeps the read loops' sums alive.
var gatherSink uint64

// gatherPeak returns the best bandwidth of rounds reading rows of sel
// (rowWords words each) of pool, split over workers goroutines, each
// depth of gatherDepths taking turns: sel is cut into pieces of
// peakSlabBytes of rows that the rounds walk (slabPeak), runs passes over
// sel.
func gatherPeak(pool []uint64, sel []int, rowWords, runs, workers int) float64 {
	per := max(1, min(peakSlabBytes/(8*rowWords), len(sel)/workers))
	sums := make([]uint64, workers)
	d, _ := slabPeak(runs, max(1, len(sel)/per), workers, len(gatherDepths), func(m, i, w int) {
		sums[w] += gatherRows(pool, sel[i*per:min((i+1)*per, len(sel))], rowWords, gatherDepths[m])
	})
	for _, s := range sums {
		gatherSink += s
	}
	return GBps(float64(min(per, len(sel))*workers*rowWords*8), d.Seconds())
}

// gatherRows sums the first word of every 64-byte line of the rows sel,
// depth rows (at most 32) at a time.
func gatherRows(pool []uint64, sel []int, rowWords, depth int) uint64 {
	var s uint64
	var base [32]int
	for len(sel) > 0 {
		n := min(depth, len(sel), len(base))
		for i := range n {
			base[i] = sel[i] * rowWords
		}
		for c := 0; c < rowWords; c += 8 {
			for i := range n {
				s += pool[base[i]+c]
			}
		}
		sel = sel[n:]
	}
	return s
}

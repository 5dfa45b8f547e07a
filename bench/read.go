package bench

import "runtime"

// readGrain divides every share a read method is given: 16 KiB, a
// multiple of what every read loop consumes per step.
const readGrain = 16 << 10

// readMethod is one way of reading memory from end to end: read returns
// a sum over the words of buf (so the loads cannot be dropped). buf's
// length is a multiple of readGrain bytes and it starts on a 4 KiB
// boundary.
type readMethod struct {
	name string
	read func(buf []uint64) uint64
}

// streamRowBytes is the row the "go 8 streams" method cuts its share
// into: rows far apart, so that its gatherInFlight rows are that many
// sequential streams.
const streamRowBytes = 1 << 20

// readStreams reads buf as gatherInFlight sequential streams at once
// (rows of streamRowBytes, one 8-byte load per 64-byte line), then the
// words left after the last whole row.
func readStreams(buf []uint64) uint64 {
	const rowWords = streamRowBytes / 8
	sel := make([]int, len(buf)/rowWords)
	for i := range sel {
		sel[i] = i
	}
	s := gatherRows(buf, sel, rowWords, gatherInFlight)
	for c := len(sel) * rowWords; c < len(buf); c += 8 {
		s += buf[c]
	}
	return s
}

// ReadGBps measures how fast the host reads memory far from every cache
// in address order, on every core: the access of the selection scan, of
// page metadata and of dense decode, which read every KV-cache slot once
// in slot order. The pool is GatherGBps's (512 MiB, 256 MiB when quick,
// advised for huge pages), read in rounds in which each of GOMAXPROCS
// goroutines reads an 8 MiB slab, the rounds walking through the pool
// (see CopyGBps), with every read loop the platform has (plain Go: eight
// sequential streams with one load per line; on amd64 also vector loads
// of every byte, in order with the widest loads the CPU has, and as two
// streams with 16-byte loads) taking turns round by round. It returns the best round's bandwidth in 1e9 bytes read per
// second — what a kernel that streams the pool can read on this machine
// — and the loop that reached it.
func ReadGBps(quick bool) (gbps float64, method string) {
	pool, _, runs := readPool(64, quick)
	return readPeak(pool, runs, runtime.GOMAXPROCS(0), readMethods())
}

// readPeak returns the best bandwidth of the rounds of every method in ms
// reading slabs of pool, runs passes over it, split over workers
// goroutines, and the method that reached it.
func readPeak(pool []uint64, runs, workers int, ms []readMethod) (float64, string) {
	slab, count := slabRounds(8*len(pool), workers, readGrain)
	slab /= 8 // in words
	sums := make([]uint64, workers)
	d, m := slabPeak(runs, count, workers, len(ms), func(m, i, w int) {
		sums[w] += ms[m].read(pool[i*slab : (i+1)*slab])
	})
	for _, s := range sums {
		gatherSink += s
	}
	return GBps(float64(8*slab*workers), d.Seconds()), ms[m].name
}

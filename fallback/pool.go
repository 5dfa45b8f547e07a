package fallback

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// pool is a persistent set of helper goroutines shared by every fallback
// backend. An op hands it a batch: the range [0, n) cut into chunks that
// the calling goroutine and any idle helpers claim one at a time from an
// atomic counter. No goroutine is started per op and, in steady state,
// nothing is allocated: batches are recycled through a free list and the
// work is an interface holding a pointer.
//
// The caller always takes part, so a batch finishes even when every
// helper is busy with another op (or the caller is itself a helper).
type pool struct {
	helpers int         // helper goroutines; participants are helpers+1
	queue   chan *batch // batches offered to helpers
	free    chan *batch // recycled batches
	// ids is the number of worker ids a runner may see (helpers+1) and
	// caller the id of the calling goroutine (0). Tests of a pool
	// without helpers widen ids and vary caller, so that any worker id
	// can run a call first.
	ids, caller int
}

// runner is one op's parallel body: run processes items [lo, hi).
// worker identifies the participant (0 for the caller, 1..helpers for
// helpers) so the body can index per-worker scratch; two participants of
// the same batch never share an id.
type runner interface {
	run(worker, lo, hi int)
}

// funcRunner adapts a plain function that needs no worker id.
type funcRunner func(lo, hi int)

func (f funcRunner) run(_, lo, hi int) { f(lo, hi) }

// batch is one parallel call in flight.
type batch struct {
	r              runner
	n, size, count int64        // items, items per chunk, chunks
	next           atomic.Int64 // next chunk to claim
	left           atomic.Int64 // chunks not yet finished
	joined         atomic.Int64 // participant ids handed out
	refs           atomic.Int64 // participants still holding the batch
	done           chan struct{}
}

var (
	poolOnce sync.Once
	thePool  *pool
)

// sharedPool returns the process-wide pool, created on first use with
// GOMAXPROCS-1 helpers (the caller of each op is the remaining worker).
func sharedPool() *pool {
	poolOnce.Do(func() { thePool = newPool(runtime.GOMAXPROCS(0) - 1) })
	return thePool
}

// newPool starts a pool with the given number of helper goroutines.
// They live for the rest of the process.
func newPool(helpers int) *pool {
	helpers = max(helpers, 0)
	p := &pool{
		helpers: helpers,
		queue:   make(chan *batch, 4*helpers+4),
		ids:     helpers + 1,
	}
	// A caller's finished batches stay referenced until a helper has
	// taken every offer of them from the queue, so one caller may have
	// up to cap(queue)+helpers+1 batches outstanding. Start with that many
	// so a single caller never allocates, even when helpers lag.
	n := cap(p.queue) + helpers + 1
	p.free = make(chan *batch, max(64, 2*n))
	for i := 0; i < n; i++ {
		p.free <- &batch{done: make(chan struct{}, 1)}
	}
	for i := 0; i < helpers; i++ {
		go p.help()
	}
	return p
}

// width returns the number of distinct worker ids a runner may see.
func (p *pool) width() int { return p.ids }

// help is a helper goroutine's loop.
func (p *pool) help() {
	for b := range p.queue {
		b.work(int(b.joined.Add(1) - 1))
		p.release(b)
	}
}

// work claims and runs chunks until none is left.
func (b *batch) work(worker int) {
	for {
		c := b.next.Add(1) - 1
		if c >= b.count {
			return
		}
		lo := c * b.size
		hi := min(lo+b.size, b.n)
		b.r.run(worker, int(lo), int(hi))
		if b.left.Add(-1) == 0 {
			b.done <- struct{}{}
		}
	}
}

func (p *pool) get() *batch {
	select {
	case b := <-p.free:
		return b
	default:
		return &batch{done: make(chan struct{}, 1)}
	}
}

// release drops one participant's hold; the last one recycles the batch.
func (p *pool) release(b *batch) {
	if b.refs.Add(-1) != 0 {
		return
	}
	b.r = nil
	select {
	case p.free <- b:
	default:
	}
}

// chunksFor returns how many chunks to cut n items into when no chunk
// but the last may hold fewer than grain items: at most four per
// participant, so uneven chunks still balance.
func (p *pool) chunksFor(n, grain int) int {
	return min(4*p.width(), n/max(grain, 1))
}

// chunkLen returns the longest range [lo, hi) that run(n, grain, …)
// hands one runner call, so that ops can size per-worker scratch before
// the call: n itself when the call runs inline.
func (p *pool) chunkLen(n, grain int) int {
	chunks := p.chunksFor(n, grain)
	if chunks <= 1 || p.helpers == 0 {
		return n
	}
	a := chunkAlign(grain)
	return ((n+chunks-1)/chunks + a - 1) / a * a
}

// chunkAlign returns the multiple every chunk boundary falls on for a
// grain: its largest power-of-two factor, at most 64. Ops whose items are
// vector lanes (the soft vote's candidates, the scan's slots) pass a
// grain that is a multiple of their widest vector block, so each chunk
// starts on a whole block and an item meets the same kernel, vector or
// plain-Go tail, whatever the number of workers: the bits do not depend
// on GOMAXPROCS.
func chunkAlign(grain int) int {
	return min(max(grain&-grain, 1), 64)
}

// run calls r.run over [0, n) in contiguous chunks of at least grain
// items (the last may be shorter), each starting at a multiple of
// chunkAlign(grain), on the caller and on idle helpers,
// and returns when every chunk is done. When one chunk suffices it runs
// inline on the caller as r.run(p.caller, 0, n).
func (p *pool) run(n, grain int, r runner) {
	if n <= 0 {
		return
	}
	size := p.chunkLen(n, grain)
	if size >= n {
		r.run(p.caller, 0, n)
		return
	}
	chunks := (n + size - 1) / size

	b := p.get()
	b.r, b.n, b.size, b.count = r, int64(n), int64(size), int64(chunks)
	b.next.Store(0)
	b.left.Store(int64(chunks))
	b.joined.Store(1) // id 0 is the caller
	offers := min(p.helpers, chunks-1)
	b.refs.Store(int64(offers) + 1)
	for i := 0; i < offers; i++ {
		select {
		case p.queue <- b:
		default: // every helper is backed up: the caller does the rest
			b.refs.Add(-1)
		}
	}
	b.work(0)
	<-b.done
	p.release(b)
}

// parallelFor calls fn over [0, n) split into contiguous chunks of at
// least grain items (the last may be shorter), running chunks on the pool and the caller. It returns
// when every chunk is done. Small n runs inline on the caller.
func (p *pool) parallelFor(n, grain int, fn func(lo, hi int)) {
	p.run(n, grain, funcRunner(fn))
}

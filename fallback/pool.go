package fallback

import (
	"runtime"
	"sync"
)

// pool is a persistent set of worker goroutines, one per GOMAXPROCS at
// creation, shared by every fallback backend.
type pool struct {
	workers int
	jobs    chan job
}

type job struct {
	fn     func(lo, hi int)
	lo, hi int
	wg     *sync.WaitGroup
}

var (
	poolOnce sync.Once
	thePool  *pool
)

func sharedPool() *pool {
	poolOnce.Do(func() {
		n := runtime.GOMAXPROCS(0)
		thePool = &pool{workers: n, jobs: make(chan job, 4*n)}
		for i := 0; i < n; i++ {
			go thePool.work()
		}
	})
	return thePool
}

func (p *pool) work() {
	for j := range p.jobs {
		j.fn(j.lo, j.hi)
		j.wg.Done()
	}
}

// parallelFor calls fn over [0, n) split into contiguous chunks of at
// least grain items, running chunks on the pool and the caller. It returns
// when every chunk is done. Small n runs inline on the caller.
func (p *pool) parallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := min(p.workers*4, (n+grain-1)/grain)
	if chunks <= 1 || p.workers == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	size := (n + chunks - 1) / chunks
	wg.Add(chunks - 1)
	for c := 1; c < chunks; c++ {
		lo, hi := c*size, min(n, (c+1)*size)
		if lo >= hi {
			wg.Done()
			continue
		}
		p.jobs <- job{fn: fn, lo: lo, hi: hi, wg: &wg}
	}
	fn(0, min(n, size))
	wg.Wait()
}

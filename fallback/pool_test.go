package fallback

import (
	"sync"
	"sync/atomic"
	"testing"
)

// countRunner counts how often each item is visited and checks worker ids.
type countRunner struct {
	hits    []atomic.Int32
	width   int
	badID   atomic.Bool
	minSpan atomic.Int64 // smallest chunk that does not end at n
}

func newCountRunner(n, width int) *countRunner {
	c := &countRunner{hits: make([]atomic.Int32, n), width: width}
	c.minSpan.Store(1 << 62)
	return c
}

func (c *countRunner) run(worker, lo, hi int) {
	if worker < 0 || worker >= c.width {
		c.badID.Store(true)
	}
	for i := lo; i < hi; i++ {
		c.hits[i].Add(1)
	}
	for hi < len(c.hits) {
		m := c.minSpan.Load()
		if int64(hi-lo) >= m || c.minSpan.CompareAndSwap(m, int64(hi-lo)) {
			break
		}
	}
}

func checkCover(t *testing.T, p *pool, n, grain int) {
	t.Helper()
	c := newCountRunner(n, p.width())
	p.run(n, grain, c)
	for i := range c.hits {
		if h := c.hits[i].Load(); h != 1 {
			t.Fatalf("n=%d grain=%d: item %d visited %d times", n, grain, i, h)
		}
	}
	if c.badID.Load() {
		t.Fatalf("n=%d grain=%d: worker id outside [0, %d)", n, grain, p.width())
	}
	if m := c.minSpan.Load(); m < int64(grain) {
		t.Fatalf("n=%d grain=%d: a chunk (not the last) of %d items", n, grain, m)
	}
}

// TestPoolCoversOnce checks that every item is run exactly once, with
// valid worker ids, for pools of several sizes.
func TestPoolCoversOnce(t *testing.T) {
	for _, helpers := range []int{0, 1, 3, 7} {
		p := newPool(helpers)
		for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 31, 100, 1000, 4097} {
			for _, grain := range []int{0, 1, 2, 5, 64, 5000} {
				checkCover(t, p, n, grain)
			}
		}
	}
}

// TestPoolConcurrentAndNested runs batches from many goroutines at once,
// some of them starting batches from inside a chunk, on a small pool.
func TestPoolConcurrentAndNested(t *testing.T) {
	p := newPool(2)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := 0; it < 50; it++ {
				n := 50 + 37*g + it
				outer := make([]atomic.Int32, n)
				p.parallelFor(n, 3, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						outer[i].Add(1)
					}
					if g%2 == 0 {
						inner := newCountRunner(40, p.width())
						p.run(40, 2, inner)
						for i := range inner.hits {
							if inner.hits[i].Load() != 1 {
								t.Errorf("nested item %d visited %d times", i, inner.hits[i].Load())
								return
							}
						}
					}
				})
				for i := range outer {
					if outer[i].Load() != 1 {
						t.Errorf("goroutine %d: item %d visited %d times", g, i, outer[i].Load())
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// nopRunner does nothing; it measures the pool's own cost.
type nopRunner struct{ sum [64]int64 }

func (r *nopRunner) run(worker, lo, hi int) { r.sum[worker%64] += int64(hi - lo) }

// TestPoolNoAllocs checks that a parallel call allocates nothing once
// the pool is warm.
func TestPoolNoAllocs(t *testing.T) {
	p := newPool(3)
	r := &nopRunner{}
	p.run(1000, 1, r)
	if n := testing.AllocsPerRun(200, func() { p.run(1000, 1, r) }); n != 0 {
		t.Errorf("pool.run allocates %v times per call, want 0", n)
	}
}

func BenchmarkPoolDispatch(b *testing.B) {
	p := sharedPool()
	r := &nopRunner{}
	for b.Loop() {
		p.run(64, 1, r)
	}
}

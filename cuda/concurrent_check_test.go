package cuda

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// checkConcurrent runs RoPE case c from workers goroutines sharing
// shared and from workers more with a backend each from open, iterations
// calls each on worker-specific data, and reports every result that
// differs from the one the same data gives alone on shared.
func checkConcurrent(t *testing.T, shared *Backend, open func() *Backend, c ropeXCase, workers, iterations int) {
	t.Helper()
	rot := c.rotary(t)
	want := make([][]byte, workers)
	for w := range want {
		x := c.tensors(t, shared, c.data(uint64(w)))
		if err := shared.RoPE(&ops.RoPEArgs{Q: x.q, K: x.k, Positions: x.pos, Rotary: rot, Angles: c.angles}); err != nil {
			t.Fatal(err)
		}
		want[w] = read(t, shared, x.q)
		x.free(shared)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*workers)
	work := func(b *Backend, w int) {
		defer wg.Done()
		for it := range iterations {
			x, err := c.tensorsErr(b, c.data(uint64(w)))
			if err != nil {
				errs <- err
				return
			}
			if err := b.RoPE(&ops.RoPEArgs{Q: x.q, K: x.k, Positions: x.pos, Rotary: rot, Angles: c.angles}); err != nil {
				errs <- err
				return
			}
			out := make([]byte, len(want[w]))
			if err := b.Read(out, x.q); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(out, want[w]) {
				errs <- fmt.Errorf("worker %d iteration %d: result differs from the lone run", w, it)
			}
			x.free(b)
		}
	}
	for w := range workers {
		own := open()
		defer own.Close()
		wg.Add(2)
		go work(shared, w)
		go work(own, w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

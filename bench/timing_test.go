package bench

import (
	"errors"
	"testing"
	"time"
)

// spin busy-waits for d, so the call costs at least d of wall time.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

func TestTimeBoundsAndCounts(t *testing.T) {
	const per = 200 * time.Microsecond
	syncs := 0
	tm, err := Time(func() error { spin(per); return nil }, func() error { syncs++; return nil }, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if tm.Best < per {
		t.Errorf("Best = %v, below the %v each call spins", tm.Best, per)
	}
	if tm.Median < tm.Best {
		t.Errorf("Median %v < Best %v", tm.Median, tm.Best)
	}
	if tm.Batches < minBatches || tm.Calls < tm.Batches {
		t.Errorf("Batches = %d, Calls = %d: want ≥ %d batches of ≥ 1 call", tm.Batches, tm.Calls, minBatches)
	}
	// A batch lasts about a tenth of the minimum time, so calls are
	// batched rather than timed one by one.
	if tm.Calls < 2*tm.Batches {
		t.Errorf("Calls = %d over %d batches: want batching of a %v call under a 20ms minimum", tm.Calls, tm.Batches, per)
	}
	if syncs < tm.Batches {
		t.Errorf("sync called %d times for %d batches", syncs, tm.Batches)
	}
	if tm.Seconds() != tm.Best.Seconds() {
		t.Errorf("Seconds() = %v, want Best", tm.Seconds())
	}
}

func TestTimeBatchesSlowCall(t *testing.T) {
	calls := 0
	tm, err := TimeBatches(func() error { calls++; spin(3 * time.Millisecond); return nil }, nil, time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	// One warm-up call and one measured batch of one call.
	if calls != 2 || tm.Calls != 1 || tm.Batches != 1 {
		t.Errorf("calls = %d, timing %+v: want one warm-up and one timed call", calls, tm)
	}
}

func TestTimeErrors(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	if _, err := Time(func() error {
		n++
		if n == 3 {
			return boom
		}
		return nil
	}, nil, time.Millisecond); !errors.Is(err, boom) {
		t.Errorf("fn error: got %v", err)
	}
	if _, err := Time(func() error { return nil }, func() error { return boom }, time.Millisecond); !errors.Is(err, boom) {
		t.Errorf("sync error: got %v", err)
	}
}

// TestTimeCold checks that the eviction runs before every call, outside
// the timed span: each call spins 200µs after an eviction that sleeps
// 3ms, so the best time lies far below the eviction's.
func TestTimeCold(t *testing.T) {
	const per, ev = 200 * time.Microsecond, 3 * time.Millisecond
	calls, evicts, syncs := 0, 0, 0
	tm, err := TimeCold(func() error { calls++; spin(per); return nil },
		func() error { evicts++; time.Sleep(ev); return nil },
		func() error { syncs++; return nil }, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if tm.Best < per || tm.Best >= ev {
		t.Errorf("Best = %v: want at least the %v call and below the %v eviction", tm.Best, per, ev)
	}
	if evicts != calls || syncs != calls || calls != tm.Calls+1 {
		t.Errorf("%d calls (%d timed), %d evictions, %d syncs: want one eviction and sync per call, one warm-up", calls, tm.Calls, evicts, syncs)
	}
	// 2ms of 200µs calls: about ten, and never fewer than minBatches.
	if tm.Calls < minBatches || tm.Calls > 11 || tm.Batches != tm.Calls || tm.Median < tm.Best {
		t.Errorf("Calls %d, Batches %d, Median %v", tm.Calls, tm.Batches, tm.Median)
	}
	fail := errors.New("boom")
	if _, err := TimeCold(func() error { return nil }, func() error { return fail }, nil, time.Millisecond); !errors.Is(err, fail) {
		t.Errorf("eviction error: %v", err)
	}
	if _, err := TimeCold(func() error { return fail }, func() error { return nil }, nil, time.Millisecond); !errors.Is(err, fail) {
		t.Errorf("call error: %v", err)
	}
}

// TestEvictor checks that an eviction reads every word of a buffer at
// least several times the last-level cache.
func TestEvictor(t *testing.T) {
	if llc := lastLevelCache(); llc < 0 || llc > 1<<40 {
		t.Fatalf("last-level cache %d bytes", llc)
	}
	e := newEvictor()
	if n := 8 * len(e.buf); n < evictMinBytes || n < 3*lastLevelCache() || n%readGrain != 0 {
		t.Errorf("evictor reads %d bytes", n)
	}
	before := gatherSink
	if err := e.evict(); err != nil {
		t.Fatal(err)
	}
	// buf[i] = i: a loop reading every word sums n(n-1)/2; one reading a
	// word per line (the plain-Go loop) sums the multiples of 8.
	n := uint64(len(e.buf))
	all, lines := n*(n-1)/2, 8*(n/8)*(n/8-1)/2
	if got := gatherSink - before; got != all && got != lines {
		t.Errorf("eviction summed %d, want %d (every word) or %d (a word per line)", got, all, lines)
	}
}

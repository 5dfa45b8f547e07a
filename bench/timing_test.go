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

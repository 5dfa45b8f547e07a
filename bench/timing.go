package bench

import (
	"slices"
	"time"
)

// Timing is the outcome of Time.
type Timing struct {
	// Best is the minimum per-call time over the batches.
	Best time.Duration
	// Median is the median per-call time over the batches.
	Median time.Duration
	// Calls is the number of timed calls; Batches the number of batches.
	Calls, Batches int
}

// Seconds returns Best in seconds.
func (t Timing) Seconds() float64 { return t.Best.Seconds() }

// minBatches is the number of batches Time measures at least.
const minBatches = 3

// Time measures fn. It runs fn once to warm up (three times when a call
// lasts under minTime, and more often while the warm-up lasts under a
// tenth of minTime), sizes batches so that one batch lasts about a tenth
// of minTime at the fastest warm-up rate, then runs batches until minTime
// has passed and at least three batches are done. sync (may be nil) is
// called after each batch so asynchronous backends are timed to
// completion. The result's Best is the minimum per-call time of a batch,
// Median the median.
func Time(fn func() error, sync func() error, minTime time.Duration) (Timing, error) {
	return TimeBatches(fn, sync, minTime, minBatches)
}

// TimeBatches is Time with the minimum number of batches given (at least
// one); slow baselines use one batch to bound their cost.
func TimeBatches(fn func() error, sync func() error, minTime time.Duration, batches int) (Timing, error) {
	batches = max(batches, 1)
	if sync == nil {
		sync = func() error { return nil }
	}
	batch := func(n int) (time.Duration, error) {
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := fn(); err != nil {
				return 0, err
			}
		}
		if err := sync(); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
	// Warm up, and estimate the cost of one call: the least of a few
	// estimates, since a busy machine only ever inflates one.
	per, err := batch(1)
	if err != nil {
		return Timing{}, err
	}
	for i := 0; i < 2 && per < minTime; i++ {
		d, err := batch(1)
		if err != nil {
			return Timing{}, err
		}
		per = min(per, d)
	}
	for n := 1; per*time.Duration(n) < minTime/10 && n < 1<<20; {
		d, err := batch(n)
		if err != nil {
			return Timing{}, err
		}
		per = max(min(per, d/time.Duration(n)), 1)
		n *= 4
	}
	n := 1
	if per > 0 && per < minTime/10 {
		n = int(minTime / 10 / per)
	}
	var samples []time.Duration
	var total time.Duration
	calls := 0
	for len(samples) < batches || total < minTime {
		d, err := batch(n)
		if err != nil {
			return Timing{}, err
		}
		total += d
		calls += n
		samples = append(samples, d/time.Duration(n))
	}
	slices.Sort(samples)
	return Timing{
		Best:    samples[0],
		Median:  samples[len(samples)/2],
		Calls:   calls,
		Batches: len(samples),
	}, nil
}

// coldMaxCalls caps the calls TimeCold times: each is preceded by an
// eviction that costs more than many short calls.
const coldMaxCalls = 200

// TimeCold measures fn from cold caches: before every call, untimed,
// evict runs (it should displace whatever fn's data could sit in), then
// the call is timed alone and sync (may be nil) is called. After one
// warm-up call it times calls until they add up to minTime or
// coldMaxCalls have run, and at least minBatches. Best and Median are
// over single calls; Batches equals Calls.
func TimeCold(fn, evict, sync func() error, minTime time.Duration) (Timing, error) {
	if sync == nil {
		sync = func() error { return nil }
	}
	call := func() (time.Duration, error) {
		if err := evict(); err != nil {
			return 0, err
		}
		start := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		if err := sync(); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
	if _, err := call(); err != nil { // warm-up
		return Timing{}, err
	}
	var samples []time.Duration
	var total time.Duration
	for len(samples) < minBatches || (total < minTime && len(samples) < coldMaxCalls) {
		d, err := call()
		if err != nil {
			return Timing{}, err
		}
		total += d
		samples = append(samples, d)
	}
	slices.Sort(samples)
	return Timing{Best: samples[0], Median: samples[len(samples)/2], Calls: len(samples), Batches: len(samples)}, nil
}

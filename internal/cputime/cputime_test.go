package cputime

import (
	"runtime"
	"testing"
	"time"
)

// spin burns about d of wall time on the calling thread.
func spin(d time.Duration) (x uint64) {
	for t0 := time.Now(); time.Since(t0) < d; {
		for i := range 1 << 12 {
			x += uint64(i) * x
		}
	}
	return x
}

// TestCounts: both clocks advance by at least the CPU work done between
// two reads, and the thread's clock no faster than the wall clock.
func TestCounts(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, pok := Process()
	t0, tok := Thread()
	w0 := time.Now()
	spin(50 * time.Millisecond)
	wall := time.Since(w0)
	t1, _ := Thread()
	p1, _ := Process()
	if tok {
		if d := t1 - t0; d <= 0 || d > wall+time.Millisecond {
			t.Errorf("thread CPU time advanced %v over %v of wall time", d, wall)
		}
	}
	if pok && p1-p0 <= 0 {
		t.Errorf("process CPU time advanced %v", p1-p0)
	}
	if runtime.GOOS == "linux" && !(tok && pok) {
		t.Errorf("linux reports thread %v, process %v", tok, pok)
	}
}

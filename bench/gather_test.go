package bench

import "testing"

// TestGatherRows checks the gather loop's sum against a direct sum of the
// lines it is meant to read.
func TestGatherRows(t *testing.T) {
	const rowWords = 32
	pool := make([]uint64, 100*rowWords)
	for i := range pool {
		pool[i] = uint64(i*i + 1)
	}
	sel := []int{0, 3, 4, 17, 18, 19, 20, 21, 22, 23, 50, 99}
	var want uint64
	for _, r := range sel {
		for c := 0; c < rowWords; c += 8 {
			want += pool[r*rowWords+c]
		}
	}
	for _, depth := range append([]int{1, 3}, gatherDepths...) {
		if got := gatherRows(pool, sel, rowWords, depth); got != want {
			t.Fatalf("gatherRows depth %d = %d, want %d", depth, got, want)
		}
	}
}

// TestGatherPeak checks that the measured gather bandwidth is positive
// and finite and, reading rows scattered over memory, no faster than a
// plausible multiple of the copy peak.
func TestGatherPeak(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory bandwidth")
	}
	g := GatherGBps(2048, true)
	c, how := CopyGBps(true)
	t.Logf("gather 2 KiB rows: %.2f GB/s; copy: %.2f GB/s (%s)", g, c, how)
	if !(g > 0) || g > 4*c {
		t.Fatalf("gather peak %.3g GB/s implausible against copy %.3g GB/s", g, c)
	}
}

// TestReadPeak checks that the measured sequential read bandwidth is
// positive and finite and no faster than a plausible multiple of the
// copy peak (which counts each byte twice).
func TestReadPeak(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory bandwidth")
	}
	s, rhow := ReadGBps(true)
	c, chow := CopyGBps(true)
	t.Logf("sequential read: %.2f GB/s (%s); copy: %.2f GB/s (%s)", s, rhow, c, chow)
	if !(s > 0) || s > 4*c {
		t.Fatalf("read peak %.3g GB/s implausible against copy %.3g GB/s", s, c)
	}
}

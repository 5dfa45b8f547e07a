//go:build !linux

package bench

import "time"

// threadCPU reports that the system gives no per-thread CPU time here.
func threadCPU() (time.Duration, bool) { return 0, false }

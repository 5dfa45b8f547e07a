//go:build !linux

package cputime

import "time"

// Thread reports that the system gives no per-thread CPU time here.
func Thread() (time.Duration, bool) { return 0, false }

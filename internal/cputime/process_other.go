//go:build !unix

package cputime

import "time"

// Process reports that the system gives no process CPU time here.
func Process() (time.Duration, bool) { return 0, false }

package main

import "github.com/rotorkernels/rotor/ops"

// checkMemory refuses, before anything is allocated, work whose size the
// inputs' shapes multiply beyond what this machine holds: attend
// over q [1e6, 1, 1] and v [1, 1, 1e6], 8 MB of files, would allocate a
// 4 TB o.npy. bytes is computed in float64 so that it cannot overflow;
// arg names the flags whose shapes give the size.
func checkMemory(arg string, shape []int, bytes float64) error {
	if mem := physicalMemory(); mem > 0 && bytes > mem {
		return ops.Errorf(ops.ErrRange, arg, shape, "would need %.3g GB, more than this machine's %.3g GB of memory", bytes/1e9, mem/1e9)
	}
	return nil
}

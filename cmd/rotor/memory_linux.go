package main

import "golang.org/x/sys/unix"

// physicalMemory returns this machine's memory in bytes (0: unknown).
func physicalMemory() float64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return float64(si.Totalram) * float64(si.Unit)
}

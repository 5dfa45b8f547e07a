//go:build linux

package fallback

import "golang.org/x/sys/unix"

// physicalMemory returns the machine's RAM in bytes, or 0 when unknown.
func physicalMemory() int {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return int(min(uint64(si.Totalram)*uint64(si.Unit), maxSizeBytes))
}

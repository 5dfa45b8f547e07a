//go:build !linux

package fallback

// physicalMemory returns 0: the machine's RAM is not queried here.
func physicalMemory() int { return 0 }

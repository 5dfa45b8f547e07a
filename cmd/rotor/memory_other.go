//go:build !linux

package main

// physicalMemory returns 0 (unknown) where rotor does not read the
// machine's memory size: checkMemory then lets every size pass.
func physicalMemory() float64 { return 0 }

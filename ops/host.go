package ops

import "unsafe"

// Bytes views a slice of float32, int32, uint16 or byte as its
// little-endian bytes without copying (rotor runs on little-endian hosts).
// It is the bridge between typed host slices and Backend.Write/Read.
func Bytes[E float32 | int32 | uint16 | uint8](s []E) []byte {
	if len(s) == 0 {
		return nil
	}
	var e E
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(e)))
}

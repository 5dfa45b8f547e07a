package vec

import "testing"

// TestPrefetch checks that prefetching any slice, up to the last element
// of its allocation and of every length, neither faults nor changes a
// value, at every level.
func TestPrefetch(t *testing.T) {
	old := setLevel(level)
	defer setLevel(old)
	for _, l := range supported() {
		setLevel(l)
		for _, n := range testLengths {
			for _, off := range testOffsets {
				buf16 := make([]uint16, n+off)
				buf32 := make([]float32, n+off)
				for i := range buf16 {
					buf16[i], buf32[i] = uint16(i), float32(i)
				}
				PrefetchU16(buf16[off:])
				PrefetchF32(buf32[off:])
				for i := range buf16 {
					if buf16[i] != uint16(i) || buf32[i] != float32(i) {
						t.Fatalf("%s n=%d: element %d changed", levelNames[l], n, i)
					}
				}
			}
		}
		PrefetchU16(nil)
		PrefetchF32(nil)
	}
}

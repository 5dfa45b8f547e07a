//go:build !purego

package vec

import "unsafe"

// copyRowsStream writes the rows with level's non-temporal stores when
// they are streamable and reports whether it did.
func copyRowsStream(dst []float32, dstride int, src []float32, width int) bool {
	if level == levelGeneric || !streamable(dst, dstride, width) {
		return false
	}
	storeLinesNT((*byte)(unsafe.Pointer(&dst[0])), uintptr(4*dstride),
		(*byte)(unsafe.Pointer(&src[0])), uintptr(len(src)/width), uintptr(width/16))
	return true
}

func storeFenceAt(l int) {
	if l != levelGeneric {
		storeFence()
	}
}

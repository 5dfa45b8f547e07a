package vec

import "unsafe"

// CopyRowsStream copies the rows of width floats of src (rows stored one
// after another) to dst, row r to dst[r·dstride : r·dstride+width]. Where
// every destination row starts on a 64-byte boundary and spans whole
// 64-byte lines, the assembly writes them with non-temporal stores: the
// lines go to memory without first being read into the caches, which
// saves the read of every line for results written once and read much
// later (a score matrix of many slots, whose rows of a few columns each
// would otherwise fight over the same cache sets). Other rows are copied
// as usual. The values are those of copy in every case. A goroutine that
// used it calls StoreFence before the results are handed to others. It
// panics when a row of dst is out of range.
func CopyRowsStream(dst []float32, dstride int, src []float32, width int) {
	if width <= 0 || dstride < 0 {
		panic("vec: CopyRowsStream with a non-positive width or a negative stride")
	}
	rows := len(src) / width
	if rows == 0 {
		return
	}
	if (rows-1)*dstride+width > len(dst) {
		panic("vec: CopyRowsStream destination out of range")
	}
	if copyRowsStream(dst, dstride, src[:rows*width], width) {
		return
	}
	for r := range rows {
		copy(dst[r*dstride:r*dstride+width], src[r*width:(r+1)*width])
	}
}

// StoreFence orders the non-temporal stores of CopyRowsStream made by
// the calling goroutine before every store after it (SFENCE); without the
// assembly it does nothing.
func StoreFence() { storeFenceAt(level) }

// streamable reports whether rows of width floats at dst, dstride floats
// apart, are whole 64-byte lines on 64-byte boundaries.
func streamable(dst []float32, dstride, width int) bool {
	return width%16 == 0 && dstride%16 == 0 && uintptr(unsafe.Pointer(&dst[0]))%64 == 0
}

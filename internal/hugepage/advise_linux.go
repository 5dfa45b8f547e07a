//go:build linux

package hugepage

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Advise marks the whole huge pages inside b as eligible for transparent
// huge pages (madvise MADV_HUGEPAGE). It reports whether the advice was
// given; errors are ignored, the advice being only a hint. Call it before
// the buffer is first written, so that its pages are faulted in as huge
// pages.
func Advise(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	lo, hi := Span(uintptr(unsafe.Pointer(&b[0])), len(b))
	if hi == lo {
		return false
	}
	return unix.Madvise(b[lo:hi], unix.MADV_HUGEPAGE) == nil
}

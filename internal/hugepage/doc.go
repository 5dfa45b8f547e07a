// Package hugepage asks the operating system to back large host buffers
// with huge pages (2 MiB on amd64 Linux). Attention reads gathered K and V
// rows scattered over a pool of hundreds of megabytes: with 4 KiB pages
// nearly every row costs a TLB miss and a page walk, with 2 MiB pages one
// TLB entry covers a thousand rows.
//
// The advice is best effort: where transparent huge pages are disabled,
// on other systems, or when the kernel finds no free huge page, the
// buffer keeps ordinary pages and nothing else changes.
package hugepage

// MinBytes is the smallest buffer Advise considers: below it the buffer
// spans too few huge pages to matter.
const MinBytes = 8 << 20

// Size is the huge page size the advice aims at.
const Size = 2 << 20

// Span returns the offsets [lo, hi) of the whole huge pages inside a
// buffer of n bytes starting at address addr (lo = hi = 0 when there is
// none, or when n < MinBytes).
func Span(addr uintptr, n int) (lo, hi int) {
	if n < MinBytes {
		return 0, 0
	}
	first := (addr + Size - 1) &^ (Size - 1)
	last := (addr + uintptr(n)) &^ (Size - 1)
	if last <= first {
		return 0, 0
	}
	return int(first - addr), int(last - addr)
}

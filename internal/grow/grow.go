// Package grow resizes scratch slices that ops and policies keep from
// call to call, so that a warm call allocates nothing.
package grow

// Slice returns s resliced to length n, or, when its capacity is short,
// a new zeroed slice of length n with a quarter more capacity (so that
// slowly growing sizes do not reallocate on every call). The contents
// of s are not carried over: callers treat the result as scratch.
func Slice[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n, n+n/4)
	}
	return s[:n]
}

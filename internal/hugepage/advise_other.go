//go:build !linux

package hugepage

// Advise does nothing on systems without transparent huge pages and
// reports false.
func Advise(b []byte) bool { return false }

package vec

// Limit caps the implementation at the named level ("purego", "avx2",
// "avx512" or "avx512bf16"; a level above what this CPU and build run
// gives the highest they run) and returns a function that restores the previous level; ok
// is false, and nothing changes, for an unknown name. The level is
// process-wide and read by every call without synchronisation: Limit and
// the restore must run while no other vec call is in flight (benchmarks
// timing the plain-Go path in the same run call it between calls).
func Limit(name string) (restore func(), ok bool) {
	for l, n := range levelNames {
		if n == name {
			s := supportedRounding()
			old := setLevel(min(l, s[len(s)-1]))
			return func() { setLevel(old) }, true
		}
	}
	return func() {}, false
}

// Package vec holds the fallback backend's hot loops over float32 and
// 16-bit float slices. Each function has a plain-Go definition (the
// purego path, and the reference every assembly variant is tested
// against); on amd64 the exported functions dispatch to AVX2+FMA or
// AVX-512 assembly chosen once at start-up.
package vec

//go:build cgo

package hosttest

// #cgo CXXFLAGS: -std=c++17 -O2 -fno-fast-math -Wall -Wno-unused-function -Wno-unknown-pragmas
// #cgo LDFLAGS: -lm
// #include "bridge.h"
import "C"

import (
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

// The wrappers below pass Go memory to C for the duration of one call;
// the C side keeps no pointer.

// HeadersDigest returns the digest of the headers this package was
// compiled from (kernels.HeadersDigest at build time).
func HeadersDigest() string { return C.GoString(C.rt_headers_digest()) }

// SinCos64 evaluates sincos64 of rope_math.cuh for every theta.
func SinCos64(theta []float64) (s, c []float64) {
	n := len(theta)
	s, c = make([]float64, n), make([]float64, n)
	if n > 0 {
		C.rt_sincos64((*C.double)(&theta[0]), C.int(n), (*C.double)(&s[0]), (*C.double)(&c[0]))
	}
	return s, c
}

// AccurateCosSin evaluates accurate_cos_sin for each (pos[i], f[i]).
func AccurateCosSin(pos []int32, f []float64, attn float64) (c, s []float32) {
	n := len(pos)
	c, s = make([]float32, n), make([]float32, n)
	if n > 0 {
		C.rt_accurate_cos_sin((*C.int)(&pos[0]), (*C.double)(&f[0]), C.int(n), C.double(attn), (*C.float)(&c[0]), (*C.float)(&s[0]))
	}
	return c, s
}

// CompatCosSin evaluates compat_cos_sin for each (pos[i], f[i]).
func CompatCosSin(pos []int32, f []float32, attn float64) (c, s []float32) {
	n := len(pos)
	c, s = make([]float32, n), make([]float32, n)
	if n > 0 {
		C.rt_compat_cos_sin((*C.int)(&pos[0]), (*C.float)(&f[0]), C.int(n), C.double(attn), (*C.float)(&c[0]), (*C.float)(&s[0]))
	}
	return c, s
}

// CompatAngle evaluates compat_angle for each (pos[i], f[i]).
func CompatAngle(pos []int32, f []float32) []float32 {
	out := make([]float32, len(pos))
	if len(pos) > 0 {
		C.rt_compat_angle((*C.int)(&pos[0]), (*C.float)(&f[0]), C.int(len(pos)), (*C.float)(&out[0]))
	}
	return out
}

// RotatePair evaluates rotate_pair element-wise.
func RotatePair(a, b, c, s []float32) (ra, rb []float32) {
	n := len(a)
	ra, rb = make([]float32, n), make([]float32, n)
	if n > 0 {
		C.rt_rotate_pair((*C.float)(&a[0]), (*C.float)(&b[0]), (*C.float)(&c[0]), (*C.float)(&s[0]), C.int(n), (*C.float)(&ra[0]), (*C.float)(&rb[0]))
	}
	return ra, rb
}

// BF16FromF32Range rounds the float32 values with bits start, start+1, …
// to bf16 with bf16_from_f32 into out.
func BF16FromF32Range(start uint32, out []uint16) {
	if len(out) > 0 {
		C.rt_bf16_from_f32_range(C.uint(start), C.uint(len(out)), (*C.ushort)(&out[0]))
	}
}

// F16FromF32Range rounds the float32 values with bits start, start+1, …
// to binary16 with f16_from_f32 into out.
func F16FromF32Range(start uint32, out []uint16) {
	if len(out) > 0 {
		C.rt_f16_from_f32_range(C.uint(start), C.uint(len(out)), (*C.ushort)(&out[0]))
	}
}

// F16ToF32All returns the float32 bits of f16_to_f32 for all 65536 inputs.
func F16ToF32All() []uint32 {
	out := make([]uint32, 65536)
	C.rt_f16_to_f32_all((*C.uint)(&out[0]))
	return out
}

// BF16ToF32All returns the float32 bits of bf16_to_f32 for all inputs.
func BF16ToF32All() []uint32 {
	out := make([]uint32, 65536)
	C.rt_bf16_to_f32_all((*C.uint)(&out[0]))
	return out
}

// RoPEWalk runs every thread of a launch of kernel (rope_vV or
// rope_append_vV) on the host with the kernel's own thread function,
// reading the parameters from words in the kernel's order. It reports
// false when no such kernel is instantiated. keep holds the Go memory the
// words address.
func RoPEWalk(kernel string, dtype, layout, angles int, words []uint64, grid [3]int, block int, keep ...any) bool {
	ap, vs := 0, ""
	switch {
	case strings.HasPrefix(kernel, "rope_append_v"):
		ap, vs = 1, strings.TrimPrefix(kernel, "rope_append_v")
	case strings.HasPrefix(kernel, "rope_v"):
		vs = strings.TrimPrefix(kernel, "rope_v")
	default:
		return false
	}
	vec, err := strconv.Atoi(vs)
	if err != nil {
		return false
	}
	rc := C.rt_rope_walk(C.int(ap), C.int(dtype), C.int(layout), C.int(angles), C.int(vec),
		(*C.ulonglong)(unsafe.Pointer(&words[0])), C.int(grid[0]), C.int(grid[1]), C.int(block))
	runtime.KeepAlive(keep)
	return rc == 0
}

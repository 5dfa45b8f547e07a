//go:build cgo

package hosttest

// #include "bridge.h"
import "C"

// KMDist is km_dist of kmeans_math.cuh.
func KMDist(y, c []float32) float64 {
	return float64(C.rt_km_dist(fptr(y), fptr(c), C.int(len(y))))
}

// KMScale is km_scale.
func KMScale(x float32, inv float64) float32 {
	return float32(C.rt_km_scale(C.float(x), C.double(inv)))
}

// KMInv is km_inv.
func KMInv(ss float64) float64 { return float64(C.rt_km_inv(C.double(ss))) }

// KMNormBound is km_norm_bound.
func KMNormBound(ss float64, normalize bool) float64 {
	n := 0
	if normalize {
		n = 1
	}
	return float64(C.rt_km_norm_bound(C.double(ss), C.int(n)))
}

// KMSumShift is km_sum_shift.
func KMSumShift(nbits int, maxAbs float32) int {
	return int(C.rt_km_sum_shift(C.int(nbits), C.float(maxAbs)))
}

// KMFixed is km_fixed.
func KMFixed(v float32, scale float64) int64 {
	return int64(C.rt_km_fixed(C.float(v), C.double(scale)))
}

// KMFixedValue is km_fixed_value.
func KMFixedValue(s int64, q int) float32 {
	return float32(C.rt_km_fixed_value(C.longlong(s), C.int(q)))
}

// KMMargin is km_margin.
func KMMargin(d int, yn, cn float64) float64 {
	return float64(C.rt_km_margin(C.int(d), C.double(yn), C.double(cn)))
}

// KMFold folds v in order with km_fold from the empty triple.
func KMFold(v []float32) (m1 float32, i1 int, m2 float32) {
	var a, c C.float
	var b C.int
	C.rt_km_fold(fptr(v), C.int(len(v)), &a, &b, &c)
	return float32(a), int(b), float32(c)
}

// KMMerge is km_merge of two triples.
func KMMerge(am1 float32, ai1 int, am2 float32, bm1 float32, bi1 int, bm2 float32) (m1 float32, i1 int, m2 float32) {
	var a, c C.float
	var b C.int
	C.rt_km_merge(C.float(am1), C.int(ai1), C.float(am2), C.float(bm1), C.int(bi1), C.float(bm2), &a, &b, &c)
	return float32(a), int(b), float32(c)
}

// KMF32Up is km_f32_up.
func KMF32Up(x float64) float32 { return float32(C.rt_km_f32_up(C.double(x))) }

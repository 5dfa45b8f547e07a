//go:build cgo

package hosttest

// #include <stdlib.h>
// #include "bridge.h"
import "C"

import (
	"runtime"
	"unsafe"
)

func fptr(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&s[0]))
}

func iptr(s []int32) *C.int {
	if len(s) == 0 {
		return nil
	}
	return (*C.int)(unsafe.Pointer(&s[0]))
}

// AttnRow runs one attention row through soft_add, soft_merge and
// soft_finish as attn_decode does (see rt_attn_row): n = len(dots) keys,
// vals n×dv, keys dealt to parts lane groups step at a time.
func AttnRow(dots, vals []float32, masked []int32, dv int, scale, softcap, sink float32, parts, step int) (out []float32, lse float32) {
	out = make([]float32, dv)
	var l C.float
	C.rt_attn_row(fptr(dots), fptr(vals), iptr(masked), C.int(len(dots)), C.int(dv), C.float(scale), C.float(softcap),
		C.float(sink), C.int(parts), C.int(step), fptr(out), &l)
	return out, float32(l)
}

// LSEMerge is lse_merge of softmax.cuh.
func LSEMerge(l1, l2 float32) (lse, w1, w2 float32) {
	var a, b C.float
	r := C.rt_lse_merge(C.float(l1), C.float(l2), &a, &b)
	return float32(r), float32(a), float32(b)
}

// Crit runs the soft vote as crit_stats and crit_vote do, over scores
// [Hq, N] cut into chunks.
func Crit(scores []float32, Hq, N, chunks int) []float32 {
	out := make([]float32, N)
	C.rt_crit(fptr(scores), C.int(Hq), C.int(N), C.int(chunks), fptr(out))
	return out
}

// TopKRow runs one row of topk_radix sequentially.
func TopKRow(scores []float32, K int, mapping []int32) []int32 {
	out := make([]int32, K)
	C.rt_topk_row(fptr(scores), C.int(len(scores)), C.int(K), iptr(mapping), iptr(out))
	return out
}

// MinMaxGo evaluates min_go and max_go element-wise.
func MinMaxGo(a, b []float32) (mn, mx []float32) {
	mn, mx = make([]float32, len(a)), make([]float32, len(a))
	C.rt_minmax_go(fptr(a), fptr(b), C.int(len(a)), fptr(mn), fptr(mx))
	return mn, mx
}

// RoPEPositions evaluates rope_query_pos and rope_key_pos.
func RoPEPositions(sel, keypos, cap, queryPos, Tq int, qpos []int32, t, n, rank, kpos int) (qp, kp int) {
	var a, b C.int
	C.rt_rope_positions(C.int(sel), C.int(keypos), C.int(cap), C.int(queryPos), C.int(Tq), iptr(qpos), C.int(t), C.int(n),
		C.int(rank), C.int(kpos), &a, &b)
	return int(a), int(b)
}

// AttnLaunch runs every block of one attention launch (attn_decode_gG,
// attn_prefill, attn_split_merge or sel_rank_counts) on the host from its
// parameter words. It reports false for another kernel. keep holds the Go
// memory the words address.
func AttnLaunch(kernel string, dtype, d, dv int, keyRoPE bool, tileN int, words []uint64, grid [3]int, keep ...any) bool {
	ck := C.CString(kernel)
	defer C.free(unsafe.Pointer(ck))
	kr := 0
	if keyRoPE {
		kr = 1
	}
	rc := C.rt_attn_launch(ck, C.int(dtype), C.int(d), C.int(dv), C.int(kr), C.int(tileN),
		(*C.ulonglong)(unsafe.Pointer(&words[0])), C.int(grid[0]), C.int(grid[1]), C.int(grid[2]))
	runtime.KeepAlive(keep)
	return rc == 0
}

// SelectLaunch runs every block of one selection launch (qk_scores_gG,
// crit_stats, crit_vote, topk_radix, page_meta, page_scores_gG, and the
// kmeans kernels) on the host from its parameter words; d is the module's head dimension. It
// reports false for another kernel.
func SelectLaunch(kernel string, dtype, d int, words []uint64, grid [3]int, keep ...any) bool {
	ck := C.CString(kernel)
	defer C.free(unsafe.Pointer(ck))
	rc := C.rt_select_launch(ck, C.int(dtype), C.int(d), (*C.ulonglong)(unsafe.Pointer(&words[0])), C.int(grid[0]), C.int(grid[1]))
	runtime.KeepAlive(keep)
	return rc == 0
}

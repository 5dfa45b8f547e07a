package kernels

import "github.com/rotorkernels/rotor/ops"

// PrefillTileN returns the number of selected keys attn_prefill stages per
// tile for dtype dt and head dimensions d (K) and dv (V): 64 when both are
// at most 128, 32 when only d is larger, 16 when dv is larger (its output
// accumulators then take most of the registers). The K and V tiles always
// fit in 48 KB of shared memory without opt-in.
func PrefillTileN(dt ops.DType, d, dv int) int {
	switch {
	case max(d, dv) <= 128:
		return 64
	case dv <= 128:
		return 32
	}
	return 16
}

// prefillPad is the padding, in elements, added to each staged K and V
// row in shared memory to spread rows over banks.
const prefillPad = 8

// PrefillSmem returns the static shared memory attn_prefill uses: the K
// and V tiles (TileN rows of d+8 and dv+8 16-bit elements), the staged
// slot indices, key positions and key documents, and the position,
// document and scale of each of the block's PrefillRowsPerBlock query
// rows.
func PrefillSmem(dt ops.DType, d, dv int) int {
	n := PrefillTileN(dt, d, dv)
	return n*(d+prefillPad)*2 + n*(dv+prefillPad)*2 + 3*n*4 + 3*PrefillRowsPerBlock*4
}

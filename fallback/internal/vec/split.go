package vec

// The split-order bfloat16 rotations (RotateBF16Split) widen a block of
// 2·lanes NeoX pairs with one instruction for the even elements and one
// for the odd ones, so they read each block's cos and sin split the same
// way: the entries of the block's even pairs, then those of its odd
// pairs. SplitPairs lays a table out so.

// SplitPairs sets dst to src in the order RotateBF16Split and
// RotateBF16HeadsSplit read their cos and sin: in each whole block of B
// entries (B = 16 with AVX2, 32 with AVX-512) the even-indexed entries of
// the block, then its odd-indexed ones; the entries after the last whole
// block, and every entry on the purego path (B = 0), in their natural
// order. Tables of anything elementwise in the pairs (inverse
// frequencies, cos, sin) can be split before or after the elementwise
// step alike. dst and src must not overlap; len(dst) ≥ len(src).
func SplitPairs[T float32 | float64](dst, src []T) { splitPairsAt(level, dst[:len(src)], src) }

// splitBlock returns the pairs in one split block at level l; 0 means
// natural order.
func splitBlock(l int) int {
	switch l {
	case levelAVX2:
		return 16
	case levelAVX512:
		return 32
	}
	return 0
}

func splitPairsAt[T float32 | float64](l int, dst, src []T) {
	n := 0
	if b := splitBlock(l); b > 0 {
		n = len(src) / b * b
		for i := 0; i < n; i += b {
			for p := range b / 2 {
				dst[i+p], dst[i+b/2+p] = src[i+2*p], src[i+2*p+1]
			}
		}
	}
	copy(dst[n:], src[n:])
}

package kernels

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/rotorkernels/rotor/ops"
)

// Selection modes passed to the attention kernels (ROTOR_SEL_* in
// attn_common.cuh).
const (
	selDense   = 0
	selRequest = 1
	selKVHead  = 2
	selQuery   = 3
)

// MaxSplits bounds the split-KV factor of attn_decode (attn_split_merge
// stages one weight per split in shared memory).
const MaxSplits = 256

// decodeTile is the number of selection entries attn_decode stages at a
// time; split lengths are multiples of it.
const decodeTile = 64

// GroupTile returns the query heads per block (the G of attn_decode_gG,
// qk_scores_gG and page_scores_gG) for GQA group size g: the next power
// of two ≥ g, at most 8. Groups larger than 8 take ceil(g/8) blocks per kv
// head.
func GroupTile(g int) int {
	if g <= 1 {
		return 1
	}
	return min(8, 1<<bits.Len(uint(g-1)))
}

// defaultScale is 1/sqrt(d) rounded to float32, the ops' Scale 0.
func defaultScale(scale float32, d int) float32 {
	if scale != 0 {
		return scale
	}
	return float32(1 / math.Sqrt(float64(d)))
}

// checkHeadDim returns ErrUnsupported unless the kernels are built for d.
func checkHeadDim(arg string, d, multiple int) error {
	if d < multiple || d > MaxHeadDim || d%multiple != 0 {
		return ops.Errorf(ops.ErrUnsupported, arg, d, "the cuda kernels need a head dimension that is a multiple of %d up to %d", multiple, MaxHeadDim)
	}
	return nil
}

// checkRows16 returns ErrUnsupported unless t's rows (and so every
// 8-element lane access) start on 16-byte boundaries: its address is
// 16-byte aligned and its row stride in bytes is a multiple of 16.
func checkRows16(arg string, t *ops.Tensor, addr uint64) error {
	if addr%16 != 0 {
		return ops.Errorf(ops.ErrUnsupported, arg+".offset", t.Offset, "the cuda kernels need 16-byte aligned rows (address %#x)", addr)
	}
	if (t.RowStride()*t.DType.Size())%16 != 0 {
		return ops.Errorf(ops.ErrUnsupported, arg+".stride", t.RowStride(), "the cuda kernels need a row stride that is a multiple of 16 bytes")
	}
	return nil
}

// addrs resolves the addresses of several tensors (nil tensors give 0).
func addrs(m Memory, ts ...*ops.Tensor) ([]uint64, error) {
	out := make([]uint64, len(ts))
	for i, t := range ts {
		if t == nil {
			continue
		}
		a, err := m.Addr(t)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// stride1D is the row stride of t in elements (the element stride of a
// rank-1 tensor), 0 for nil.
func stride1D(t *ops.Tensor) int {
	if t == nil {
		return 0
	}
	return t.RowStride()
}

func groupKernel(prefix string, G int) string { return fmt.Sprintf("%s%d", prefix, G) }

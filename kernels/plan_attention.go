package kernels

import (
	"github.com/rotorkernels/rotor/ops"
)

// PrefillMinRows is the number of query rows (query tokens × GQA group)
// from which PlanAttention prefers the tensor-core attn_prefill kernel
// (when it applies) to attn_decode. A heuristic, not tuned on a GPU.
const PrefillMinRows = 64

// PrefillRowsPerBlock is the number of query rows one attn_prefill block
// serves.
const PrefillRowsPerBlock = PrefillWarps * 16

// AttnSplits returns the split-KV factor and split length (entries) of
// attn_decode for a selection of w entries when base blocks (query tokens
// × kv heads × group chunks) exist: splits so that about two blocks per SM
// run, each split at least 256 entries and a multiple of 64, at most
// MaxSplits.
func AttnSplits(base, w int, dev Device) (splits, chunk int) {
	target := 2 * max(dev.SMs, 1)
	if base <= 0 || w <= 0 || base >= target {
		return 1, max(w, 1)
	}
	s := min(ceilDiv(target, base), max(1, w/256), MaxSplits)
	chunk = ceilDiv(ceilDiv(w, s), decodeTile) * decodeTile
	return ceilDiv(w, chunk), chunk
}

// selection describes a validated ops.Selection for the kernels.
type selection struct {
	mode              int
	w, start          int
	idxTok, idxHead   int
	rows, rowsPerTok  int // index rows (for sel_rank_counts) and rows per token
	countTok, countHd int
}

func describeSelection(sel *ops.Selection, Tq, Hk, S int) (selection, error) {
	if sel.Indices == nil {
		end := sel.End
		if end == 0 {
			end = S
		}
		return selection{mode: selDense, w: end - sel.Start, start: sel.Start}, nil
	}
	idx := sel.Indices
	w := idx.Shape[idx.Rank()-1]
	switch sel.Granularity {
	case ops.PerRequest:
		if idx.RowStride() != 1 {
			return selection{}, ops.Errorf(ops.ErrUnsupported, "sel.indices.stride", idx.Stride, "the cuda kernels read a per-request index row densely")
		}
		return selection{mode: selRequest, w: w, countTok: 1, countHd: 1}, nil
	case ops.PerKVHead:
		return selection{mode: selKVHead, w: w, idxHead: idx.RowStride(), countTok: 1, countHd: Hk}, nil
	default:
		return selection{mode: selQuery, w: w, idxTok: idx.RowStride(), idxHead: w, countTok: Tq, countHd: Hk}, nil
	}
}

// PlanAttention plans Backend.Attention. Index, position and sink values
// are not read here: validate them first (ops.CheckIndices,
// ops.CheckPositions, ops.CheckSinks); the kernels treat any index
// outside [0, S) as padding and never read through it.
//
// It chooses the tensor-core kernel attn_prefill for BF16/F16 calls with
// at least PrefillMinRows query rows, a selection shared by the query
// tokens (dense, per request or per kv head), no in-kernel RoPE and a head
// dimension that is a multiple of 16; otherwise attn_decode_gG with a
// split-KV factor from AttnSplits, preceded by sel_rank_counts (key RoPE
// by rank over indices) and followed by attn_split_merge (splits > 1).
// Dual Chunk Attention runs three attn_decode blocks per range of a row,
// one per chunk class, and always merges their partials. Document masks
// and log-n scaling run in both kernels.
//
// ErrUnsupported: a head dimension D or Dv the kernels are not built for
// (a multiple of 8 up to 256), q, k, v or o rows not 16-byte aligned, a
// strided per-request index row, or NeoX key RoPE whose rotary half is not
// a multiple of 8.
//
// Parameters of attn_decode_gG (attn_decode.cu): q, k, v, o, lse, part,
// idx, qpos, kpos, sinks, counts, inv_freq (pointers; null when absent),
// q_row, k_row, v_row, o_row, lse_row, idx_tok, idx_head, qpos_stride,
// kpos_stride, sink_stride (i64), Tq, Hq, Hk, S, W, start, sel, splits,
// chunk, gchunks (i32), scale, softcap (float), rope_attn (double),
// rope_half, rope_layout, rope_angles, keypos, cap, query_pos (i32),
// qdoc, kdoc (pointers), qdoc_stride, kdoc_stride (i64), logn,
// chunk_len, chunk_size (i32).
//
// Parameters of attn_prefill (attn_prefill.cu): q, k, v, o, lse, idx,
// qpos, kpos, sinks, q_row, k_row, v_row, o_row, lse_row, idx_head,
// qpos_stride, kpos_stride, sink_stride (i64), Tq, Hq, Hk, S, W, start,
// sel (i32), scale, softcap (float), qdoc, kdoc (pointers), qdoc_stride,
// kdoc_stride (i64), logn (i32).
//
// Parameters of attn_split_merge (attn_merge.cu): part, o, lse, sinks,
// o_row, lse_row, sink_stride (i64), Tq, Hq, Dv, splits (i32).
//
// Parameters of sel_rank_counts (attn_decode.cu): idx, counts, idx_tok,
// idx_head (i64), nhead, W, S, splits, chunk (i32).
func PlanAttention(a *ops.AttentionArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckAttention(a, ""); err != nil {
		return nil, err
	}
	dt := a.Q.DType
	Tq, Hq, D := a.Q.Shape[0], a.Q.Shape[1], a.Q.Shape[2]
	S, Hk, Dv := a.K.Shape[0], a.K.Shape[1], a.V.Shape[2]
	if err := checkHeadDim("q.shape[2]", D, 8); err != nil {
		return nil, err
	}
	if err := checkHeadDim("v.shape[2]", Dv, 8); err != nil {
		return nil, err
	}
	if Tq == 0 || Hq == 0 {
		return nil, nil
	}
	sel, err := describeSelection(&a.Sel, Tq, Hk, S)
	if err != nil {
		return nil, err
	}
	ad, err := addrs(m, a.Q, a.K, a.V, a.O, a.LSE, a.Sel.Indices, a.QPos, a.KPos, a.Sinks, a.QDoc, a.KDoc)
	if err != nil {
		return nil, err
	}
	for i, t := range []*ops.Tensor{a.Q, a.K, a.V, a.O} {
		if err := checkRows16([]string{"q", "k", "v", "o"}[i], t, ad[i]); err != nil {
			return nil, err
		}
	}
	var rope ropeParams
	if a.RoPE != nil {
		if rope, err = keyRoPEParams(a.RoPE, m); err != nil {
			return nil, err
		}
	}
	g := Hq / Hk
	scale := defaultScale(a.Scale, D)
	lseRow := 0
	if a.LSE != nil {
		lseRow = a.LSE.RowStride()
	}
	o := Options{DType: dt, HeadDim: D, VDim: Dv}

	if dt != ops.F32 && a.RoPE == nil && sel.mode != selQuery && D%16 == 0 && Tq*g >= PrefillMinRows {
		return []Launch{{
			Family: AttnPrefill, Options: o, Kernel: "attn_prefill",
			Grid:  [3]int{ceilDiv(Tq*g, PrefillRowsPerBlock), Hk, 1},
			Block: [3]int{AttnBlock, 1, 1},
			Args: []Arg{Ptr(ad[0]), Ptr(ad[1]), Ptr(ad[2]), Ptr(ad[3]), Ptr(ad[4]), Ptr(ad[5]), Ptr(ad[6]), Ptr(ad[7]), Ptr(ad[8]),
				I64(a.Q.RowStride()), I64(a.K.RowStride()), I64(a.V.RowStride()), I64(a.O.RowStride()), I64(lseRow), I64(sel.idxHead),
				I64(stride1D(a.QPos)), I64(stride1D(a.KPos)), I64(stride1D(a.Sinks)),
				I32(Tq), I32(Hq), I32(Hk), I32(S), I32(sel.w), I32(sel.start), I32(sel.mode),
				F32(scale), F32(a.SoftCap),
				Ptr(ad[9]), Ptr(ad[10]), I64(stride1D(a.QDoc)), I64(stride1D(a.KDoc)), I32(int(a.LogN))},
		}}, nil
	}

	G := GroupTile(g)
	gchunks := ceilDiv(g, G)
	// Dual Chunk Attention: three blocks (chunk classes) per range of a
	// row, each writing a partial; parts = partials per output row.
	classes := 1
	if a.RoPE != nil && a.RoPE.KeyPos == ops.KeyPosDualChunk {
		classes = 3
	}
	splits, chunk := AttnSplits(Tq*Hk*gchunks*classes, sel.w, dev)
	parts := splits * classes
	var ls []Launch
	var part, counts uint64
	if parts > 1 {
		if part, err = m.Scratch(Tq * Hq * parts * (Dv + 2) * 4); err != nil {
			return nil, err
		}
	}
	o.KeyRoPE = a.RoPE != nil
	if o.KeyRoPE && a.RoPE.KeyPos == ops.KeyPosRank && sel.mode != selDense {
		rows := sel.countTok * sel.countHd
		if counts, err = m.Scratch(rows * splits * 4); err != nil {
			return nil, err
		}
		ls = append(ls, Launch{
			Family: AttnDecode, Options: o, Kernel: "sel_rank_counts",
			Grid:  [3]int{rows, splits, 1},
			Block: [3]int{ReduceBlock, 1, 1},
			Args: []Arg{Ptr(ad[5]), Ptr(counts), I64(sel.idxTok), I64(sel.idxHead),
				I32(sel.countHd), I32(sel.w), I32(S), I32(splits), I32(chunk)},
		})
	}
	ls = append(ls, Launch{
		Family: AttnDecode, Options: o, Kernel: groupKernel("attn_decode_g", G),
		Grid:  [3]int{Tq, Hk * gchunks, parts},
		Block: [3]int{AttnBlock, 1, 1},
		Args: []Arg{Ptr(ad[0]), Ptr(ad[1]), Ptr(ad[2]), Ptr(ad[3]), Ptr(ad[4]), Ptr(part), Ptr(ad[5]), Ptr(ad[6]), Ptr(ad[7]), Ptr(ad[8]),
			Ptr(counts), Ptr(rope.invFreq),
			I64(a.Q.RowStride()), I64(a.K.RowStride()), I64(a.V.RowStride()), I64(a.O.RowStride()), I64(lseRow),
			I64(sel.idxTok), I64(sel.idxHead), I64(stride1D(a.QPos)), I64(stride1D(a.KPos)), I64(stride1D(a.Sinks)),
			I32(Tq), I32(Hq), I32(Hk), I32(S), I32(sel.w), I32(sel.start), I32(sel.mode), I32(parts), I32(chunk), I32(gchunks),
			F32(scale), F32(a.SoftCap),
			F64(rope.attn), I32(rope.half), I32(rope.layout), I32(rope.angles), I32(rope.keyPos), I32(rope.cap), I32(rope.queryPos),
			Ptr(ad[9]), Ptr(ad[10]), I64(stride1D(a.QDoc)), I64(stride1D(a.KDoc)), I32(int(a.LogN)), I32(rope.chunkLen), I32(rope.chunkSize)},
	})
	if parts > 1 {
		ls = append(ls, Launch{
			Family: AttnMerge, Options: Options{DType: dt}, Kernel: "attn_split_merge",
			Grid:  [3]int{Tq * Hq, 1, 1},
			Block: [3]int{MergeBlock, 1, 1},
			Args: []Arg{Ptr(part), Ptr(ad[3]), Ptr(ad[4]), Ptr(ad[8]), I64(a.O.RowStride()), I64(lseRow), I64(stride1D(a.Sinks)),
				I32(Tq), I32(Hq), I32(Dv), I32(parts)},
		})
	}
	return ls, nil
}

// ropeParams are the in-kernel RoPE arguments of attn_decode.
type ropeParams struct {
	invFreq                                     uint64
	attn                                        float64
	half, layout, angles, keyPos, cap, queryPos int
	chunkLen, chunkSize                         int
}

func keyRoPEParams(r *ops.KeyRoPE, m Memory) (ropeParams, error) {
	half := r.Rotary.Dim / 2
	if r.Rotary.Layout == ops.NeoX && half%AttnVec != 0 {
		return ropeParams{}, ops.Errorf(ops.ErrUnsupported, "rope.rotary.dim", r.Rotary.Dim, "in-kernel NeoX RoPE needs a rotary dimension that is a multiple of %d", 2*AttnVec)
	}
	inv, err := m.InvFreq(r.Rotary, r.Angles)
	if err != nil {
		return ropeParams{}, err
	}
	p := ropeParams{invFreq: inv, attn: r.Rotary.AttentionFactor, half: half, layout: int(r.Rotary.Layout),
		angles: int(r.Angles), keyPos: int(r.KeyPos), cap: int(r.Cap), queryPos: int(r.QueryPos)}
	if r.KeyPos == ops.KeyPosDualChunk {
		p.chunkLen, p.chunkSize = int(r.Chunk.ChunkLen()), int(r.Chunk.ChunkSize)
	}
	return p, nil
}

// PlanMerge plans Backend.Merge: one launch of attn_merge2. LSE values are
// not read here (ops.CheckLSEValues first).
//
// Parameters of attn_merge2 (attn_merge.cu): o1, lse1, o2, lse2, o, lse,
// o1_row, o2_row, o_row, lse1_row, lse2_row, lse_row (i64), Tq, Hq, Dv
// (i32).
func PlanMerge(a *ops.MergeArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckMerge(a, ""); err != nil {
		return nil, err
	}
	Tq, Hq, Dv := a.O1.Shape[0], a.O1.Shape[1], a.O1.Shape[2]
	if Tq*Hq == 0 {
		return nil, nil
	}
	ad, err := addrs(m, a.O1, a.LSE1, a.O2, a.LSE2, a.O, a.LSE)
	if err != nil {
		return nil, err
	}
	return []Launch{{
		Family: AttnMerge, Options: Options{DType: a.O1.DType}, Kernel: "attn_merge2",
		Grid:  [3]int{Tq * Hq, 1, 1},
		Block: [3]int{MergeBlock, 1, 1},
		Args: []Arg{Ptr(ad[0]), Ptr(ad[1]), Ptr(ad[2]), Ptr(ad[3]), Ptr(ad[4]), Ptr(ad[5]),
			I64(a.O1.RowStride()), I64(a.O2.RowStride()), I64(a.O.RowStride()),
			I64(a.LSE1.RowStride()), I64(a.LSE2.RowStride()), I64(a.LSE.RowStride()),
			I32(Tq), I32(Hq), I32(Dv)},
	}}, nil
}

// attn_common.cuh: the arguments of the attention kernels, the selection
// addressing they share, the in-kernel RoPE positions (ops.KeyRoPE, Dual
// Chunk Attention included), document masks and log-n scaling.
#pragma once
#include "rotor_types.cuh"
#include "softmax.cuh"

// Selection modes (Selection.Indices == nil is the dense range).
#define ROTOR_SEL_DENSE 0
#define ROTOR_SEL_REQUEST 1
#define ROTOR_SEL_KVHEAD 2
#define ROTOR_SEL_QUERY 3

// Key positions for in-kernel RoPE (ops.KeyPosMode).
#define ROTOR_KEYPOS_RANK 0
#define ROTOR_KEYPOS_ORIGINAL 1
#define ROTOR_KEYPOS_CAPPED 2
#define ROTOR_KEYPOS_DUALCHUNK 3

// AttnArgs are the scalar arguments of attn_decode and attn_prefill.
// Pointers address element 0; strides are in elements.
struct AttnArgs {
    const void* q;
    const void* k;
    const void* v;
    void* o;
    float* lse;         // F32 [Tq, Hq] or null
    float* part;        // split partials [Tq, Hq, splits, 2 + D] (m, l, acc) when splits > 1
    const i32* idx;     // selection indices or null (dense)
    const i32* qpos;    // [Tq] or null (no causal mask)
    const i32* kpos;    // [S] or null
    const float* sinks; // [Hq] natural-log sink logits or null
    const i32* counts;  // [rows, splits] valid entries per split (key RoPE by rank) or null
    const void* inv_freq;
    i64 q_row, k_row, v_row, o_row, lse_row;
    i64 idx_tok, idx_head; // element offsets of row (t, hk): t*idx_tok + hk*idx_head
    i64 qpos_stride, kpos_stride, sink_stride;
    i32 Tq, Hq, Hk, S;
    i32 W;      // entries per selection row (dense: end - start)
    i32 start;  // dense range start
    i32 sel;    // ROTOR_SEL_*
    i32 splits; // splits of each row (attn_decode)
    i32 chunk;  // entries per split
    i32 gchunks; // ceil(g / G): blocks per kv head along y
    float scale, softcap;
    // in-kernel RoPE (attn_decode built with ROTOR_KEY_ROPE=1)
    double rope_attn;
    i32 rope_half, rope_layout, rope_angles, keypos, cap, query_pos;
    // document ids ([Tq] and [S], or null: no document mask), the log-n
    // training length (0: off) and Dual Chunk Attention's chunk length
    // (ChunkSize − LocalSize) and chunk size
    const i32* qdoc;
    const i32* kdoc;
    i64 qdoc_stride, kdoc_stride;
    i32 logn, chunk_len, chunk_size;
};

// sel_row returns the index row of (query token t, kv head hk), or null
// for the dense range.
ROTOR_HD const i32* sel_row(const AttnArgs& a, i32 t, i32 hk) {
    if (a.sel == ROTOR_SEL_DENSE) {
        return 0;
    }
    return a.idx + (i64)t * a.idx_tok + (i64)hk * a.idx_head;
}

// sel_slot returns the slot of entry e of a row (dense: start + e), or
// −1 for padding and for any index outside [0, S): the kernels never read
// memory through an invalid index.
ROTOR_HD i32 sel_slot(const AttnArgs& a, const i32* row, i32 e) {
    i32 s = row ? row[e] : a.start + e;
    return (s >= 0 && s < a.S) ? s : -1;
}

// sel_count_row is the index row number that sel_rank_counts uses for
// (t, hk): 0, hk or t*Hk + hk by granularity.
ROTOR_HD i32 sel_count_row(const AttnArgs& a, i32 t, i32 hk) {
    if (a.sel == ROTOR_SEL_KVHEAD) {
        return hk;
    }
    if (a.sel == ROTOR_SEL_QUERY) {
        return t * a.Hk + hk;
    }
    return 0;
}

// rope_query_pos is the rotation position of query token t whose row has
// n valid entries (ops.KeyRoPE): QueryPos+t when QueryPos > 0; else its
// q_pos entry (original and capped key positions); else (rank) n−1 for a
// per-query row and n−Tq+t for a row shared by the Tq queries, at least 0.
ROTOR_HD i32 rope_query_pos(const AttnArgs& a, i32 t, i32 n) {
    if (a.query_pos > 0) {
        return a.query_pos + t;
    }
    if (a.keypos != ROTOR_KEYPOS_RANK) {
        return a.qpos[(i64)t * a.qpos_stride];
    }
    i32 p = a.sel == ROTOR_SEL_QUERY ? n - 1 : n - a.Tq + t;
    return p > 0 ? p : 0;
}

// rope_key_pos is the rotation position of a key of the given rank whose
// slot has position kpos, for a query rotated at qp.
ROTOR_HD i32 rope_key_pos(const AttnArgs& a, i32 rank, i32 kpos, i32 qp) {
    if (a.keypos == ROTOR_KEYPOS_ORIGINAL) {
        return kpos;
    }
    if (a.keypos == ROTOR_KEYPOS_DUALCHUNK) {
        return kpos % a.chunk_len;
    }
    if (a.keypos == ROTOR_KEYPOS_CAPPED) {
        i32 lo = qp - a.cap;
        return kpos > lo ? kpos : lo;
    }
    return rank;
}

// dca_class is the chunk class (0 intra, 1 successive, 2 inter) of a key
// at position kpos for a query at position qpos (ops.DualChunk.Class).
ROTOR_HD int dca_class(const AttnArgs& a, i32 qpos, i32 kpos) {
    i32 d = qpos / a.chunk_len - kpos / a.chunk_len;
    return d <= 0 ? 0 : (d == 1 ? 1 : 2);
}

// dca_query_pos is the rotation position of a query at position qpos
// against keys of chunk class c (ops.DualChunk.QueryPos), formed in 64
// bits.
ROTOR_HD i32 dca_query_pos(const AttnArgs& a, i32 qpos, int c) {
    i64 cl = a.chunk_len, p = (i64)qpos % cl;
    if (c == 1) {
        p += cl;
    } else if (c == 2) {
        p = 2 * cl - 1;
    } else {
        return (i32)p;
    }
    return (i32)(p < a.chunk_size ? p : (i64)a.chunk_size);
}

// doc_visible reports whether a key of document kd is visible to a query
// of document qd: the same document, or an anchor (−1).
ROTOR_HD bool doc_visible(i32 kd, i32 qd) { return kd == qd || kd == -1; }

// logn_scale returns the softmax scale of a query at position pos with
// log-n scaling at training length L (0: off): scale·max(1,
// ln(pos+1)/ln L), formed in double and rounded once.
ROTOR_HD float logn_scale(float scale, i32 pos, i32 L) {
    if (L <= 0 || (i64)pos + 1 <= (i64)L) {
        return scale;
    }
    return (float)((double)scale * (log((double)pos + 1.0) / log((double)L)));
}

// attn_lanes returns the threads that share one key row in attn_decode,
// qk_scores and page_scores: the next power of two ≥ ceil(D/8), at most 32;
// each lane holds 8 consecutive elements.
ROTOR_HD constexpr int attn_lanes(int d) {
    return (d + 7) / 8 <= 1 ? 1 : (d + 7) / 8 <= 2 ? 2 : (d + 7) / 8 <= 4 ? 4 : (d + 7) / 8 <= 8 ? 8 : (d + 7) / 8 <= 16 ? 16 : 32;
}

// lane_load widens the 8 elements a lane holds of a D-element row
// (zeros past D). The row must be 16-byte aligned.
template <int DT, int DIM> ROTOR_HD void lane_load(float* x, const typename Elem<DT>::T* rowp, int lane) {
    if (lane * 8 < DIM) {
        load_f32<DT, 8>(x, rowp + lane * 8);
    } else {
        for (int i = 0; i < 8; i++) {
            x[i] = 0.0f;
        }
    }
}

// attn_decode.cu: split-KV gather attention over selected KV-cache slots
// for any number of query tokens (decode, and the general path of
// chunked prefill: F32, per-query selections, in-kernel key RoPE).
//
// Defines: ROTOR_DTYPE, ROTOR_HEAD_DIM (D) and ROTOR_V_DIM (Dv), multiples
// of 8 up to 256, ROTOR_KEY_ROPE (0/1), ROTOR_BLOCK (128).
//
// Kernel attn_decode_gG (G = 1, 2, 4, 8): block (ROTOR_BLOCK), grid
// (Tq, Hk*gchunks, splits) with gchunks = ceil(g/G), g = Hq/Hk (the
// token count in x, whose limit is 2^31-1). Block (t, hk*gchunks+c, s)
// serves query token t and query heads
// hk*g + c*G … + G-1 (those < (hk+1)*g) over entries [s*chunk,
// (s+1)*chunk) of the selection row of (t, hk). Each gathered K and V row
// is read once for all G heads. attn_lanes(max(D, Dv)) lanes share a key
// and value row, 8 elements each (16-byte loads for 16-bit types); the block's
// ROTOR_BLOCK/lanes lane groups walk the split's keys with private online
// softmax states, merged through shared memory at the end. Indices (and
// key positions, and ranks) are staged through shared memory 64 at a
// time. With splits = 1 the block writes O and LSE (sinks applied); else
// it writes its partial (m, l, acc) to part for attn_split_merge.
//
// Document masks (qdoc/kdoc) drop a key while its entry is staged, so the
// key loop never sees it. Log-n scaling folds the query token's factor
// into the block's softmax scale. With Dual Chunk Attention (key RoPE
// with ROTOR_KEYPOS_DUALCHUNK) each range of a row is served by three
// blocks, z = 3·range + class: block z rotates the query for chunk class
// z mod 3 (intra, successive, inter) and stages only that class's keys,
// so every K and V row is read once; the splits partials (3 per range)
// are merged by attn_split_merge.
//
// Kernel sel_rank_counts: block (256), grid (rows, splits): counts[r,s] =
// valid entries of row r in split s. Needed before attn_decode only for
// key RoPE by rank over an index selection.
#include "attn_common.cuh"
#include "rope_math.cuh"

#define D ROTOR_HEAD_DIM
#define DV ROTOR_V_DIM
#define VEC 8
#define LANES attn_lanes(D > DV ? D : DV)
#define KG (ROTOR_BLOCK / LANES)
#define TILE 64
// Keys per lane group per step: two loads in flight, one with in-kernel
// RoPE (whose angle evaluation needs the registers).
#define UNROLL (ROTOR_KEY_ROPE ? 1 : 2)

typedef Elem<ROTOR_DTYPE>::T T;

__device__ __forceinline__ void lane_load(float* x, const T* rowp, int lane) { lane_load<ROTOR_DTYPE, D>(x, rowp, lane); }
__device__ __forceinline__ void lane_load_v(float* x, const T* rowp, int lane) { lane_load<ROTOR_DTYPE, DV>(x, rowp, lane); }

// cos and sin of pair j at pos (x = cos, y = sin). Not inlined: the
// float64 angle evaluation would otherwise be unrolled at every call site.
__device__ __noinline__ float2 rope_cs2(const void* inv_freq, double attn, i32 angles, i32 j, i32 pos) {
    float2 r;
    if (angles == ROTOR_ACCURATE) {
        rope_cos_sin<ROTOR_ACCURATE>(inv_freq, j, pos, attn, &r.x, &r.y);
    } else {
        rope_cos_sin<ROTOR_COMPAT>(inv_freq, j, pos, attn, &r.x, &r.y);
    }
    return r;
}

__device__ __forceinline__ void rope_cs(const AttnArgs& a, i32 j, i32 pos, float* c, float* s) {
    float2 r = rope_cs2(a.inv_freq, a.rope_attn, a.rope_angles, j, pos);
    *c = r.x;
    *s = r.y;
}

// Rotate the lane's 8 elements of a head to position pos (in-kernel
// RoPE). GPT-J pairs lie inside a lane; NeoX partners are half/8 lanes
// apart (the planner requires half % 8 == 0) and are exchanged with one
// shuffle per element. Every lane of the warp must call this.
__device__ __forceinline__ void rope_lane(float* x, int lane, i32 pos, const AttnArgs& a) {
    if (a.rope_layout == ROTOR_GPTJ) {
#pragma unroll
        for (int i = 0; i < VEC / 2; i++) {
            i32 j = lane * (VEC / 2) + i;
            if (j < a.rope_half) {
                float c, s;
                rope_cs(a, j, pos, &c, &s);
                rotate_pair(x[2 * i], x[2 * i + 1], c, s, &x[2 * i], &x[2 * i + 1]);
            }
        }
        return;
    }
    int hv = a.rope_half / VEC;
    int src = lane < hv ? lane + hv : (lane < 2 * hv ? lane - hv : lane);
    float y[VEC];
#pragma unroll
    for (int i = 0; i < VEC; i++) {
        y[i] = __shfl_sync(0xffffffffu, x[i], src, LANES);
    }
    if (lane < 2 * hv) {
        bool first = lane < hv;
        i32 jb = (first ? lane : lane - hv) * VEC;
#pragma unroll
        for (int i = 0; i < VEC; i++) {
            float c, s, ra, rb;
            rope_cs(a, jb + i, pos, &c, &s);
            if (first) {
                rotate_pair(x[i], y[i], c, s, &ra, &rb);
                x[i] = ra;
            } else {
                rotate_pair(y[i], x[i], c, s, &ra, &rb);
                x[i] = rb;
            }
        }
    }
}

template <int G> __device__ __forceinline__ void attn_decode_body(const AttnArgs& a) {
    __shared__ i32 s_idx[TILE];
    __shared__ i32 s_kpos[TILE];
    __shared__ i32 s_rank[TILE];
    __shared__ i32 s_warp_valid[TILE / 32];
    __shared__ i32 s_rank_base[2];
    __shared__ float s_m[KG * G];
    __shared__ float s_l[KG * G];
    __shared__ float s_w[KG * G];
    __shared__ float s_fin[2 * G];
    __shared__ float s_acc[KG * G * DV];

    const int tid = threadIdx.x, lane = tid % LANES, grp = tid / LANES;
    const int t = blockIdx.x;
    const int hk = blockIdx.y / a.gchunks, gc = blockIdx.y % a.gchunks;
    const bool dca = ROTOR_KEY_ROPE && a.keypos == ROTOR_KEYPOS_DUALCHUNK;
    const int z = blockIdx.z;                 // the partial this block writes
    const int split = dca ? z / 3 : z;        // its range of the row
    const int pass = dca ? z - 3 * split : 0; // its chunk class
    const int g = a.Hq / a.Hk;
    const int h0 = hk * g + gc * G;
    const int nh = min(G, g - gc * G);
    const i32* row = sel_row(a, t, hk);
    const int lo = split * a.chunk, hi = min(lo + a.chunk, a.W);
    const bool causal = a.qpos != 0;
    const i32 qp_mask = causal ? a.qpos[(i64)t * a.qpos_stride] : 0;
    const bool docs = a.qdoc != 0;
    const i32 qdoc = docs ? a.qdoc[(i64)t * a.qdoc_stride] : 0;
    const float scale = logn_scale(a.scale, qp_mask, a.logn);

    // Rank bases for in-kernel RoPE by rank: valid entries before this
    // split, and in the whole row.
    i32 rope_qp = 0;
    if (ROTOR_KEY_ROPE) {
        if (tid == 0) {
            i32 before = lo, total = a.W;
            if (a.keypos == ROTOR_KEYPOS_RANK && row) {
                const i32* cnt = a.counts + (i64)sel_count_row(a, t, hk) * a.splits;
                before = 0;
                total = 0;
                for (int s = 0; s < a.splits; s++) {
                    if (s < split) {
                        before += cnt[s];
                    }
                    total += cnt[s];
                }
            }
            s_rank_base[0] = before;
            s_rank_base[1] = total;
        }
        __syncthreads();
        rope_qp = rope_query_pos(a, t, s_rank_base[1]);
    }

    float q[G][VEC];
    // The G query rows of this block, widened (and rotated: for Dual Chunk
    // Attention at the position of this block's chunk class).
#pragma unroll
    for (int h = 0; h < G; h++) {
        const T* qr = static_cast<const T*>(a.q) + (i64)t * a.q_row + (i64)(h0 + (h < nh ? h : 0)) * D;
        lane_load(q[h], qr, lane);
        if (ROTOR_KEY_ROPE) {
            rope_lane(q[h], lane, dca ? dca_query_pos(a, rope_qp, pass) : rope_qp, a);
        }
        if (h >= nh) {
#pragma unroll
            for (int i = 0; i < VEC; i++) {
                q[h][i] = 0.0f;
            }
        }
    }

    float acc[G][VEC];
    SoftState st[G];
#pragma unroll
    for (int h = 0; h < G; h++) {
        st[h] = soft_empty();
#pragma unroll
        for (int i = 0; i < VEC; i++) {
            acc[h][i] = 0.0f;
        }
    }

    const T* kbase = static_cast<const T*>(a.k) + (i64)hk * D;
    const T* vbase = static_cast<const T*>(a.v) + (i64)hk * DV;
    i32 rank_run = ROTOR_KEY_ROPE ? s_rank_base[0] : 0;
    for (int base = lo; base < hi; base += TILE) {
        __syncthreads();
        if (tid < TILE) {
            int e = base + tid;
            i32 slot = e < hi ? sel_slot(a, row, e) : -1;
            i32 kp = (causal && slot >= 0) ? a.kpos[(i64)slot * a.kpos_stride] : 0;
            s_kpos[tid] = kp;
            if (ROTOR_KEY_ROPE) {
                unsigned ball = __ballot_sync(0xffffffffu, slot >= 0);
                int l32 = tid & 31;
                s_rank[tid] = __popc(ball & ((1u << l32) - 1u));
                if (l32 == 0) {
                    s_warp_valid[tid >> 5] = __popc(ball);
                }
            }
            // Keys of another document, or of another chunk class than
            // this block's, are staged as padding.
            if (slot >= 0 && docs && !doc_visible(a.kdoc[(i64)slot * a.kdoc_stride], qdoc)) {
                slot = -1;
            }
            if (dca && slot >= 0 && dca_class(a, rope_qp, kp) != pass) {
                slot = -1;
            }
            s_idx[tid] = slot;
        }
        __syncthreads();
        const int nt = min(TILE, hi - base);
        for (int ib = 0; ib < nt; ib += KG * UNROLL) {
            float kx[UNROLL][VEC], vx[UNROLL][VEC];
            bool ok[UNROLL];
#pragma unroll
            for (int u = 0; u < UNROLL; u++) {
                int e = ib + grp + u * KG;
                i32 slot = e < nt ? s_idx[e] : -1;
                ok[u] = slot >= 0 && (!causal || s_kpos[e] <= qp_mask);
                if (ok[u]) {
                    lane_load(kx[u], kbase + (i64)slot * a.k_row, lane);
                    lane_load_v(vx[u], vbase + (i64)slot * a.v_row, lane);
                } else {
#pragma unroll
                    for (int i = 0; i < VEC; i++) {
                        kx[u][i] = 0.0f;
                        vx[u][i] = 0.0f;
                    }
                }
            }
#pragma unroll
            for (int u = 0; u < UNROLL; u++) {
                // (the whole warp rotates, or none of it: rope_lane shuffles)
                if (ROTOR_KEY_ROPE && __any_sync(0xffffffffu, ok[u])) {
                    int e = ib + grp + u * KG;
                    i32 rank = 0, kp = 0;
                    if (e < nt) {
                        rank = rank_run + s_rank[e] + (e >= 32 ? s_warp_valid[0] : 0);
                        kp = s_kpos[e];
                    }
                    rope_lane(kx[u], lane, rope_key_pos(a, rank, kp, rope_qp), a);
                }
#pragma unroll
                for (int h = 0; h < G; h++) {
                    float d = 0.0f;
#pragma unroll
                    for (int i = 0; i < VEC; i++) {
                        d = fmaf(q[h][i], kx[u][i], d);
                    }
#pragma unroll
                    for (int off = LANES / 2; off > 0; off >>= 1) {
                        d += __shfl_xor_sync(0xffffffffu, d, off, LANES);
                    }
                    float x2 = (ok[u] && h < nh) ? attn_logit2(d, scale, a.softcap) : neg_inf_f32();
                    float alpha;
                    float p = soft_add(st[h], x2, &alpha);
#pragma unroll
                    for (int i = 0; i < VEC; i++) {
                        acc[h][i] = fmaf(p, vx[u][i], acc[h][i] * alpha);
                    }
                }
            }
        }
        if (ROTOR_KEY_ROPE) {
            rank_run += s_warp_valid[0] + s_warp_valid[1];
        }
    }

    // Merge the lane groups' states.
    __syncthreads();
#pragma unroll
    for (int h = 0; h < G; h++) {
        if (lane == 0) {
            s_m[grp * G + h] = st[h].m;
            s_l[grp * G + h] = st[h].l;
        }
        if (lane * VEC < DV) {
#pragma unroll
            for (int i = 0; i < VEC; i++) {
                s_acc[(grp * G + h) * DV + lane * VEC + i] = acc[h][i];
            }
        }
    }
    __syncthreads();
    if (tid < G) {
        SoftState s = soft_empty();
        for (int gi = 0; gi < KG; gi++) {
            SoftState b;
            b.m = s_m[gi * G + tid];
            b.l = s_l[gi * G + tid];
            float wa, wb;
            soft_merge(s, b, &wa, &wb);
        }
        for (int gi = 0; gi < KG; gi++) {
            float m = s_m[gi * G + tid];
            s_w[gi * G + tid] = (m == neg_inf_f32() || s.m == neg_inf_f32()) ? 0.0f : exp2_f32(m - s.m);
        }
        s_fin[2 * tid] = s.m;
        s_fin[2 * tid + 1] = s.l;
    }
    __syncthreads();
    for (int it = tid; it < nh * DV; it += ROTOR_BLOCK) {
        int h = it / DV, d = it % DV;
        float x = 0.0f;
        for (int gi = 0; gi < KG; gi++) { // an empty group's acc is 0; any other counts (0·NaN is NaN)
            x = fmaf(s_w[gi * G + h], s_acc[(gi * G + h) * DV + d], x);
        }
        SoftState s;
        s.m = s_fin[2 * h];
        s.l = s_fin[2 * h + 1];
        int hq = h0 + h;
        if (a.splits == 1) {
            float sink = a.sinks ? a.sinks[(i64)hq * a.sink_stride] : neg_inf_f32();
            float scale, lse;
            const bool keys = soft_finish(s, sink, &scale, &lse);
            T* orow = static_cast<T*>(a.o) + (i64)t * a.o_row + (i64)hq * DV;
            orow[d] = Elem<ROTOR_DTYPE>::store(soft_out(keys, x, scale));
            if (d == 0 && a.lse) {
                a.lse[(i64)t * a.lse_row + hq] = lse;
            }
        } else {
            float* p = a.part + (((i64)t * a.Hq + hq) * a.splits + z) * (2 + DV);
            p[2 + d] = x;
            if (d == 0) {
                p[0] = s.m;
                p[1] = s.l;
            }
        }
    }
}

#define ROTOR_DECODE_KERNEL(G)                                                                                        \
    extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK, 2) attn_decode_g##G(                                  \
        const void* q, const void* k, const void* v, void* o, float* lse, float* part, const i32* idx,              \
        const i32* qpos, const i32* kpos, const float* sinks, const i32* counts, const void* inv_freq, i64 q_row,   \
        i64 k_row, i64 v_row, i64 o_row, i64 lse_row, i64 idx_tok, i64 idx_head, i64 qpos_stride, i64 kpos_stride,  \
        i64 sink_stride, i32 Tq, i32 Hq, i32 Hk, i32 S, i32 W, i32 start, i32 sel, i32 splits, i32 chunk,           \
        i32 gchunks, float scale, float softcap, double rope_attn, i32 rope_half, i32 rope_layout, i32 rope_angles,  \
        i32 keypos, i32 cap, i32 query_pos, const i32* qdoc, const i32* kdoc, i64 qdoc_stride, i64 kdoc_stride,      \
        i32 logn, i32 chunk_len, i32 chunk_size) {                                                                   \
        AttnArgs a;                                                                                                  \
        a.q = q;                                                                                                     \
        a.k = k;                                                                                                     \
        a.v = v;                                                                                                     \
        a.o = o;                                                                                                     \
        a.lse = lse;                                                                                                 \
        a.part = part;                                                                                               \
        a.idx = idx;                                                                                                 \
        a.qpos = qpos;                                                                                               \
        a.kpos = kpos;                                                                                               \
        a.sinks = sinks;                                                                                             \
        a.counts = counts;                                                                                           \
        a.inv_freq = inv_freq;                                                                                       \
        a.q_row = q_row;                                                                                             \
        a.k_row = k_row;                                                                                             \
        a.v_row = v_row;                                                                                             \
        a.o_row = o_row;                                                                                             \
        a.lse_row = lse_row;                                                                                         \
        a.idx_tok = idx_tok;                                                                                         \
        a.idx_head = idx_head;                                                                                       \
        a.qpos_stride = qpos_stride;                                                                                 \
        a.kpos_stride = kpos_stride;                                                                                 \
        a.sink_stride = sink_stride;                                                                                 \
        a.Tq = Tq;                                                                                                   \
        a.Hq = Hq;                                                                                                   \
        a.Hk = Hk;                                                                                                   \
        a.S = S;                                                                                                     \
        a.W = W;                                                                                                     \
        a.start = start;                                                                                             \
        a.sel = sel;                                                                                                 \
        a.splits = splits;                                                                                           \
        a.chunk = chunk;                                                                                             \
        a.gchunks = gchunks;                                                                                         \
        a.scale = scale;                                                                                             \
        a.softcap = softcap;                                                                                         \
        a.rope_attn = rope_attn;                                                                                     \
        a.rope_half = rope_half;                                                                                     \
        a.rope_layout = rope_layout;                                                                                 \
        a.rope_angles = rope_angles;                                                                                 \
        a.keypos = keypos;                                                                                           \
        a.cap = cap;                                                                                                 \
        a.query_pos = query_pos;                                                                                     \
        a.qdoc = qdoc;                                                                                               \
        a.kdoc = kdoc;                                                                                               \
        a.qdoc_stride = qdoc_stride;                                                                                 \
        a.kdoc_stride = kdoc_stride;                                                                                 \
        a.logn = logn;                                                                                               \
        a.chunk_len = chunk_len;                                                                                     \
        a.chunk_size = chunk_size;                                                                                   \
        attn_decode_body<G>(a);                                                                                      \
    }

ROTOR_DECODE_KERNEL(1)
ROTOR_DECODE_KERNEL(2)
ROTOR_DECODE_KERNEL(4)
ROTOR_DECODE_KERNEL(8)

// counts[r*splits + s] = entries of index row r in [s*chunk, (s+1)*chunk)
// that are valid slots (in [0, S)). Rows are ntok*nhead rows of W entries
// at idx + t*idx_tok + h*idx_head, r = t*nhead + h.
extern "C" __global__ void __launch_bounds__(256)
sel_rank_counts(const i32* idx, i32* counts, i64 idx_tok, i64 idx_head, i32 nhead, i32 W, i32 S, i32 splits, i32 chunk) {
    __shared__ i32 s_sum[8];
    const int r = blockIdx.x, s = blockIdx.y;
    const i32* row = idx + (i64)(r / nhead) * idx_tok + (i64)(r % nhead) * idx_head;
    const int lo = s * chunk, hi = min(lo + chunk, W);
    i32 n = 0;
    for (int e = lo + threadIdx.x; e < hi; e += 256) {
        i32 v = row[e];
        n += (v >= 0 && v < S) ? 1 : 0;
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        n += __shfl_xor_sync(0xffffffffu, n, off);
    }
    if ((threadIdx.x & 31) == 0) {
        s_sum[threadIdx.x >> 5] = n;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        i32 tot = 0;
        for (int w = 0; w < 8; w++) {
            tot += s_sum[w];
        }
        counts[(i64)r * splits + s] = tot;
    }
}

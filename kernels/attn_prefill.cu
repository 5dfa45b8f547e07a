// attn_prefill.cu: tensor-core attention of many query rows over tiles of
// selected keys (chunked prefill over a selection shared by the query
// tokens: dense range, per-request or per-kv-head indices).
//
// Defines: ROTOR_DTYPE (2 bf16, 3 f16), ROTOR_HEAD_DIM (D, a multiple of
// 16 ≤ 256), ROTOR_V_DIM (Dv, a multiple of 8 ≤ 256), ROTOR_TILE_N (keys
// per tile), ROTOR_BLOCK (128 = 4 warps).
//
// Kernel attn_prefill: block (128), grid (ceil(Tq*g/64), Hk), static shared
// memory PrefillSmem bytes. Query rows of kv head hk are the flattened
// (token, head-in-group) pairs r = t*g + i (g = Hq/Hk), so the g query
// heads of a group share every staged K and V tile; warp w of block bm owns
// rows bm*64 + 16w … +15. Per tile of ROTOR_TILE_N selection entries the
// block stages slots (and key positions) in shared memory, gathers the K
// and V rows with cp.async (zero-filled for padding), computes S = Q·Kᵀ
// and O += P·V with mma.sync m16n8k16 (fp32 accumulation), masks padding
// and (with positions) keys whose position exceeds the row's query
// position, and (with document ids) keys of another document that are no
// anchor, and keeps an online softmax per row; log-n scaling gives each
// row its own softmax scale. It writes O and the natural-log LSE with
// sinks applied.
#include "attn_common.cuh"

#define D ROTOR_HEAD_DIM
#define DV ROTOR_V_DIM
#define BN ROTOR_TILE_N
#define PAD 8
#define LDS (D + PAD)
#define LDSV (DV + PAD)
#define BM 64

typedef Elem<ROTOR_DTYPE>::T T;

__device__ __forceinline__ u32 smem_addr(const void* p) { return (u32)__cvta_generic_to_shared(p); }

// Pack two floats into a 16-bit pair (lo in the low half), rounding to
// nearest even.
__device__ __forceinline__ u32 pack2(float lo, float hi) {
    u32 r;
#if ROTOR_DTYPE == ROTOR_BF16
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#else
    asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#endif
    return r;
}

// d += a·b for one m16n8k16 tile.
__device__ __forceinline__ void mma16816(float* d, const u32* a, u32 b0, u32 b1) {
#if ROTOR_DTYPE == ROTOR_BF16
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#else
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

// 16-byte asynchronous copy global → shared; src_bytes 0 zero-fills.
__device__ __forceinline__ void cp_async16(void* dst, const void* src, int src_bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(smem_addr(dst)), "l"(src), "r"(src_bytes));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;"); }

template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N)); }

// Load two consecutive 16-bit elements as one 32-bit word (zero past the
// valid rows).
__device__ __forceinline__ u32 ld2(const T* p) { return *reinterpret_cast<const u32*>(p); }

// The A fragment of rows q0 (a0, a2) and q1 (a1, a3) at columns c, c+1
// and c+8, c+9 (zeros for rows past the end).
__device__ __forceinline__ void load_qfrag(u32* f, const T* q0, const T* q1, int c) {
    f[0] = q0 ? ld2(q0 + c) : 0u;
    f[1] = q1 ? ld2(q1 + c) : 0u;
    f[2] = q0 ? ld2(q0 + c + 8) : 0u;
    f[3] = q1 ? ld2(q1 + c + 8) : 0u;
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
attn_prefill(const void* q, const void* k, const void* v, void* o, float* lse, const i32* idx, const i32* qpos,
             const i32* kpos, const float* sinks, i64 q_row, i64 k_row, i64 v_row, i64 o_row, i64 lse_row, i64 idx_head,
             i64 qpos_stride, i64 kpos_stride, i64 sink_stride, i32 Tq, i32 Hq, i32 Hk, i32 S, i32 W, i32 start, i32 sel,
             float scale, float softcap, const i32* qdoc, const i32* kdoc, i64 qdoc_stride, i64 kdoc_stride, i32 logn) {
    __shared__ __align__(16) T s_k[BN * LDS];
    __shared__ __align__(16) T s_v[BN * LDSV];
    __shared__ i32 s_idx[BN];
    __shared__ i32 s_kpos[BN];
    __shared__ i32 s_kdoc[BN];
    // per query row of the block: its position, document and (log-n)
    // scale, read where the logits are formed rather than held in
    // registers through the key loop
    __shared__ i32 s_rowpos[BM];
    __shared__ i32 s_rowdoc[BM];
    __shared__ float s_rowscale[BM];

    AttnArgs a;
    a.idx = idx;
    a.idx_tok = 0;
    a.idx_head = idx_head;
    a.S = S;
    a.W = W;
    a.start = start;
    a.sel = sel;

    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int gid = lane >> 2, tq = lane & 3;
    const int hk = blockIdx.y;
    const int g = Hq / Hk;
    const int rows = Tq * g;
    const int r0 = blockIdx.x * BM + warp * 16 + gid, r1 = r0 + 8;
    const bool causal = qpos != 0;
    const i32* row = sel_row(a, 0, hk);

    // Query fragments (A operand, row-major 16×16 per k-step): kept in
    // registers for the whole key loop up to D = 128; re-read from global
    // memory (L1-resident) per tile above that, to stay clear of spills.
    const T* q0 = r0 < rows ? static_cast<const T*>(q) + (i64)(r0 / g) * q_row + (i64)(hk * g + r0 % g) * D : 0;
    const T* q1 = r1 < rows ? static_cast<const T*>(q) + (i64)(r1 / g) * q_row + (i64)(hk * g + r1 % g) * D : 0;
#define Q_IN_REGS (D <= 128)
    u32 qa[Q_IN_REGS ? D / 16 : 1][4];
    if (Q_IN_REGS) {
#pragma unroll
        for (int ks = 0; ks < (Q_IN_REGS ? D / 16 : 1); ks++) {
            load_qfrag(qa[ks], q0, q1, ks * 16 + 2 * tq);
        }
    }
    const bool docs = qdoc != 0;
    const int lr0 = warp * 16 + gid, lr1 = lr0 + 8; // r0 and r1 within the block
    for (int i = tid; i < BM; i += ROTOR_BLOCK) {
        int r = blockIdx.x * BM + i;
        i32 qp = (causal && r < rows) ? qpos[(i64)(r / g) * qpos_stride] : 0;
        s_rowpos[i] = qp;
        s_rowdoc[i] = (docs && r < rows) ? qdoc[(i64)(r / g) * qdoc_stride] : 0;
        s_rowscale[i] = logn_scale(scale, qp, logn);
    }

    float oacc[DV / 8][4];
#pragma unroll
    for (int i = 0; i < DV / 8; i++) {
        oacc[i][0] = oacc[i][1] = oacc[i][2] = oacc[i][3] = 0.0f;
    }
    SoftState st0 = soft_empty(), st1 = soft_empty();

    const T* kb = static_cast<const T*>(k) + (i64)hk * D;
    const T* vb = static_cast<const T*>(v) + (i64)hk * DV;
    const int chunks = D / 8;   // 16-byte pieces per K row
    const int vchunks = DV / 8; // per V row

    for (int base = 0; base < W; base += BN) {
        __syncthreads(); // the previous tile is consumed
        for (int e = tid; e < BN; e += ROTOR_BLOCK) {
            i32 slot = base + e < W ? sel_slot(a, row, base + e) : -1;
            s_idx[e] = slot;
            s_kpos[e] = (causal && slot >= 0) ? kpos[(i64)slot * kpos_stride] : 0;
            s_kdoc[e] = (docs && slot >= 0) ? kdoc[(i64)slot * kdoc_stride] : 0;
        }
        __syncthreads();
        for (int c = tid; c < BN * chunks; c += ROTOR_BLOCK) {
            int e = c / chunks, off = (c % chunks) * 8;
            i32 slot = s_idx[e];
            const T* src = slot >= 0 ? kb + (i64)slot * k_row + off : kb;
            cp_async16(&s_k[e * LDS + off], src, slot >= 0 ? 16 : 0);
        }
        cp_async_commit();
        for (int c = tid; c < BN * vchunks; c += ROTOR_BLOCK) {
            int e = c / vchunks, off = (c % vchunks) * 8;
            i32 slot = s_idx[e];
            const T* src = slot >= 0 ? vb + (i64)slot * v_row + off : vb;
            cp_async16(&s_v[e * LDSV + off], src, slot >= 0 ? 16 : 0);
        }
        cp_async_commit();
        cp_async_wait<1>(); // K has landed
        __syncthreads();

        // S = Q·Kᵀ for this warp's 16 rows and the tile's BN keys.
        float sc[BN / 8][4];
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
            sc[nt][0] = sc[nt][1] = sc[nt][2] = sc[nt][3] = 0.0f;
        }
#pragma unroll
        for (int ks = 0; ks < D / 16; ks++) {
            u32 qf[4];
            if (Q_IN_REGS) {
                qf[0] = qa[Q_IN_REGS ? ks : 0][0];
                qf[1] = qa[Q_IN_REGS ? ks : 0][1];
                qf[2] = qa[Q_IN_REGS ? ks : 0][2];
                qf[3] = qa[Q_IN_REGS ? ks : 0][3];
            } else {
                load_qfrag(qf, q0, q1, ks * 16 + 2 * tq);
            }
#pragma unroll
            for (int nt = 0; nt < BN / 8; nt++) {
                const T* kr = &s_k[(nt * 8 + gid) * LDS + ks * 16 + 2 * tq];
                mma16816(sc[nt], qf, ld2(kr), ld2(kr + 8));
            }
        }

        // Logits, masks and the online softmax of rows r0 (c0, c1) and
        // r1 (c2, c3).
        float mx0 = neg_inf_f32(), mx1 = neg_inf_f32();
        const i32 qp0 = s_rowpos[lr0], qp1 = s_rowpos[lr1];
        const i32 qd0 = s_rowdoc[lr0], qd1 = s_rowdoc[lr1];
        const float scale0 = s_rowscale[lr0], scale1 = s_rowscale[lr1];
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
            for (int j = 0; j < 2; j++) {
                int e = nt * 8 + 2 * tq + j;
                bool ok = s_idx[e] >= 0;
                bool ok0 = ok && r0 < rows && (!causal || s_kpos[e] <= qp0) && (!docs || doc_visible(s_kdoc[e], qd0));
                bool ok1 = ok && r1 < rows && (!causal || s_kpos[e] <= qp1) && (!docs || doc_visible(s_kdoc[e], qd1));
                sc[nt][j] = ok0 ? attn_logit2(sc[nt][j], scale0, softcap) : neg_inf_f32();
                sc[nt][2 + j] = ok1 ? attn_logit2(sc[nt][2 + j], scale1, softcap) : neg_inf_f32();
                mx0 = soft_max(mx0, sc[nt][j]);
                mx1 = soft_max(mx1, sc[nt][2 + j]);
            }
        }
        mx0 = soft_max(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
        mx0 = soft_max(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
        mx1 = soft_max(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
        mx1 = soft_max(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
        const float al0 = soft_raise(st0, mx0), al1 = soft_raise(st1, mx1);
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
#pragma unroll
            for (int j = 0; j < 2; j++) {
                float p0 = sc[nt][j] == neg_inf_f32() ? 0.0f : exp2_f32(sc[nt][j] - st0.m);
                float p1 = sc[nt][2 + j] == neg_inf_f32() ? 0.0f : exp2_f32(sc[nt][2 + j] - st1.m);
                sc[nt][j] = p0;
                sc[nt][2 + j] = p1;
                st0.l += p0;
                st1.l += p1;
            }
        }
#pragma unroll
        for (int i = 0; i < DV / 8; i++) {
            oacc[i][0] *= al0;
            oacc[i][1] *= al0;
            oacc[i][2] *= al1;
            oacc[i][3] *= al1;
        }

        cp_async_wait<0>(); // V has landed
        __syncthreads();

        // O += P·V: P's accumulator layout is the A layout of the next mma.
#pragma unroll
        for (int kk = 0; kk < BN / 16; kk++) {
            u32 pa[4];
            pa[0] = pack2(sc[2 * kk][0], sc[2 * kk][1]);
            pa[1] = pack2(sc[2 * kk][2], sc[2 * kk][3]);
            pa[2] = pack2(sc[2 * kk + 1][0], sc[2 * kk + 1][1]);
            pa[3] = pack2(sc[2 * kk + 1][2], sc[2 * kk + 1][3]);
            const T* v0 = &s_v[(kk * 16 + 2 * tq) * LDSV + gid];
#pragma unroll
            for (int dt = 0; dt < DV / 8; dt++) {
                const T* vp = v0 + dt * 8;
                u32 b0 = (u32)vp[0] | ((u32)vp[LDSV] << 16);
                u32 b1 = (u32)vp[8 * LDSV] | ((u32)vp[9 * LDSV] << 16);
                mma16816(oacc[dt], pa, b0, b1);
            }
        }
    }

    // Row sums across the quad, sinks, normalisation, output.
    st0.l += __shfl_xor_sync(0xffffffffu, st0.l, 1);
    st0.l += __shfl_xor_sync(0xffffffffu, st0.l, 2);
    st1.l += __shfl_xor_sync(0xffffffffu, st1.l, 1);
    st1.l += __shfl_xor_sync(0xffffffffu, st1.l, 2);
#pragma unroll
    for (int half = 0; half < 2; half++) {
        int r = half ? r1 : r0;
        if (r >= rows) {
            continue;
        }
        int t = r / g, h = hk * g + r % g;
        float sink = sinks ? sinks[(i64)h * sink_stride] : neg_inf_f32();
        float osc, l;
        const bool keys = soft_finish(half ? st1 : st0, sink, &osc, &l);
        T* orow = static_cast<T*>(o) + (i64)t * o_row + (i64)h * DV + 2 * tq;
#pragma unroll
        for (int dt = 0; dt < DV / 8; dt++) {
            float x0 = soft_out(keys, oacc[dt][2 * half], osc);
            float x1 = soft_out(keys, oacc[dt][2 * half + 1], osc);
            orow[dt * 8] = Elem<ROTOR_DTYPE>::store(x0);
            orow[dt * 8 + 1] = Elem<ROTOR_DTYPE>::store(x1);
        }
        if (tq == 0 && lse) {
            lse[(i64)t * lse_row + h] = l;
        }
    }
}

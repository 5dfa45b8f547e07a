// quest.cu: Quest's page metadata and page scores (ops.PageMeta,
// ops.PageScores).
//
// Defines: ROTOR_DTYPE (of K and q), ROTOR_HEAD_DIM (D), ROTOR_BLOCK (128).
//
// page_meta: block (ROTOR_BLOCK), grid (pages, Hk) for pages p0 … p0+pages-1
// touched by slots [from, to): Min[p, hk, d] and Max[p, hk, d] become the
// element-wise minimum and maximum (Go's min and max: NaN wins, −0 < +0)
// of the widened keys of slots [p*P, min(p*P+P, to)).
//
// page_scores_gG (G = 1, 2, 4, 8): block (ROTOR_BLOCK), grid
// (ceil(pages/256), Hk*gchunks): Out[h, p] = scale·Σ_d max(q[h,d]·Min[p,hk,d],
// q[h,d]·Max[p,hk,d]) for the G heads of a block (within kv head hk's
// group), each page's Min and Max rows read once for them.
#include "attn_common.cuh"

#define D ROTOR_HEAD_DIM
#define LANES attn_lanes(D)
#define KG (ROTOR_BLOCK / LANES)
#define PPB 256

typedef Elem<ROTOR_DTYPE>::T T;

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
page_meta(const void* k, float* mn, float* mx, i64 k_row, i64 mn_row, i64 mx_row, i32 P, i32 p0, i32 to) {
    const int p = p0 + blockIdx.x, hk = blockIdx.y;
    const int first = p * P, end = min(first + P, to);
    const T* kb = static_cast<const T*>(k) + (i64)hk * D;
    for (int d = threadIdx.x; d < D; d += ROTOR_BLOCK) {
        float lo = Elem<ROTOR_DTYPE>::load(kb[(i64)first * k_row + d]);
        float hi = lo;
        for (int s = first + 1; s < end; s++) {
            float x = Elem<ROTOR_DTYPE>::load(kb[(i64)s * k_row + d]);
            lo = min_go(lo, x);
            hi = max_go(hi, x);
        }
        mn[(i64)p * mn_row + (i64)hk * D + d] = lo;
        mx[(i64)p * mx_row + (i64)hk * D + d] = hi;
    }
}

template <int G>
__device__ __forceinline__ void page_scores_body(const void* q, const float* mn, const float* mx, float* out, i64 q_row,
                                                 i64 mn_row, i64 mx_row, i64 out_row, i32 Hq, i32 Hk, i32 pages,
                                                 i32 gchunks, float scale) {
    const int tid = threadIdx.x, lane = tid % LANES, grp = tid / LANES;
    const int hk = blockIdx.y / gchunks, gc = blockIdx.y % gchunks;
    const int g = Hq / Hk;
    const int h0 = hk * g + gc * G;
    const int nh = min(G, g - gc * G);
    float qv[G][8];
#pragma unroll
    for (int h = 0; h < G; h++) {
        lane_load<ROTOR_DTYPE, D>(qv[h], static_cast<const T*>(q) + (i64)(h0 + (h < nh ? h : 0)) * q_row, lane);
    }
    const int pb = blockIdx.x * PPB;
    for (int ib = 0; ib < PPB; ib += KG) {
        int p = pb + ib + grp;
        float lo[8], hi[8];
        if (p < pages) {
            lane_load<ROTOR_F32, D>(lo, mn + (i64)p * mn_row + (i64)hk * D, lane);
            lane_load<ROTOR_F32, D>(hi, mx + (i64)p * mx_row + (i64)hk * D, lane);
        } else {
#pragma unroll
            for (int i = 0; i < 8; i++) {
                lo[i] = hi[i] = 0.0f;
            }
        }
#pragma unroll
        for (int h = 0; h < G; h++) {
            float s = 0.0f;
            if (lane * 8 < D) {
#pragma unroll
                for (int i = 0; i < 8; i++) {
                    s += max_go(qv[h][i] * lo[i], qv[h][i] * hi[i]);
                }
            }
#pragma unroll
            for (int off = LANES / 2; off > 0; off >>= 1) {
                s += __shfl_xor_sync(0xffffffffu, s, off, LANES);
            }
            if (lane == 0 && p < pages && h < nh) {
                out[(i64)(h0 + h) * out_row + p] = s * scale;
            }
        }
    }
}

#define ROTOR_PAGE_SCORES_KERNEL(G)                                                                                 \
    extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)                                                     \
        page_scores_g##G(const void* q, const float* mn, const float* mx, float* out, i64 q_row, i64 mn_row,        \
                         i64 mx_row, i64 out_row, i32 Hq, i32 Hk, i32 pages, i32 gchunks, float scale) {            \
        page_scores_body<G>(q, mn, mx, out, q_row, mn_row, mx_row, out_row, Hq, Hk, pages, gchunks, scale);        \
    }

ROTOR_PAGE_SCORES_KERNEL(1)
ROTOR_PAGE_SCORES_KERNEL(2)
ROTOR_PAGE_SCORES_KERNEL(4)
ROTOR_PAGE_SCORES_KERNEL(8)

// scores.cu: per-head scaled q·k over candidate slots (ops.Scores).
//
// Defines: ROTOR_DTYPE, ROTOR_HEAD_DIM (D), ROTOR_BLOCK (128).
//
// Kernel qk_scores_gG (G = 1, 2, 4, 8): block (ROTOR_BLOCK), grid
// (ceil(N/256), Hk*gchunks), gchunks = ceil(g/G). Block (b, hk*gchunks+c)
// scores candidates [256b, 256b+256) for query heads hk*g + c*G … (at
// most G, within the group): Out[h, n] = scale·q[h]·k[slot(n), hk], −Inf
// for padding (and any index outside [0, S)). attn_lanes(D) lanes share a
// key row; each K row is read once for the G heads.
#include "attn_common.cuh"

#define D ROTOR_HEAD_DIM
#define LANES attn_lanes(D)
#define KG (ROTOR_BLOCK / LANES)
#define KPB 256
#define UNROLL 2

typedef Elem<ROTOR_DTYPE>::T T;

template <int G>
__device__ __forceinline__ void qk_scores_body(const void* q, const void* k, float* out, const i32* idx, i64 q_row,
                                               i64 k_row, i64 out_row, i64 idx_stride, i32 Hq, i32 Hk, i32 S, i32 N,
                                               i32 start, i32 gchunks, float scale) {
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
    const T* kb = static_cast<const T*>(k) + (i64)hk * D;
    const int n0 = blockIdx.x * KPB;
    for (int ib = 0; ib < KPB; ib += KG * UNROLL) {
        float kx[UNROLL][8];
        i32 slot[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; u++) {
            int n = n0 + ib + grp + u * KG;
            i32 s = -1;
            if (n < N) {
                s = idx ? idx[(i64)n * idx_stride] : start + n;
                s = (s >= 0 && s < S) ? s : -1;
            }
            slot[u] = s;
            if (s >= 0) {
                lane_load<ROTOR_DTYPE, D>(kx[u], kb + (i64)s * k_row, lane);
            } else {
#pragma unroll
                for (int i = 0; i < 8; i++) {
                    kx[u][i] = 0.0f;
                }
            }
        }
#pragma unroll
        for (int u = 0; u < UNROLL; u++) {
            int n = n0 + ib + grp + u * KG;
#pragma unroll
            for (int h = 0; h < G; h++) {
                float d = 0.0f;
#pragma unroll
                for (int i = 0; i < 8; i++) {
                    d = fmaf(qv[h][i], kx[u][i], d);
                }
#pragma unroll
                for (int off = LANES / 2; off > 0; off >>= 1) {
                    d += __shfl_xor_sync(0xffffffffu, d, off, LANES);
                }
                if (lane == 0 && n < N && h < nh) {
                    out[(i64)(h0 + h) * out_row + n] = slot[u] >= 0 ? d * scale : neg_inf_f32();
                }
            }
        }
    }
}

#define ROTOR_SCORES_KERNEL(G)                                                                                   \
    extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)                                                  \
        qk_scores_g##G(const void* q, const void* k, float* out, const i32* idx, i64 q_row, i64 k_row,          \
                       i64 out_row, i64 idx_stride, i32 Hq, i32 Hk, i32 S, i32 N, i32 start, i32 gchunks,       \
                       float scale) {                                                                           \
        qk_scores_body<G>(q, k, out, idx, q_row, k_row, out_row, idx_stride, Hq, Hk, S, N, start, gchunks, scale); \
    }

ROTOR_SCORES_KERNEL(1)
ROTOR_SCORES_KERNEL(2)
ROTOR_SCORES_KERNEL(4)
ROTOR_SCORES_KERNEL(8)

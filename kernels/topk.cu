// topk.cu: per-row top-K by radix select with ascending output (ops.TopK).
//
// Defines: ROTOR_BLOCK (1024).
//
// Kernel topk_radix: block (ROTOR_BLOCK), grid (R). Block r selects row r
// of scores: it counts the non-NaN keys (k = min(K, valid)); when
// 0 < k < valid, four histogram passes (topk_radix.cuh) over the row
// find the threshold key T and `need`; then one pass in column order,
// ROTOR_BLOCK columns at a time with block-wide prefix counts, writes
// every selected column (or map[column]) in ascending column order, and
// −1 fills the row's tail past k.
#include "topk_radix.cuh"

#define NW (ROTOR_BLOCK / 32)

// Block-wide exclusive prefix of a 0/1 flag; *total receives the block's
// sum. Every thread must call it.
__device__ __forceinline__ i32 block_prefix(bool flag, i32* s_warp, i32* total) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    unsigned b = __ballot_sync(0xffffffffu, flag);
    if (lane == 0) {
        s_warp[w] = __popc(b);
    }
    __syncthreads();
    i32 before = 0, sum = 0;
    for (int i = 0; i < NW; i++) {
        i32 c = s_warp[i];
        before += i < w ? c : 0;
        sum += c;
    }
    __syncthreads();
    *total = sum;
    return before + __popc(b & ((1u << lane) - 1u));
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
topk_radix(const float* scores, i32* out, const i32* map, i64 s_row, i64 out_row, i64 map_stride, i32 N, i32 K) {
    __shared__ i32 s_hist[TOPK_BINS];
    __shared__ i32 s_warp[NW];
    __shared__ i32 s_warp2[NW];
    __shared__ u32 s_prefix, s_mask;
    __shared__ i32 s_k, s_valid;
    const int tid = threadIdx.x;
    const float* row = scores + (i64)blockIdx.x * s_row;
    i32* orow = out + (i64)blockIdx.x * out_row;

    // Count the selectable (non-NaN) entries.
    i32 valid = 0;
    for (int n = tid; n < N; n += ROTOR_BLOCK) {
        valid += topk_key(row[n]) != 0 ? 1 : 0;
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        valid += __shfl_xor_sync(0xffffffffu, valid, off);
    }
    if ((tid & 31) == 0) {
        s_warp[tid >> 5] = valid;
    }
    __syncthreads();
    if (tid == 0) {
        i32 v = 0;
        for (int i = 0; i < NW; i++) {
            v += s_warp[i];
        }
        s_valid = v;
        s_prefix = 1; // k == valid: every non-NaN key (key ≥ 1) is taken
        s_mask = 0;
        s_k = K < v ? K : v;
    }
    __syncthreads();
    const i32 k = s_k;
    const i32 nvalid = s_valid;

    u32 T = 1;
    i32 need = k;
    if (k > 0 && k < nvalid) {
        if (tid == 0) {
            s_prefix = 0;
        }
        for (int pass = 0; pass < TOPK_PASSES; pass++) {
            for (int i = tid; i < TOPK_BINS; i += ROTOR_BLOCK) {
                s_hist[i] = 0;
            }
            __syncthreads();
            const u32 prefix = s_prefix, mask = s_mask;
            for (int n = tid; n < N; n += ROTOR_BLOCK) {
                u32 key = topk_key(row[n]);
                if (key != 0 && topk_match(key, prefix, mask)) {
                    atomicAdd(&s_hist[topk_digit(key, pass)], 1);
                }
            }
            __syncthreads();
            if (tid == 0) {
                i32 kk = s_k;
                u32 d = topk_pick(s_hist, &kk);
                u32 p = s_prefix, m = s_mask;
                topk_extend(pass, d, &p, &m);
                s_prefix = p;
                s_mask = m;
                s_k = kk;
            }
            __syncthreads();
        }
        T = s_prefix;
        need = s_k;
    }

    // Emit in column order.
    i32 o = 0, eq_run = 0;
    for (int base = 0; base < N && o < k; base += ROTOR_BLOCK) {
        int n = base + tid;
        u32 key = n < N ? topk_key(row[n]) : 0;
        bool eq = key != 0 && key == T;
        i32 eq_total;
        i32 eq_before = eq_run + block_prefix(eq, s_warp, &eq_total);
        bool take = key != 0 && topk_take(key, T, eq_before, need);
        i32 taken;
        i32 pos = o + block_prefix(take, s_warp2, &taken);
        if (take && pos < k) {
            orow[pos] = map ? map[(i64)n * map_stride] : n;
        }
        o += taken;
        eq_run += eq_total;
    }
    for (int i = k + tid; i < K; i += ROTOR_BLOCK) {
        orow[i] = -1;
    }
}

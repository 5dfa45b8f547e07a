// criticality.cu: TokenSelect's soft vote, Out[n] = Σ_h softmax(Scores[h, :])[n]
// (ops.Criticality), in two kernels.
//
// Defines: ROTOR_BLOCK (256).
//
// crit_stats: block (ROTOR_BLOCK), grid (chunks, Hq). Block (c, h) reduces
// scores [c*chunk, (c+1)*chunk) of head h to (m, l, ninf) at
// stats[(h*chunks + c)*3]: m the maximum (NaN ignored), l = Σ e^(x−m) over
// non-NaN x when m is finite, ninf the number of +Inf scores.
//
// crit_vote: block (ROTOR_BLOCK), grid (ceil(N/ROTOR_BLOCK)), dynamic
// shared memory 8*Hq bytes. Every block first merges the chunks of every
// head into (M_h, inv_h) (crit_head_weight), then thread n sums the
// heads' weights of candidate n: e^(x−M)·inv for non-NaN x; when M is
// +Inf the head's weight 1 is split equally among its +Inf scores; a head
// whose scores are all −Inf or NaN adds nothing.
#include "crit_math.cuh"

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
crit_stats(const float* scores, float* stats, i64 s_row, i64 s_stride, i32 N, i32 chunk, i32 chunks) {
    __shared__ float s_m[ROTOR_BLOCK / 32];
    __shared__ float s_l[ROTOR_BLOCK / 32];
    __shared__ float s_n[ROTOR_BLOCK / 32];
    __shared__ float s_max;
    const int c = blockIdx.x, h = blockIdx.y, tid = threadIdx.x;
    const float* row = scores + (i64)h * s_row;
    const int lo = c * chunk, hi = min(lo + chunk, N);
    float m = neg_inf_f32();
    for (int n = lo + tid; n < hi; n += ROTOR_BLOCK) {
        float x = row[(i64)n * s_stride];
        if (x > m) {
            m = x;
        }
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        float o = __shfl_xor_sync(0xffffffffu, m, off);
        m = o > m ? o : m;
    }
    if ((tid & 31) == 0) {
        s_m[tid >> 5] = m;
    }
    __syncthreads();
    if (tid == 0) {
        float mm = neg_inf_f32();
        for (int w = 0; w < ROTOR_BLOCK / 32; w++) {
            mm = s_m[w] > mm ? s_m[w] : mm;
        }
        s_max = mm;
    }
    __syncthreads();
    m = s_max;
    float l = 0.0f, ninf = 0.0f;
    for (int n = lo + tid; n < hi; n += ROTOR_BLOCK) {
        float x = row[(i64)n * s_stride];
        l += crit_term(x, m);
        ninf += crit_is_posinf(x) ? 1.0f : 0.0f;
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        l += __shfl_xor_sync(0xffffffffu, l, off);
        ninf += __shfl_xor_sync(0xffffffffu, ninf, off);
    }
    if ((tid & 31) == 0) {
        s_l[tid >> 5] = l;
        s_n[tid >> 5] = ninf;
    }
    __syncthreads();
    if (tid == 0) {
        float ls = 0.0f, ns = 0.0f;
        for (int w = 0; w < ROTOR_BLOCK / 32; w++) {
            ls += s_l[w];
            ns += s_n[w];
        }
        float* st = stats + ((i64)h * chunks + c) * 3;
        st[0] = m;
        st[1] = ls;
        st[2] = ns;
    }
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
crit_vote(const float* scores, const float* stats, float* out, i64 s_row, i64 s_stride, i64 out_stride, i32 Hq, i32 N,
          i32 chunks) {
    extern __shared__ float s_w[]; // M[Hq], inv[Hq]
    for (int h = threadIdx.x; h < Hq; h += ROTOR_BLOCK) {
        crit_head_weight(stats + (i64)h * chunks * 3, chunks, &s_w[h], &s_w[Hq + h]);
    }
    __syncthreads();
    const int n = blockIdx.x * ROTOR_BLOCK + threadIdx.x;
    if (n >= N) {
        return;
    }
    float sum = 0.0f;
    for (int h = 0; h < Hq; h++) {
        sum += crit_weight(scores[(i64)h * s_row + (i64)n * s_stride], s_w[h], s_w[Hq + h]);
    }
    out[(i64)n * out_stride] = sum;
}

// attn_merge.cu: combining attention partials.
//
// Defines: ROTOR_DTYPE, ROTOR_BLOCK (128).
//
// attn_split_merge: block (ROTOR_BLOCK), grid (Tq*Hq). Combines the
// splits partials of attn_decode for row (t, h) = (blockIdx.x / Hq,
// blockIdx.x % Hq), applies the sink, writes O (dtype) and LSE (natural
// log, optional). splits ≤ MaxSplits (256).
//
// attn_merge2 (the Merge op): block (ROTOR_BLOCK), grid (Tq*Hq). O =
// w1·O1 + w2·O2 with w_i = e^(LSE_i − LSE), LSE = log(e^LSE1 + e^LSE2); a
// side with LSE −Inf is not read, every other side is (a NaN LSE or O
// gives NaN). O may alias O1 or O2 (each element is
// read and written by one thread), LSE may alias LSE1 or LSE2.
#include "softmax.cuh"

typedef Elem<ROTOR_DTYPE>::T T;

#define ROTOR_MAX_SPLITS 256

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
attn_split_merge(const float* part, void* o, float* lse, const float* sinks, i64 o_row, i64 lse_row, i64 sink_stride,
                 i32 Tq, i32 Hq, i32 D, i32 splits) {
    __shared__ float s_w[ROTOR_MAX_SPLITS];
    __shared__ float s_scale;
    __shared__ bool s_keys;
    const int row = blockIdx.x, t = row / Hq, h = row % Hq;
    const float* p = part + (i64)row * splits * (2 + D);
    if (threadIdx.x == 0) {
        SoftState s = soft_empty();
        for (int i = 0; i < splits; i++) {
            SoftState b;
            b.m = p[(i64)i * (2 + D)];
            b.l = p[(i64)i * (2 + D) + 1];
            float wa, wb;
            soft_merge(s, b, &wa, &wb);
        }
        for (int i = 0; i < splits; i++) {
            float m = p[(i64)i * (2 + D)];
            s_w[i] = (m == neg_inf_f32() || s.m == neg_inf_f32()) ? 0.0f : exp2_f32(m - s.m);
        }
        float sink = sinks ? sinks[(i64)h * sink_stride] : neg_inf_f32();
        float scale, l;
        s_keys = soft_finish(s, sink, &scale, &l);
        s_scale = scale;
        if (lse) {
            lse[(i64)t * lse_row + h] = l;
        }
    }
    __syncthreads();
    T* orow = static_cast<T*>(o) + (i64)t * o_row + (i64)h * D;
    for (int d = threadIdx.x; d < D; d += ROTOR_BLOCK) {
        float x = 0.0f;
        for (int i = 0; i < splits; i++) { // an empty split's acc is 0; any other counts (0·NaN is NaN)
            x = fmaf(s_w[i], p[(i64)i * (2 + D) + 2 + d], x);
        }
        orow[d] = Elem<ROTOR_DTYPE>::store(soft_out(s_keys, x, s_scale));
    }
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
attn_merge2(const void* o1, const float* lse1, const void* o2, const float* lse2, void* o, float* lse,
            i64 o1_row, i64 o2_row, i64 o_row, i64 lse1_row, i64 lse2_row, i64 lse_row, i32 Tq, i32 Hq, i32 Dv) {
    const int row = blockIdx.x, t = row / Hq, h = row % Hq;
    float w1, w2;
    const float l1 = lse1[(i64)t * lse1_row + h], l2 = lse2[(i64)t * lse2_row + h];
    float l = lse_merge(l1, l2, &w1, &w2);
    const T* a = static_cast<const T*>(o1) + (i64)t * o1_row + (i64)h * Dv;
    const T* b = static_cast<const T*>(o2) + (i64)t * o2_row + (i64)h * Dv;
    T* out = static_cast<T*>(o) + (i64)t * o_row + (i64)h * Dv;
    for (int d = threadIdx.x; d < Dv; d += ROTOR_BLOCK) {
        float x = 0.0f;
        if (l1 != neg_inf_f32()) { // a non-empty side counts even when its weight is 0 (0·NaN is NaN)
            x = w1 * Elem<ROTOR_DTYPE>::load(a[d]);
        }
        if (l2 != neg_inf_f32()) {
            x = fmaf(w2, Elem<ROTOR_DTYPE>::load(b[d]), x);
        }
        out[d] = Elem<ROTOR_DTYPE>::store(x);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        lse[(i64)t * lse_row + h] = l;
    }
}

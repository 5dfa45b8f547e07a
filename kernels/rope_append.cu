// rope_append.cu: fused RoPE + KV-cache append. Rotates the query heads in
// place, rotates the key heads into row slots[t] of k_cache, and copies
// K's pass-through elements and V's rows into the cache, in one launch.
// k and v are not modified.
//
// Defines, kernel names (rope_append_vV) and launch geometry as rope.cu
// (rope_append_thread in rope_math.cuh).
#include "rope_math.cuh"

template <int VEC>
__device__ __forceinline__ void rope_append_kernel(void* q, const void* k, const void* v, void* k_cache, void* v_cache,
            const i32* pos, const i32* slots, const void* inv_freq, double attn,
            i64 q_row, i64 k_row, i64 v_row, i64 kc_row, i64 vc_row, i64 pos_stride, i64 slot_stride,
            i32 T, i32 Hq, i32 Hk, i32 head_dim, i32 half, i32 Dv, i32 S, i32 v_vec) {
    RopeArgs a = {};
    a.q = q;
    a.k = const_cast<void*>(k);
    a.v = v;
    a.k_cache = k_cache;
    a.v_cache = v_cache;
    a.pos = pos;
    a.slots = slots;
    a.inv_freq = inv_freq;
    a.attn = attn;
    a.q_row = q_row;
    a.k_row = k_row;
    a.v_row = v_row;
    a.kc_row = kc_row;
    a.vc_row = vc_row;
    a.pos_stride = pos_stride;
    a.slot_stride = slot_stride;
    a.T = T;
    a.Hq = Hq;
    a.Hk = Hk;
    a.head_dim = head_dim;
    a.half = half;
    a.Dv = Dv;
    a.S = S;
    a.v_vec = v_vec;
    a.chunks = half / VEC;
    i64 unit = (i64)blockIdx.x * ROTOR_BLOCK + threadIdx.x;
    rope_append_thread<ROTOR_DTYPE, ROTOR_LAYOUT, ROTOR_ANGLES, VEC>(a, unit, blockIdx.y, gridDim.y);
}

// One kernel per vector width: rope_append_v1, _v2, _v4 and (16-bit
// dtypes) _v8.
#define ROTOR_APPEND_KERNEL(V)                                                                                       \
    extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK) rope_append_v##V(                                    \
        void* q, const void* k, const void* v, void* k_cache, void* v_cache, const i32* pos, const i32* slots,     \
        const void* inv_freq, double attn, i64 q_row, i64 k_row, i64 v_row, i64 kc_row, i64 vc_row, i64 pos_stride, \
        i64 slot_stride, i32 T, i32 Hq, i32 Hk, i32 head_dim, i32 half, i32 Dv, i32 S, i32 v_vec) {                 \
        rope_append_kernel<V>(q, k, v, k_cache, v_cache, pos, slots, inv_freq, attn, q_row, k_row, v_row, kc_row,    \
                              vc_row, pos_stride, slot_stride, T, Hq, Hk, head_dim, half, Dv, S, v_vec);            \
    }

ROTOR_APPEND_KERNEL(1)
ROTOR_APPEND_KERNEL(2)
ROTOR_APPEND_KERNEL(4)
#if ROTOR_DTYPE != ROTOR_F32
ROTOR_APPEND_KERNEL(8)
#endif

// rope.cu: fused RoPE. Rotates the Hq query heads and Hk key heads of
// every token in place, in one launch.
//
// Defines: ROTOR_DTYPE (1 f32, 2 bf16, 3 f16), ROTOR_LAYOUT (0 NeoX,
// 1 GPT-J), ROTOR_ANGLES (0 Accurate, 1 Compat), ROTOR_BLOCK. Kernel
// rope_vV rotates V pairs per thread (each thread moves two runs of V
// elements, 16 bytes each at the widest).
//
// Launch: block (ROTOR_BLOCK, 1, 1); grid (ceil(T*chunks/ROTOR_BLOCK),
// head_splits, 1) with chunks = half/V. Thread x of block (bx, by)
// handles unit bx*ROTOR_BLOCK+x = token*chunks+chunk and the heads
// by, by+head_splits, … (rope_thread in rope_math.cuh).
#include "rope_math.cuh"

template <int VEC>
__device__ __forceinline__ void rope_kernel(void* q, void* k, const i32* pos, const void* inv_freq, double attn,
                                            i64 q_row, i64 k_row, i64 pos_stride, i32 T, i32 Hq, i32 Hk, i32 head_dim, i32 half) {
    RopeArgs a = {};
    a.q = q;
    a.k = k;
    a.pos = pos;
    a.inv_freq = inv_freq;
    a.attn = attn;
    a.q_row = q_row;
    a.k_row = k_row;
    a.pos_stride = pos_stride;
    a.T = T;
    a.Hq = Hq;
    a.Hk = Hk;
    a.head_dim = head_dim;
    a.half = half;
    a.chunks = half / VEC;
    i64 unit = (i64)blockIdx.x * ROTOR_BLOCK + threadIdx.x;
    rope_thread<ROTOR_DTYPE, ROTOR_LAYOUT, ROTOR_ANGLES, VEC>(a, unit, blockIdx.y, gridDim.y);
}

// One kernel per vector width: rope_v1, rope_v2, rope_v4 and (16-bit
// dtypes) rope_v8.
#define ROTOR_ROPE_KERNEL(V)                                                                                   \
    extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)                                                \
        rope_v##V(void* q, void* k, const i32* pos, const void* inv_freq, double attn, i64 q_row, i64 k_row, \
                  i64 pos_stride, i32 T, i32 Hq, i32 Hk, i32 head_dim, i32 half) {                           \
        rope_kernel<V>(q, k, pos, inv_freq, attn, q_row, k_row, pos_stride, T, Hq, Hk, head_dim, half);     \
    }

ROTOR_ROPE_KERNEL(1)
ROTOR_ROPE_KERNEL(2)
ROTOR_ROPE_KERNEL(4)
#if ROTOR_DTYPE != ROTOR_F32
ROTOR_ROPE_KERNEL(8)
#endif

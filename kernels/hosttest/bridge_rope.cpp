//go:build cgo

// Host entry points for the RoPE math and the rope / rope_append grids.
#include "fpcontract.h"
#include "../rope_math.cuh"
#include "headers_digest.h"
#include "bridge.h"

extern "C" const char* rt_headers_digest(void) { return ROTOR_HEADERS_DIGEST; }

extern "C" void rt_sincos64(const double* theta, int n, double* s, double* c) {
    for (int i = 0; i < n; i++) {
        sincos64(theta[i], &s[i], &c[i]);
    }
}

extern "C" void rt_accurate_cos_sin(const int* pos, const double* f, int n, double attn, float* c, float* s) {
    for (int i = 0; i < n; i++) {
        accurate_cos_sin(pos[i], f[i], attn, &c[i], &s[i]);
    }
}

extern "C" void rt_compat_cos_sin(const int* pos, const float* f, int n, double attn, float* c, float* s) {
    for (int i = 0; i < n; i++) {
        compat_cos_sin(pos[i], f[i], attn, &c[i], &s[i]);
    }
}

extern "C" void rt_compat_angle(const int* pos, const float* f, int n, float* out) {
    for (int i = 0; i < n; i++) {
        out[i] = compat_angle(pos[i], f[i]);
    }
}

extern "C" void rt_rotate_pair(const float* a, const float* b, const float* c, const float* s, int n, float* ra, float* rb) {
    for (int i = 0; i < n; i++) {
        rotate_pair(a[i], b[i], c[i], s[i], &ra[i], &rb[i]);
    }
}

extern "C" void rt_bf16_from_f32_range(unsigned start, unsigned n, unsigned short* out) {
    for (unsigned i = 0; i < n; i++) {
        out[i] = bf16_from_f32(f32_from_bits(start + i));
    }
}

extern "C" void rt_f16_from_f32_range(unsigned start, unsigned n, unsigned short* out) {
    for (unsigned i = 0; i < n; i++) {
        out[i] = f16_from_f32(f32_from_bits(start + i));
    }
}

extern "C" void rt_f16_to_f32_all(unsigned* out) {
    for (unsigned i = 0; i < 65536; i++) {
        out[i] = f32_bits(f16_to_f32((u16)i));
    }
}

extern "C" void rt_bf16_to_f32_all(unsigned* out) {
    for (unsigned i = 0; i < 65536; i++) {
        out[i] = f32_bits(bf16_to_f32((u16)i));
    }
}

// Unpack the rope kernel's parameters in the order of rope.cu.
static RopeArgs rope_args(const u64* w) {
    RopeArgs a = {};
    a.q = (void*)w[0];
    a.k = (void*)w[1];
    a.pos = (const i32*)w[2];
    a.inv_freq = (const void*)w[3];
    double attn;
    memcpy(&attn, &w[4], 8);
    a.attn = attn;
    a.q_row = (i64)w[5];
    a.k_row = (i64)w[6];
    a.pos_stride = (i64)w[7];
    a.T = (i32)w[8];
    a.Hq = (i32)w[9];
    a.Hk = (i32)w[10];
    a.head_dim = (i32)w[11];
    a.half = (i32)w[12];
    return a;
}

// Unpack the rope_append kernel's parameters in the order of rope_append.cu.
static RopeArgs rope_append_args(const u64* w) {
    RopeArgs a = {};
    a.q = (void*)w[0];
    a.k = (void*)w[1];
    a.v = (const void*)w[2];
    a.k_cache = (void*)w[3];
    a.v_cache = (void*)w[4];
    a.pos = (const i32*)w[5];
    a.slots = (const i32*)w[6];
    a.inv_freq = (const void*)w[7];
    double attn;
    memcpy(&attn, &w[8], 8);
    a.attn = attn;
    a.q_row = (i64)w[9];
    a.k_row = (i64)w[10];
    a.v_row = (i64)w[11];
    a.kc_row = (i64)w[12];
    a.vc_row = (i64)w[13];
    a.pos_stride = (i64)w[14];
    a.slot_stride = (i64)w[15];
    a.T = (i32)w[16];
    a.Hq = (i32)w[17];
    a.Hk = (i32)w[18];
    a.head_dim = (i32)w[19];
    a.half = (i32)w[20];
    a.Dv = (i32)w[21];
    a.S = (i32)w[22];
    a.v_vec = (i32)w[23];
    return a;
}

// Walk a launch grid exactly as the kernels' __global__ wrappers do:
// unit = blockIdx.x*block + threadIdx.x, heads from blockIdx.y by gridDim.y.
template <int DT, int L, int A, int V> static void walk(int append, const u64* w, int gx, int gy, int block) {
    RopeArgs a = append ? rope_append_args(w) : rope_args(w);
    a.chunks = a.half / V;
    for (int by = 0; by < gy; by++) {
        for (int bx = 0; bx < gx; bx++) {
            for (int tx = 0; tx < block; tx++) {
                i64 unit = (i64)bx * block + tx;
                if (append) {
                    rope_append_thread<DT, L, A, V>(a, unit, by, gy);
                } else {
                    rope_thread<DT, L, A, V>(a, unit, by, gy);
                }
            }
        }
    }
}

#define WALK_V(DT, L, A)                                  \
    switch (vec) {                                        \
    case 1: walk<DT, L, A, 1>(append, w, gx, gy, block); return 0; \
    case 2: walk<DT, L, A, 2>(append, w, gx, gy, block); return 0; \
    case 4: walk<DT, L, A, 4>(append, w, gx, gy, block); return 0; \
    case 8: walk<DT, L, A, 8>(append, w, gx, gy, block); return 0; \
    }                                                     \
    return -1;

#define WALK_A(DT, L)                        \
    if (angles == ROTOR_ACCURATE) {          \
        WALK_V(DT, L, ROTOR_ACCURATE)        \
    } else {                                 \
        WALK_V(DT, L, ROTOR_COMPAT)          \
    }

#define WALK_L(DT)                           \
    if (layout == ROTOR_NEOX) {              \
        WALK_A(DT, ROTOR_NEOX)               \
    } else {                                 \
        WALK_A(DT, ROTOR_GPTJ)               \
    }

extern "C" int rt_rope_walk(int append, int dtype, int layout, int angles, int vec, const unsigned long long* w, int gx, int gy, int block) {
    switch (dtype) {
    case ROTOR_F32:
        WALK_L(ROTOR_F32)
    case ROTOR_BF16:
        WALK_L(ROTOR_BF16)
    case ROTOR_F16:
        WALK_L(ROTOR_F16)
    }
    return -1;
}

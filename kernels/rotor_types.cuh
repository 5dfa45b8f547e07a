// rotor_types.cuh: integer types, host/device qualifiers, IEEE rounding
// helpers that never fuse, and the float32 <-> bf16/f16 conversions that
// every kernel uses. The header compiles as CUDA C++ (NVRTC) and as plain
// C++ (g++ -ffp-contract=off), so the host tests run the very same code.
#pragma once

#if defined(__CUDACC__)
#define ROTOR_HD __host__ __device__ __forceinline__
#else
#include <math.h>
#include <string.h>
#define ROTOR_HD inline
#define __host__
#define __device__
#define __global__
#define __shared__
#define __restrict__
#endif

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int i32;
typedef long long i64;
typedef unsigned long long u64;

// Storage dtypes, numbered as ops.DType: F32 = 1, BF16 = 2, F16 = 3.
#define ROTOR_F32 1
#define ROTOR_BF16 2
#define ROTOR_F16 3

#define ROTOR_NEOX 0
#define ROTOR_GPTJ 1

#define ROTOR_ACCURATE 0
#define ROTOR_COMPAT 1

// Bit casts.
ROTOR_HD u32 f32_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    u32 u;
    memcpy(&u, &f, 4);
    return u;
#endif
}

ROTOR_HD float f32_from_bits(u32 u) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    memcpy(&f, &u, 4);
    return f;
#endif
}

// Single IEEE operations, each rounded to nearest even on its own. On the
// device the intrinsics forbid contraction into FMA; on the host the
// build uses -ffp-contract=off.
ROTOR_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}

ROTOR_HD float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}

ROTOR_HD float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    return __fsub_rn(a, b);
#else
    return a - b;
#endif
}

ROTOR_HD double dmul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}

ROTOR_HD double dadd_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}

ROTOR_HD double dfma(double a, double b, double c) { return fma(a, b, c); }

// Round float64 to float32, nearest even.
ROTOR_HD float d2f_rn(double d) {
#if defined(__CUDA_ARCH__)
    return __double2float_rn(d);
#else
    return (float)d;
#endif
}

// Round int32 to float32, nearest even.
ROTOR_HD float i2f_rn(i32 i) {
#if defined(__CUDA_ARCH__)
    return __int2float_rn(i);
#else
    return (float)i;
#endif
}

// bf16 from float32: round to nearest, ties to even; a NaN keeps its sign
// and top payload bits and gets the quiet bit, so it never becomes Inf.
// Identical to precision.BF16FromFloat32.
ROTOR_HD u16 bf16_from_f32(float f) {
    u32 u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return (u16)((u >> 16) | 0x0040u);
    }
    u += 0x7fffu + ((u >> 16) & 1u);
    return (u16)(u >> 16);
}

ROTOR_HD float bf16_to_f32(u16 h) { return f32_from_bits((u32)h << 16); }

// IEEE binary16 from float32: round to nearest, ties to even. Overflow
// gives Inf; a NaN keeps its sign and top payload bits and gets the quiet
// bit. Bit-identical to github.com/x448/float16 Fromfloat32.
ROTOR_HD u16 f16_from_f32(float f) {
    u32 u = f32_bits(f);
    u32 sign = (u >> 16) & 0x8000u;
    u32 a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) { // Inf or NaN
        if (a == 0x7f800000u) {
            return (u16)(sign | 0x7c00u);
        }
        return (u16)(sign | 0x7c00u | 0x0200u | ((a >> 13) & 0x03ffu));
    }
    if (a >= 0x477ff000u) { // ≥ 65520 rounds to Inf
        return (u16)(sign | 0x7c00u);
    }
    if (a < 0x38800000u) { // below 2^-14: a subnormal half or zero
        // |f|·2^24 is exact; rounding it to an integer, ties to even, gives
        // the subnormal's significand (1024, the smallest normal, on carry).
        return (u16)(sign | (u32)rintf(mul_rn(f32_from_bits(a), 16777216.0f)));
    }
    u32 base = (a >> 13) - (112u << 10);
    u32 rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (base & 1u))) {
        base++;
    }
    return (u16)(sign | base);
}

// float32 from IEEE binary16 (exact). A NaN keeps its sign and payload
// and gets the quiet bit, as github.com/x448/float16 does.
ROTOR_HD float f16_to_f32(u16 h) {
    u32 sign = ((u32)h & 0x8000u) << 16;
    u32 e = ((u32)h >> 10) & 0x1fu;
    u32 m = (u32)h & 0x03ffu;
    if (e == 0x1fu) {
        return f32_from_bits(m == 0 ? (sign | 0x7f800000u) : (sign | 0x7fc00000u | (m << 13)));
    }
    if (e == 0) {
        float mag = mul_rn((float)m, 5.9604644775390625e-8f); // m * 2^-24, exact
        return sign ? -mag : mag;
    }
    return f32_from_bits(sign | ((e + 112u) << 23) | (m << 13));
}

// Elem<DT> maps a storage dtype to its C type and its exact widening and
// rounding conversions.
template <int DT> struct Elem;

template <> struct Elem<ROTOR_F32> {
    typedef float T;
    static ROTOR_HD float load(float x) { return x; }
    static ROTOR_HD float store(float x) { return x; }
};

template <> struct Elem<ROTOR_BF16> {
    typedef u16 T;
    static ROTOR_HD float load(u16 x) { return bf16_to_f32(x); }
    static ROTOR_HD u16 store(float x) { return bf16_from_f32(x); }
};

template <> struct Elem<ROTOR_F16> {
    typedef u16 T;
    static ROTOR_HD float load(u16 x) { return f16_to_f32(x); }
    static ROTOR_HD u16 store(float x) { return f16_from_f32(x); }
};

// Raw copies of N elements of type T, as one access where the width allows
// (4, 8 or 16 bytes; 32 bytes as two 16-byte accesses) on the device. The
// caller guarantees alignment to min(N*sizeof(T), 16) bytes on the device;
// the host copy has no requirement.
template <typename T, int N> struct Raw {
    T v[N];
};

template <typename T, int N> ROTOR_HD void raw_load(Raw<T, N>& r, const T* p) {
#if defined(__CUDA_ARCH__)
    if (sizeof(T) * N == 32) {
        reinterpret_cast<uint4*>(r.v)[0] = reinterpret_cast<const uint4*>(p)[0];
        reinterpret_cast<uint4*>(r.v)[1] = reinterpret_cast<const uint4*>(p)[1];
    } else if (sizeof(T) * N == 16) {
        *reinterpret_cast<uint4*>(r.v) = *reinterpret_cast<const uint4*>(p);
    } else if (sizeof(T) * N == 8) {
        *reinterpret_cast<uint2*>(r.v) = *reinterpret_cast<const uint2*>(p);
    } else if (sizeof(T) * N == 4) {
        *reinterpret_cast<u32*>(r.v) = *reinterpret_cast<const u32*>(p);
    } else {
#pragma unroll
        for (int i = 0; i < N; i++) {
            r.v[i] = p[i];
        }
    }
#else
    memcpy(r.v, p, sizeof(T) * N);
#endif
}

template <typename T, int N> ROTOR_HD void raw_store(T* p, const Raw<T, N>& r) {
#if defined(__CUDA_ARCH__)
    if (sizeof(T) * N == 32) {
        reinterpret_cast<uint4*>(p)[0] = reinterpret_cast<const uint4*>(r.v)[0];
        reinterpret_cast<uint4*>(p)[1] = reinterpret_cast<const uint4*>(r.v)[1];
    } else if (sizeof(T) * N == 16) {
        *reinterpret_cast<uint4*>(p) = *reinterpret_cast<const uint4*>(r.v);
    } else if (sizeof(T) * N == 8) {
        *reinterpret_cast<uint2*>(p) = *reinterpret_cast<const uint2*>(r.v);
    } else if (sizeof(T) * N == 4) {
        *reinterpret_cast<u32*>(p) = *reinterpret_cast<const u32*>(r.v);
    } else {
#pragma unroll
        for (int i = 0; i < N; i++) {
            p[i] = r.v[i];
        }
    }
#else
    memcpy(p, r.v, sizeof(T) * N);
#endif
}

// Load N elements and widen them to float32.
template <int DT, int N> ROTOR_HD void load_f32(float* out, const typename Elem<DT>::T* p) {
    Raw<typename Elem<DT>::T, N> r;
    raw_load(r, p);
#pragma unroll
    for (int i = 0; i < N; i++) {
        out[i] = Elem<DT>::load(r.v[i]);
    }
}

// Round N float32 values to the storage dtype and store them.
template <int DT, int N> ROTOR_HD void store_f32(typename Elem<DT>::T* p, const float* in) {
    Raw<typename Elem<DT>::T, N> r;
#pragma unroll
    for (int i = 0; i < N; i++) {
        r.v[i] = Elem<DT>::store(in[i]);
    }
    raw_store(p, r);
}

// Minimum and maximum as Go's built-in min and max: a NaN operand gives
// NaN, and −0 is below +0.
ROTOR_HD float min_go(float a, float b) {
    if (a != a) {
        return a;
    }
    if (b != b) {
        return b;
    }
    if (a == b) {
        return (f32_bits(a) & 0x80000000u) ? a : b;
    }
    return a < b ? a : b;
}

ROTOR_HD float max_go(float a, float b) {
    if (a != a) {
        return a;
    }
    if (b != b) {
        return b;
    }
    if (a == b) {
        return (f32_bits(a) & 0x80000000u) ? b : a;
    }
    return a > b ? a : b;
}

// kmeans_math.cuh: the arithmetic of ops.KMeansAssign (kmeans.cu), shared
// with the host tests: package precision's KMeansDist, KMeansNorm2,
// KMeansPoint, KMeansSumShift, KMeansFixed, KMeansFixedValue and
// KMeansScreenMargin operation for operation, so that the labels,
// distances and sums are the fallback's bits; and the (minimum, first
// index, second smallest) triples of the float32 screen.
#pragma once
#include "rotor_types.cuh"

#define KM_LANES 8

// km_lane_total combines the lanes as ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)).
ROTOR_HD double km_lane_total(const double* s) {
    return dadd_rn(dadd_rn(dadd_rn(s[0], s[1]), dadd_rn(s[2], s[3])), dadd_rn(dadd_rn(s[4], s[5]), dadd_rn(s[6], s[7])));
}

// km_lanes_sum returns Σ_j e(j)² for j < d in precision.KMeansDist's
// order: lane k takes the j ≡ k (mod 8) in increasing j with one fma
// each, and the lanes are combined by km_lane_total. The lanes are
// indexed statically, so they stay in registers.
template <typename F> ROTOR_HD double km_lanes_sum(int d, F e) {
    double s[KM_LANES] = {0, 0, 0, 0, 0, 0, 0, 0};
    int j0 = 0;
    for (; j0 + KM_LANES <= d; j0 += KM_LANES) {
#pragma unroll
        for (int k = 0; k < KM_LANES; k++) {
            const double v = e(j0 + k);
            s[k] = dfma(v, v, s[k]);
        }
    }
#pragma unroll
    for (int k = 0; k < KM_LANES; k++) {
        if (j0 + k < d) {
            const double v = e(j0 + k);
            s[k] = dfma(v, v, s[k]);
        }
    }
    return km_lane_total(s);
}

// km_diff is the float64 difference of a point and a centroid element.
ROTOR_HD double km_diff(float y, float c) {
#if defined(__CUDA_ARCH__)
    return __dsub_rn((double)y, (double)c);
#else
    return (double)y - (double)c;
#endif
}

// km_dist is precision.KMeansDist of two dense float32 rows of d elements.
ROTOR_HD double km_dist(const float* y, const float* c, int d) {
    return km_lanes_sum(d, [&](int j) { return km_diff(y[j], c[j]); });
}

// km_finite reports whether a float64 sum is finite: the squared norm of
// a row is finite exactly when every element is.
ROTOR_HD bool km_finite(double x) { return x - x == 0.0; }

// km_inv is 1/√ss, the square root and the reciprocal each rounded once.
ROTOR_HD double km_inv(double ss) {
#if defined(__CUDA_ARCH__)
    return __drcp_rn(__dsqrt_rn(ss));
#else
    return 1.0 / sqrt(ss);
#endif
}

// km_scale is one element of precision.KMeansScale:
// float32(float64(x)·inv).
ROTOR_HD float km_scale(float x, double inv) { return d2f_rn(dmul_rn((double)x, inv)); }

// km_norm_bound is precision.KMeansPoint's bound of ‖y‖ for a finite row
// of squared norm ss.
ROTOR_HD double km_norm_bound(double ss, bool normalize) {
    if (normalize && ss != 0.0) {
        return 1.0 + 0x1p-23;
    }
#if defined(__CUDA_ARCH__)
    return __dmul_rn(__dsqrt_rn(ss), 1.0 + 0x1p-30);
#else
    return sqrt(ss) * (1.0 + 0x1p-30);
#endif
}

// km_sum_shift is precision.KMeansSumShift for n points (nbits =
// bits.Len(n)) whose largest element magnitude is max_abs.
ROTOR_HD int km_sum_shift(int nbits, float max_abs) {
    int e = 0;
    if (max_abs != 0.0f) {
        frexp((double)max_abs, &e);
    }
    int q = 62 - nbits < 51 ? 62 - nbits : 51;
    return q - e;
}

// km_pow2 is 2^q for |q| < 1000 (exact).
ROTOR_HD double km_pow2(int q) { return ldexp(1.0, q); }

// km_f64_hi and km_f64_lo return the high and low 32 bits of a float64.
ROTOR_HD i32 km_f64_hi(double d) {
#if defined(__CUDA_ARCH__)
    return __double2hiint(d);
#else
    u64 u;
    memcpy(&u, &d, 8);
    return (i32)(u >> 32);
#endif
}

ROTOR_HD u32 km_f64_lo(double d) {
#if defined(__CUDA_ARCH__)
    return (u32)__double2loint(d);
#else
    u64 u;
    memcpy(&u, &d, 8);
    return (u32)u;
#endif
}

// km_i64_pack returns the int64 whose high 32 bits are hi and low 32
// bits lo, moving the halves into place without a 64-bit constant.
ROTOR_HD i64 km_i64_pack(i32 hi, u32 lo) {
#if defined(__CUDA_ARCH__)
    return __double_as_longlong(__hiloint2double(hi, (int)lo));
#else
    return (i64)(((u64)(u32)hi << 32) | lo);
#endif
}

// km_fixed is precision.KMeansFixed: v·scale rounded to the nearest
// integer, ties to even, for |v·scale| < 2⁵¹ (as the sums' shift
// guarantees): adding 1.5·2⁵² rounds the product to an integer held in
// the low mantissa bits, and the sum's bits less the constant's
// (0x4338000000000000) are that integer, negative ones included (the
// fallback's vector kernels do the same). It works on the two 32-bit
// halves, with no float64-to-int64 conversion and no 64-bit constant.
ROTOR_HD i64 km_fixed(float v, double scale) {
    const double t = dadd_rn(dmul_rn((double)v, scale), 6755399441055744.0); // + 1.5·2⁵²
    return km_i64_pack(km_f64_hi(t) - 0x43380000, km_f64_lo(t));
}

// km_i64_to_f64 rounds an int64 to float64, nearest even: its high 32
// bits times 2³² plus its low 32 bits, both exact, added with one
// rounding (no int64-to-float64 conversion instruction).
ROTOR_HD double km_i64_to_f64(i64 s) {
    const i32 hi = (i32)(s >> 32);
    const u32 lo = (u32)((u64)s & 0xffffffffu);
    return dadd_rn(dmul_rn((double)hi, 4294967296.0), (double)lo);
}

// km_fixed_value is precision.KMeansFixedValue: float32(float64(s)·2^−q).
ROTOR_HD float km_fixed_value(i64 s, int q) { return d2f_rn(dmul_rn(km_i64_to_f64(s), km_pow2(-q))); }

// km_margin is precision.KMeansScreenMargin(d, yn, cn), the same
// operations in the same order.
ROTOR_HD double km_margin(int d, double yn, double cn) {
    if (!(dadd_rn(yn, cn) <= 0x1p50)) {
        return (double)f32_from_bits(0x7f800000u);
    }
    const double u = 0x1p-24;
    double n = (double)(d + 1);
    double g = dmul_rn(n, u) / (1.0 - dmul_rn(n, u));
    double e = dadd_rn(dadd_rn(dmul_rn(dmul_rn(2.0, g), dadd_rn(dmul_rn(yn, cn), dmul_rn(dmul_rn(0.51, cn), cn))),
                               dmul_rn(dmul_rn(dmul_rn(1.01, u), cn), cn)),
                       dmul_rn((double)(d + 2), 0x1p-120));
    double s = dadd_rn(yn, cn);
    double e64 = dmul_rn(dmul_rn(dmul_rn((double)(d + 3), 0x1p-53), s), s);
    return dmul_rn(1.01, dadd_rn(dmul_rn(2.0, e), dmul_rn(2.0, e64)));
}

// KmTriple is a screen result: the smallest score m1, the first index i1
// holding it (−1: none) and the second smallest score m2 (a repeat of
// the minimum counts).
struct KmTriple {
    float m1;
    i32 i1;
    float m2;
};

ROTOR_HD KmTriple km_triple_empty() {
    KmTriple t;
    t.m1 = f32_from_bits(0x7f800000u);
    t.i1 = -1;
    t.m2 = t.m1;
    return t;
}

// km_fold folds score v of index i into t, indices in increasing order
// (vec.MinBlock's loop): NaN is never taken.
ROTOR_HD void km_fold(KmTriple& t, float v, i32 i) {
    if (v < t.m2) {
        if (v < t.m1) {
            t.m2 = t.m1;
            t.m1 = v;
            t.i1 = i;
        } else {
            t.m2 = v;
        }
    }
}

// km_merge combines the triples of two disjoint index sets, in either
// order: the smaller minimum (the lower index on a tie), and as second
// the least of both seconds and the larger minimum.
ROTOR_HD KmTriple km_merge(KmTriple a, KmTriple b) {
    KmTriple r;
    bool take_b = b.m1 < a.m1 || (b.m1 == a.m1 && b.i1 >= 0 && (a.i1 < 0 || b.i1 < a.i1));
    r.m1 = take_b ? b.m1 : a.m1;
    r.i1 = take_b ? b.i1 : a.i1;
    float hi = take_b ? a.m1 : b.m1;
    float m2 = a.m2 < b.m2 ? a.m2 : b.m2;
    r.m2 = hi < m2 ? hi : m2;
    return r;
}

// KmHead is the per-kv-head state of one KMeansAssign launch sequence:
// the bits of the largest centroid squared norm rounded up to float32
// (+Inf when it passes the float32 range), whether a centroid is not
// finite, and the bits of the largest |x| of a finite point. (32-bit
// maxima: every GPU has them as atomics.)
struct KmHead {
    u32 maxn2;
    u32 bad;
    u32 maxabs;
    u32 pad;
};

// km_f32_up rounds a non-negative float64 up to float32 (to +Inf past
// the largest float32).
ROTOR_HD float km_f32_up(double x) {
    float f = d2f_rn(x);
    if ((double)f < x) {
        f = f32_from_bits(f32_bits(f) + 1u);
    }
    return f;
}

// km_norm_bound_c is an upper bound of every centroid norm of a head
// from KmHead.maxn2: √maxn2·(1 + 2⁻⁴⁰), as the fallback's from its
// float64 maximum (a larger bound only widens the screen's margin).
ROTOR_HD double km_norm_bound_c(u32 maxn2) {
#if defined(__CUDA_ARCH__)
    return __dmul_rn(__dsqrt_rn((double)f32_from_bits(maxn2)), 1.0 + 0x1p-40);
#else
    return sqrt((double)f32_from_bits(maxn2)) * (1.0 + 0x1p-40);
#endif
}

// km_slot is the slot of point n: start + n for a range (idx null), else
// its list entry; −1 for padding and any slot outside [0, S).
ROTOR_HD i32 km_slot(const i32* idx, i64 idx_stride, i32 start, i32 S, i32 n) {
    i32 s = idx ? idx[(i64)n * idx_stride] : start + n;
    return (s >= 0 && s < S) ? s : -1;
}

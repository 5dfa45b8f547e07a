// kmeans.cu: one Lloyd step of k-means per kv head (ops.KMeansAssign).
// The points are the rows K[slot(n), h, :] of N slots (a range, or an
// index list whose −1 entries are padding), the centroids F32 [Hk, C, D];
// the head dimension D is a parameter (at most 256). The arithmetic is
// kmeans_math.cuh's, so labels, distances and sums are the fallback's
// bits.
//
// Defines: ROTOR_DTYPE (of K), ROTOR_BLOCK (256).
//
// kmeans_init: block (ROTOR_BLOCK), grid (any): zeroes the per-head state
// and, with sums, the fixed-point sums [Hk, C, D] and the counts.
//
// kmeans_prep: block (ROTOR_BLOCK), grid (ceil(C/ROTOR_BLOCK), Hk): per
// centroid hn = −float32(‖c‖²)/2; per head the largest ‖c‖² rounded up
// to float32 (reduced in the block, then one atomic maximum of its bits)
// and whether a centroid is not finite.
//
// kmeans_screen: block (ROTOR_BLOCK), grid (ceil(N/64), Hk), dynamic
// shared memory 9104 + D·65·4 bytes (KMeansScreenSmem): a tile of 64 points, normalised once into
// shared memory, against every centroid, 64 at a time, in float32: score
// s = −2·(hn + Σ_d y_d·c_d), 4×4 per thread; each point's triple
// (smallest score, first centroid holding it, second smallest) is merged
// over the 16 threads of its row and written to scratch. Without
// normalisation it also takes the largest |x| of the finite points (for
// the sums' shift).
//
// kmeans_resolve: block (ROTOR_BLOCK), grid (ceil(N/8), Hk): one warp per
// point. Padding gets −1 and +Inf; a point or a head's centroid that is
// not finite −1 and NaN. Otherwise, when the screen's second smallest
// score exceeds the smallest by more than km_margin, the screen's
// centroid is the label; else the warp measures the exact distance of
// every centroid scoring within the margin (all of them when the margin
// is infinite) and takes the least, ties to the lower index. The label's
// distance is km_dist; with sums, each element's fixed-point value is
// added to its cluster's sum (64-bit atomicAdd: integers, so the order
// does not matter) and the count incremented.
//
// kmeans_sums: block (ROTOR_BLOCK), grid (ceil(C·D/ROTOR_BLOCK), Hk): the
// fixed-point sums to float32 (km_fixed_value).
#include "kmeans_math.cuh"

#define TP 64 // points per screen tile
#define TC 64 // centroids per screen step
#define KD 32 // centroid elements staged per step
#define YS (TP + 1)

typedef Elem<ROTOR_DTYPE>::T T;

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
kmeans_init(KmHead* heads, i64* sum64, i32* counts, i64 counts_row, i32 Hk, i32 C, i32 D) {
    const i64 t = (i64)blockIdx.x * ROTOR_BLOCK + threadIdx.x, step = (i64)gridDim.x * ROTOR_BLOCK;
    for (i64 i = t; i < Hk; i += step) {
        heads[i].maxn2 = 0;
        heads[i].bad = 0;
        heads[i].maxabs = 0;
        heads[i].pad = 0;
    }
    if (sum64) {
        for (i64 i = t; i < (i64)Hk * C * D; i += step) {
            sum64[i] = 0;
        }
        for (i64 i = t; i < (i64)Hk * C; i += step) {
            counts[(i / C) * counts_row + i % C] = 0;
        }
    }
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
kmeans_prep(const float* cent, float* hn, KmHead* heads, i64 cent_row, i32 C, i32 D) {
    __shared__ u32 smax, sbad;
    const int c = blockIdx.x * ROTOR_BLOCK + threadIdx.x, h = blockIdx.y;
    if (threadIdx.x == 0) {
        smax = 0;
        sbad = 0;
    }
    __syncthreads();
    if (c < C) {
        const float* row = cent + (i64)h * cent_row + (i64)c * D;
        const double n2 = km_lanes_sum(D, [&](int j) { return (double)row[j]; });
        hn[(i64)h * C + c] = mul_rn(-d2f_rn(n2), 0.5f);
        if (km_finite(n2)) {
            atomicMax(&smax, f32_bits(km_f32_up(n2)));
        } else {
            atomicOr(&sbad, 1u);
        }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        atomicMax(&heads[h].maxn2, smax);
        if (sbad) {
            atomicOr(&heads[h].bad, 1u);
        }
    }
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK, 2)
kmeans_screen(const void* k, const i32* idx, const float* cent, const float* hn, float* m1o, i32* i1o, float* m2o,
              KmHead* heads, i64 k_row, i64 idx_stride, i64 cent_row, i32 S, i32 N, i32 start, i32 C, i32 D,
              i32 normalize, i32 want_max) {
    // one dynamic block (KM_SCREEN_SMEM(D) bytes): the tile's normalisers
    // and slots, the block maximum, a staged step of centroids, and the
    // tile's points transposed ([D][YS])
    extern __shared__ __align__(16) unsigned char smem[];
    double* inv = reinterpret_cast<double*>(smem);
    i32* slot = reinterpret_cast<i32*>(smem + TP * 8);
    u32& smax = *reinterpret_cast<u32*>(smem + TP * 12);
    float(*cs)[TC + 1] = reinterpret_cast<float(*)[TC + 1]>(smem + TP * 12 + 16);
    float* ys = reinterpret_cast<float*>(smem + TP * 12 + 16 + KD * (TC + 1) * 4);
    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4, h = blockIdx.y;
    const int p0 = blockIdx.x * TP;
    const T* kb = static_cast<const T*>(k) + (i64)h * D;
    if (tid == 0) {
        smax = 0;
    }
    __syncthreads();
    if (tid < TP) {
        const int n = p0 + tid;
        i32 s = n < N ? km_slot(idx, idx_stride, start, S, n) : -1;
        double iv = 1.0;
        if (s >= 0) {
            const T* row = kb + (i64)s * k_row;
            u32 mx = 0;
            const double ss = km_lanes_sum(D, [&](int j) {
                const float x = Elem<ROTOR_DTYPE>::load(row[j]);
                const u32 a = f32_bits(x) & 0x7fffffffu;
                mx = a > mx ? a : mx;
                return (double)x;
            });
            if (!km_finite(ss)) {
                s = -1; // not scored; kmeans_resolve labels it
            } else {
                if (normalize && ss != 0.0) {
                    iv = km_inv(ss);
                }
                if (want_max) {
                    atomicMax(&smax, mx);
                }
            }
        }
        slot[tid] = s;
        inv[tid] = iv;
    }
    __syncthreads();
    if (want_max && tid == 0 && smax != 0) {
        atomicMax(&heads[h].maxabs, smax);
    }
    for (int e = tid; e < D * TP; e += ROTOR_BLOCK) {
        const int p = e / D, d = e % D;
        float y = 0.0f;
        if (slot[p] >= 0) {
            y = km_scale(Elem<ROTOR_DTYPE>::load(kb[(i64)slot[p] * k_row + d]), inv[p]);
        }
        ys[d * YS + p] = y;
    }
    __syncthreads();
    KmTriple st[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        st[i] = km_triple_empty();
    }
    const float* cb = cent + (i64)h * cent_row;
    for (int c0 = 0; c0 < C; c0 += TC) {
        float acc[4][4];
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int c = c0 + tx * 4 + j;
            const float a = c < C ? hn[(i64)h * C + c] : 0.0f;
#pragma unroll
            for (int i = 0; i < 4; i++) {
                acc[i][j] = a;
            }
        }
        for (int d0 = 0; d0 < D; d0 += KD) {
            for (int e = tid; e < KD * TC; e += ROTOR_BLOCK) {
                const int c = e / KD, kk = e % KD, d = d0 + kk;
                cs[kk][c] = (d < D && c0 + c < C) ? cb[(i64)(c0 + c) * D + d] : 0.0f;
            }
            __syncthreads();
            const int kn = D - d0 < KD ? D - d0 : KD;
            for (int kk = 0; kk < kn; kk++) {
                float a[4], b[4];
#pragma unroll
                for (int i = 0; i < 4; i++) {
                    a[i] = ys[(d0 + kk) * YS + ty * 4 + i];
                    b[i] = cs[kk][tx * 4 + i];
                }
#pragma unroll
                for (int i = 0; i < 4; i++) {
#pragma unroll
                    for (int j = 0; j < 4; j++) {
                        acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
                    }
                }
            }
            __syncthreads();
        }
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int c = c0 + tx * 4 + j;
            if (c < C) {
#pragma unroll
                for (int i = 0; i < 4; i++) {
                    km_fold(st[i], mul_rn(-2.0f, acc[i][j]), c);
                }
            }
        }
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int off = 8; off > 0; off >>= 1) {
            KmTriple o;
            o.m1 = __shfl_xor_sync(0xffffffffu, st[i].m1, off);
            o.i1 = __shfl_xor_sync(0xffffffffu, st[i].i1, off);
            o.m2 = __shfl_xor_sync(0xffffffffu, st[i].m2, off);
            st[i] = km_merge(st[i], o);
        }
        const int n = p0 + ty * 4 + i;
        if (tx == 0 && n < N) {
            m1o[(i64)h * N + n] = st[i].m1;
            i1o[(i64)h * N + n] = st[i].i1;
            m2o[(i64)h * N + n] = st[i].m2;
        }
    }
}

// km_warp_lanes returns the total of the eight lane sums that lanes 0–7
// of the warp hold in part (km_lane_total, on every lane).
__device__ __forceinline__ double km_warp_lanes(double part) {
    double l[KM_LANES];
#pragma unroll
    for (int k = 0; k < KM_LANES; k++) {
        l[k] = __shfl_sync(0xffffffffu, part, k);
    }
    return km_lane_total(l);
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK, 2)
kmeans_resolve(const void* k, const i32* idx, const float* cent, const float* hn, const float* m1s, const i32* i1s,
               const float* m2s, const KmHead* heads, i32* labels, float* dist, i64* sum64, i32* counts, i64 k_row,
               i64 idx_stride, i64 cent_row, i64 labels_row, i64 dist_row, i64 counts_row, i32 S, i32 N, i32 start,
               i32 C, i32 D, i32 normalize, i32 nbits) {
    const int lane = threadIdx.x & 31, h = blockIdx.y;
    const int n = blockIdx.x * (ROTOR_BLOCK / 32) + (threadIdx.x >> 5);
    if (n >= N) {
        return;
    }
    const i32 s = km_slot(idx, idx_stride, start, S, n);
    i32* lab = labels + (i64)h * labels_row + n;
    float* dst = dist ? dist + (i64)h * dist_row + n : 0;
    if (s < 0) {
        if (lane == 0) {
            *lab = -1;
            if (dst) {
                *dst = f32_from_bits(0x7f800000u);
            }
        }
        return;
    }
    const T* row = static_cast<const T*>(k) + (i64)h * D + (i64)s * k_row;
    double part = 0.0;
    if (lane < KM_LANES) {
        for (int j = lane; j < D; j += KM_LANES) {
            double x = (double)Elem<ROTOR_DTYPE>::load(row[j]);
            part = dfma(x, x, part);
        }
    }
    const double ss = km_warp_lanes(part);
    if (!km_finite(ss) || heads[h].bad) {
        if (lane == 0) {
            *lab = -1;
            if (dst) {
                *dst = f32_from_bits(0x7fc00000u);
            }
        }
        return;
    }
    const double inv = normalize && ss != 0.0 ? km_inv(ss) : 1.0;
    const double margin = km_margin(D, km_norm_bound(ss, normalize), km_norm_bound_c(heads[h].maxn2));
    const float m1 = m1s[(i64)h * N + n], m2 = m2s[(i64)h * N + n];
    const double thr = dadd_rn((double)m1, margin);
    const float* cb = cent + (i64)h * cent_row;
    i32 label = i1s[(i64)h * N + n];
    double dd = -1.0;
    if (!km_finite(margin) || label < 0 || !((double)m2 > thr)) {
        // every centroid scoring within the margin, measured exactly
        double best = 0.0;
        i32 bi = -1;
        for (int c = lane; c < C; c += 32) {
            const float* cr = cb + (i64)c * D;
            if (km_finite(margin)) {
                float a = hn[(i64)h * C + c];
                for (int j = 0; j < D; j++) {
                    a = fmaf(km_scale(Elem<ROTOR_DTYPE>::load(row[j]), inv), cr[j], a);
                }
                if (!((double)mul_rn(-2.0f, a) <= thr)) {
                    continue;
                }
            }
            const double dc = km_lanes_sum(
                D, [&](int j) { return km_diff(km_scale(Elem<ROTOR_DTYPE>::load(row[j]), inv), cr[j]); });
            if (bi < 0 || dc < best) {
                best = dc;
                bi = c;
            }
        }
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) {
            const double ob = __shfl_xor_sync(0xffffffffu, best, off);
            const i32 oi = __shfl_xor_sync(0xffffffffu, bi, off);
            if (oi >= 0 && (bi < 0 || ob < best || (ob == best && oi < bi))) {
                best = ob;
                bi = oi;
            }
        }
        label = bi;
        dd = best;
    }
    const float* cr = cb + (i64)label * D;
    if (dst && dd < 0.0) {
        double p = 0.0;
        if (lane < KM_LANES) {
            for (int j = lane; j < D; j += KM_LANES) {
                const double e = km_diff(km_scale(Elem<ROTOR_DTYPE>::load(row[j]), inv), cr[j]);
                p = dfma(e, e, p);
            }
        }
        dd = km_warp_lanes(p);
    }
    if (lane == 0) {
        *lab = label;
        if (dst) {
            *dst = d2f_rn(dd);
        }
    }
    if (sum64) {
        const float mx = normalize ? 1.0f : f32_from_bits(heads[h].maxabs);
        const double scale = km_pow2(km_sum_shift(nbits, mx));
        i64* sr = sum64 + ((i64)h * C + label) * D;
        for (int j = lane; j < D; j += 32) {
            const i64 f = km_fixed(km_scale(Elem<ROTOR_DTYPE>::load(row[j]), inv), scale);
            atomicAdd((unsigned long long*)&sr[j], (unsigned long long)f);
        }
        if (lane == 0) {
            atomicAdd(&counts[(i64)h * counts_row + label], 1);
        }
    }
}

extern "C" __global__ void __launch_bounds__(ROTOR_BLOCK)
kmeans_sums(const i64* sum64, const KmHead* heads, float* sums, i64 sums_row, i32 C, i32 D, i32 normalize, i32 nbits) {
    const i64 e = (i64)blockIdx.x * ROTOR_BLOCK + threadIdx.x;
    const int h = blockIdx.y;
    if (e >= (i64)C * D) {
        return;
    }
    const float mx = normalize ? 1.0f : f32_from_bits(heads[h].maxabs);
    sums[(i64)h * sums_row + e] = km_fixed_value(sum64[(i64)h * C * D + e], km_sum_shift(nbits, mx));
}

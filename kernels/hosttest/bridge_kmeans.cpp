//go:build cgo

// Host emulation of the kmeans launches (kmeans_init, kmeans_prep,
// kmeans_screen, kmeans_resolve, kmeans_sums) from the planner's
// parameter words, with kmeans_math.cuh's functions in the kernels' order
// of operations: the screen's 16 threads per point fold their own
// columns and merge with the butterfly of the kernel's shuffles; the
// resolve warp's lanes 0–7 form the eight lane sums, its 32 lanes take
// every 32nd centroid and reduce as the kernel does. Atomic additions of
// integers and maxima of bits are plain additions and maxima.
#include "fpcontract.h"
#include "../kmeans_math.cuh"
#include "bridge.h"

#include <string.h>
#include <vector>

namespace {

float ldk(int dt, const void* base, i64 i) {
    if (dt == ROTOR_F32) {
        return static_cast<const float*>(base)[i];
    }
    u16 h = static_cast<const u16*>(base)[i];
    return dt == ROTOR_BF16 ? bf16_to_f32(h) : f16_to_f32(h);
}

void init_all(const u64* w) {
    KmHead* heads = (KmHead*)w[0];
    i64* sum64 = (i64*)w[1];
    i32* counts = (i32*)w[2];
    i64 counts_row = (i64)w[3];
    i32 Hk = (i32)w[4], C = (i32)w[5], D = (i32)w[6];
    for (int h = 0; h < Hk; h++) {
        heads[h].maxn2 = 0;
        heads[h].bad = 0;
        heads[h].maxabs = 0;
        heads[h].pad = 0;
    }
    if (sum64) {
        for (i64 i = 0; i < (i64)Hk * C * D; i++) {
            sum64[i] = 0;
        }
        for (i64 i = 0; i < (i64)Hk * C; i++) {
            counts[(i / C) * counts_row + i % C] = 0;
        }
    }
}

void prep_block(const u64* w, int bx, int h) {
    const float* cent = (const float*)w[0];
    float* hn = (float*)w[1];
    KmHead* heads = (KmHead*)w[2];
    i64 cent_row = (i64)w[3];
    i32 C = (i32)w[4], D = (i32)w[5];
    for (int c = bx * 256; c < bx * 256 + 256 && c < C; c++) {
        const float* row = cent + (i64)h * cent_row + (i64)c * D;
        double n2 = km_lanes_sum(D, [&](int j) { return (double)row[j]; });
        hn[(i64)h * C + c] = mul_rn(-d2f_rn(n2), 0.5f);
        if (!km_finite(n2)) {
            heads[h].bad = 1;
        } else if (f32_bits(km_f32_up(n2)) > heads[h].maxn2) {
            heads[h].maxn2 = f32_bits(km_f32_up(n2));
        }
    }
}

struct ScreenArgs {
    const void* k;
    const i32* idx;
    const float* cent;
    const float* hn;
    float* m1o;
    i32* i1o;
    float* m2o;
    KmHead* heads;
    i64 k_row, idx_stride, cent_row;
    i32 S, N, start, C, D, normalize, want_max;
};

ScreenArgs screen_args(const u64* w) {
    ScreenArgs a;
    a.k = (const void*)w[0];
    a.idx = (const i32*)w[1];
    a.cent = (const float*)w[2];
    a.hn = (const float*)w[3];
    a.m1o = (float*)w[4];
    a.i1o = (i32*)w[5];
    a.m2o = (float*)w[6];
    a.heads = (KmHead*)w[7];
    a.k_row = (i64)w[8];
    a.idx_stride = (i64)w[9];
    a.cent_row = (i64)w[10];
    a.S = (i32)w[11];
    a.N = (i32)w[12];
    a.start = (i32)w[13];
    a.C = (i32)w[14];
    a.D = (i32)w[15];
    a.normalize = (i32)w[16];
    a.want_max = (i32)w[17];
    return a;
}

void screen_block(int dt, const u64* w, int bx, int h) {
    ScreenArgs a = screen_args(w);
    for (int n = bx * 64; n < bx * 64 + 64 && n < a.N; n++) {
        i32 s = km_slot(a.idx, a.idx_stride, a.start, a.S, n);
        double inv = 1.0;
        std::vector<float> y(a.D, 0.0f);
        if (s >= 0) {
            i64 base = (i64)s * a.k_row + (i64)h * a.D;
            u32 mx = 0;
            double ss = km_lanes_sum(a.D, [&](int j) {
                float x = ldk(dt, a.k, base + j);
                u32 b = f32_bits(x) & 0x7fffffffu;
                mx = b > mx ? b : mx;
                return (double)x;
            });
            if (!km_finite(ss)) {
                s = -1;
            } else {
                if (a.normalize && ss != 0.0) {
                    inv = km_inv(ss);
                }
                if (a.want_max && mx > a.heads[h].maxabs) {
                    a.heads[h].maxabs = mx;
                }
                for (int j = 0; j < a.D; j++) {
                    y[j] = km_scale(ldk(dt, a.k, base + j), inv);
                }
            }
        }
        // 16 threads per point, each with its four columns of every tile
        KmTriple st[16];
        for (int t = 0; t < 16; t++) {
            st[t] = km_triple_empty();
        }
        const float* cb = a.cent + (i64)h * a.cent_row;
        for (int c0 = 0; c0 < a.C; c0 += 64) {
            for (int t = 0; t < 16; t++) {
                for (int j = 0; j < 4; j++) {
                    int c = c0 + t * 4 + j;
                    if (c >= a.C) {
                        continue;
                    }
                    float acc = a.hn[(i64)h * a.C + c];
                    for (int d = 0; d < a.D; d++) {
                        acc = fmaf(y[d], cb[(i64)c * a.D + d], acc);
                    }
                    km_fold(st[t], mul_rn(-2.0f, acc), c);
                }
            }
        }
        for (int off = 8; off > 0; off >>= 1) {
            KmTriple nx[16];
            for (int t = 0; t < 16; t++) {
                nx[t] = km_merge(st[t], st[t ^ off]);
            }
            for (int t = 0; t < 16; t++) {
                st[t] = nx[t];
            }
        }
        a.m1o[(i64)h * a.N + n] = st[0].m1;
        a.i1o[(i64)h * a.N + n] = st[0].i1;
        a.m2o[(i64)h * a.N + n] = st[0].m2;
    }
}

void resolve_point(int dt, const u64* w, int n, int h) {
    const void* k = (const void*)w[0];
    const i32* idx = (const i32*)w[1];
    const float* cent = (const float*)w[2];
    const float* hn = (const float*)w[3];
    const float* m1s = (const float*)w[4];
    const i32* i1s = (const i32*)w[5];
    const float* m2s = (const float*)w[6];
    const KmHead* heads = (const KmHead*)w[7];
    i32* labels = (i32*)w[8];
    float* dist = (float*)w[9];
    i64* sum64 = (i64*)w[10];
    i32* counts = (i32*)w[11];
    i64 k_row = (i64)w[12], idx_stride = (i64)w[13], cent_row = (i64)w[14], labels_row = (i64)w[15],
        dist_row = (i64)w[16], counts_row = (i64)w[17];
    i32 S = (i32)w[18], N = (i32)w[19], start = (i32)w[20], C = (i32)w[21], D = (i32)w[22], normalize = (i32)w[23],
        nbits = (i32)w[24];
    i32 s = km_slot(idx, idx_stride, start, S, n);
    i32* lab = labels + (i64)h * labels_row + n;
    float* dst = dist ? dist + (i64)h * dist_row + n : 0;
    if (s < 0) {
        *lab = -1;
        if (dst) {
            *dst = f32_from_bits(0x7f800000u);
        }
        return;
    }
    i64 base = (i64)s * k_row + (i64)h * D;
    // lanes 0-7: one lane sum each
    double l[KM_LANES];
    for (int lane = 0; lane < KM_LANES; lane++) {
        double part = 0.0;
        for (int j = lane; j < D; j += KM_LANES) {
            double x = (double)ldk(dt, k, base + j);
            part = dfma(x, x, part);
        }
        l[lane] = part;
    }
    double ss = km_lane_total(l);
    if (!km_finite(ss) || heads[h].bad) {
        *lab = -1;
        if (dst) {
            *dst = f32_from_bits(0x7fc00000u);
        }
        return;
    }
    double inv = normalize && ss != 0.0 ? km_inv(ss) : 1.0;
    double margin = km_margin(D, km_norm_bound(ss, normalize), km_norm_bound_c(heads[h].maxn2));
    float m1 = m1s[(i64)h * N + n], m2 = m2s[(i64)h * N + n];
    double thr = dadd_rn((double)m1, margin);
    const float* cb = cent + (i64)h * cent_row;
    i32 label = i1s[(i64)h * N + n];
    double dd = -1.0;
    auto y = [&](int j) { return km_scale(ldk(dt, k, base + j), inv); };
    if (!km_finite(margin) || label < 0 || !((double)m2 > thr)) {
        double best[32];
        i32 bi[32];
        for (int lane = 0; lane < 32; lane++) {
            best[lane] = 0.0;
            bi[lane] = -1;
            for (int c = lane; c < C; c += 32) {
                const float* cr = cb + (i64)c * D;
                if (km_finite(margin)) {
                    float a = hn[(i64)h * C + c];
                    for (int j = 0; j < D; j++) {
                        a = fmaf(y(j), cr[j], a);
                    }
                    if (!((double)mul_rn(-2.0f, a) <= thr)) {
                        continue;
                    }
                }
                double dc = km_lanes_sum(D, [&](int j) { return km_diff(y(j), cr[j]); });
                if (bi[lane] < 0 || dc < best[lane]) {
                    best[lane] = dc;
                    bi[lane] = c;
                }
            }
        }
        for (int off = 16; off > 0; off >>= 1) {
            double nb[32];
            i32 ni[32];
            for (int lane = 0; lane < 32; lane++) {
                double ob = best[lane ^ off];
                i32 oi = bi[lane ^ off];
                nb[lane] = best[lane];
                ni[lane] = bi[lane];
                if (oi >= 0 && (bi[lane] < 0 || ob < best[lane] || (ob == best[lane] && oi < bi[lane]))) {
                    nb[lane] = ob;
                    ni[lane] = oi;
                }
            }
            for (int lane = 0; lane < 32; lane++) {
                best[lane] = nb[lane];
                bi[lane] = ni[lane];
            }
        }
        label = bi[0];
        dd = best[0];
    }
    const float* cr = cb + (i64)label * D;
    if (dst && dd < 0.0) {
        for (int lane = 0; lane < KM_LANES; lane++) {
            double p = 0.0;
            for (int j = lane; j < D; j += KM_LANES) {
                double e = km_diff(y(j), cr[j]);
                p = dfma(e, e, p);
            }
            l[lane] = p;
        }
        dd = km_lane_total(l);
    }
    *lab = label;
    if (dst) {
        *dst = d2f_rn(dd);
    }
    if (sum64) {
        float mx = normalize ? 1.0f : f32_from_bits(heads[h].maxabs);
        double scale = km_pow2(km_sum_shift(nbits, mx));
        i64* sr = sum64 + ((i64)h * C + label) * D;
        for (int j = 0; j < D; j++) {
            sr[j] += km_fixed(y(j), scale);
        }
        counts[(i64)h * counts_row + label] += 1;
    }
}

void sums_block(const u64* w, int bx, int h) {
    const i64* sum64 = (const i64*)w[0];
    const KmHead* heads = (const KmHead*)w[1];
    float* sums = (float*)w[2];
    i64 sums_row = (i64)w[3];
    i32 C = (i32)w[4], D = (i32)w[5], normalize = (i32)w[6], nbits = (i32)w[7];
    float mx = normalize ? 1.0f : f32_from_bits(heads[h].maxabs);
    for (i64 e = (i64)bx * 256; e < (i64)bx * 256 + 256 && e < (i64)C * D; e++) {
        sums[(i64)h * sums_row + e] = km_fixed_value(sum64[(i64)h * C * D + e], km_sum_shift(nbits, mx));
    }
}

} // namespace

extern "C" int rt_kmeans_launch(const char* kernel, int dt, const unsigned long long* w, int gx, int gy) {
    if (strcmp(kernel, "kmeans_init") == 0) {
        init_all(w);
        return 0;
    }
    for (int y = 0; y < gy; y++) {
        for (int x = 0; x < gx; x++) {
            if (strcmp(kernel, "kmeans_prep") == 0) {
                prep_block(w, x, y);
            } else if (strcmp(kernel, "kmeans_screen") == 0) {
                screen_block(dt, w, x, y);
            } else if (strcmp(kernel, "kmeans_resolve") == 0) {
                for (int p = x * 8; p < x * 8 + 8 && p < (i32)w[19]; p++) {
                    resolve_point(dt, w, p, y);
                }
            } else if (strcmp(kernel, "kmeans_sums") == 0) {
                sums_block(w, x, y);
            } else {
                return -1;
            }
        }
    }
    return 0;
}

// The arithmetic of kmeans_math.cuh one value at a time, for comparison
// with package precision.
extern "C" double rt_km_dist(const float* y, const float* c, int d) { return km_dist(y, c, d); }
extern "C" float rt_km_scale(float x, double inv) { return km_scale(x, inv); }
extern "C" double rt_km_inv(double ss) { return km_inv(ss); }
extern "C" double rt_km_norm_bound(double ss, int normalize) { return km_norm_bound(ss, normalize != 0); }
extern "C" int rt_km_sum_shift(int nbits, float max_abs) { return km_sum_shift(nbits, max_abs); }
extern "C" long long rt_km_fixed(float v, double scale) { return km_fixed(v, scale); }
extern "C" float rt_km_fixed_value(long long s, int q) { return km_fixed_value(s, q); }
extern "C" double rt_km_margin(int d, double yn, double cn) { return km_margin(d, yn, cn); }
extern "C" void rt_km_fold(const float* v, int n, float* m1, int* i1, float* m2) {
    KmTriple t = km_triple_empty();
    for (int i = 0; i < n; i++) {
        km_fold(t, v[i], i);
    }
    *m1 = t.m1;
    *i1 = t.i1;
    *m2 = t.m2;
}
extern "C" void rt_km_merge(float am1, int ai1, float am2, float bm1, int bi1, float bm2, float* m1, int* i1, float* m2) {
    KmTriple a, b;
    a.m1 = am1;
    a.i1 = ai1;
    a.m2 = am2;
    b.m1 = bm1;
    b.i1 = bi1;
    b.m2 = bm2;
    KmTriple r = km_merge(a, b);
    *m1 = r.m1;
    *i1 = r.i1;
    *m2 = r.m2;
}
extern "C" float rt_km_f32_up(double x) { return km_f32_up(x); }

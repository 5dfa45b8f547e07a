//go:build cgo

// Host emulation of the selection launches (qk_scores_gG, crit_stats,
// crit_vote, topk_radix, page_meta, page_scores_gG; the kmeans kernels in
// bridge_kmeans.cpp) from the planners' parameter words, with the kernels' header functions; lane shuffles and
// block reductions are replaced by their plain meaning.
#include "fpcontract.h"
#include "../attn_common.cuh"
#include "../crit_math.cuh"
#include "../topk_radix.cuh"
#include "bridge.h"

#include <vector>

static float ldf(int dt, const void* base, i64 i) {
    if (dt == ROTOR_F32) {
        return static_cast<const float*>(base)[i];
    }
    u16 h = static_cast<const u16*>(base)[i];
    return dt == ROTOR_BF16 ? bf16_to_f32(h) : f16_to_f32(h);
}

static float fw(u64 w) {
    float f;
    memcpy(&f, &w, 4);
    return f;
}

static void scores_block(int dt, int D, int G, const u64* w, int bx, int by) {
    const void *q = (const void*)w[0], *k = (const void*)w[1];
    float* out = (float*)w[2];
    const i32* idx = (const i32*)w[3];
    i64 q_row = (i64)w[4], k_row = (i64)w[5], out_row = (i64)w[6], idx_stride = (i64)w[7];
    i32 Hq = (i32)w[8], Hk = (i32)w[9], S = (i32)w[10], N = (i32)w[11], start = (i32)w[12], gchunks = (i32)w[13];
    float scale = fw(w[14]);
    int hk = by / gchunks, gc = by % gchunks, g = Hq / Hk, h0 = hk * g + gc * G, nh = G < g - gc * G ? G : g - gc * G;
    for (int n = bx * 256; n < bx * 256 + 256 && n < N; n++) {
        i32 s = idx ? idx[(i64)n * idx_stride] : start + n;
        s = (s >= 0 && s < S) ? s : -1;
        for (int h = 0; h < nh; h++) {
            float d = 0.0f;
            for (int j = 0; j < D && s >= 0; j++) {
                d = fmaf(ldf(dt, q, (i64)(h0 + h) * q_row + j), ldf(dt, k, (i64)s * k_row + (i64)hk * D + j), d);
            }
            out[(i64)(h0 + h) * out_row + n] = s >= 0 ? d * scale : neg_inf_f32();
        }
    }
}

static void page_scores_block(int dt, int D, int G, const u64* w, int bx, int by) {
    const void* q = (const void*)w[0];
    const float *mn = (const float*)w[1], *mx = (const float*)w[2];
    float* out = (float*)w[3];
    i64 q_row = (i64)w[4], mn_row = (i64)w[5], mx_row = (i64)w[6], out_row = (i64)w[7];
    i32 Hq = (i32)w[8], Hk = (i32)w[9], pages = (i32)w[10], gchunks = (i32)w[11];
    float scale = fw(w[12]);
    int hk = by / gchunks, gc = by % gchunks, g = Hq / Hk, h0 = hk * g + gc * G, nh = G < g - gc * G ? G : g - gc * G;
    for (int p = bx * 256; p < bx * 256 + 256 && p < pages; p++) {
        for (int h = 0; h < nh; h++) {
            float s = 0.0f;
            for (int j = 0; j < D; j++) {
                float x = ldf(dt, q, (i64)(h0 + h) * q_row + j);
                s += max_go(x * mn[(i64)p * mn_row + (i64)hk * D + j], x * mx[(i64)p * mx_row + (i64)hk * D + j]);
            }
            out[(i64)(h0 + h) * out_row + p] = s * scale;
        }
    }
}

static void page_meta_block(int dt, int D, const u64* w, int bx, int hk) {
    const void* k = (const void*)w[0];
    float *mn = (float*)w[1], *mx = (float*)w[2];
    i64 k_row = (i64)w[3], mn_row = (i64)w[4], mx_row = (i64)w[5];
    i32 P = (i32)w[6], p0 = (i32)w[7], to = (i32)w[8];
    int p = p0 + bx, first = p * P, end = first + P < to ? first + P : to;
    for (int d = 0; d < D; d++) {
        float lo = ldf(dt, k, (i64)first * k_row + (i64)hk * D + d), hi = lo;
        for (int s = first + 1; s < end; s++) {
            float x = ldf(dt, k, (i64)s * k_row + (i64)hk * D + d);
            lo = min_go(lo, x);
            hi = max_go(hi, x);
        }
        mn[(i64)p * mn_row + (i64)hk * D + d] = lo;
        mx[(i64)p * mx_row + (i64)hk * D + d] = hi;
    }
}

static void crit_stats_block(const u64* w, int c, int h) {
    const float* scores = (const float*)w[0];
    float* stats = (float*)w[1];
    i64 s_row = (i64)w[2], s_stride = (i64)w[3];
    i32 N = (i32)w[4], chunk = (i32)w[5], chunks = (i32)w[6];
    const float* row = scores + (i64)h * s_row;
    int lo = c * chunk, hi = lo + chunk < N ? lo + chunk : N;
    float m = neg_inf_f32();
    for (int n = lo; n < hi; n++) {
        float x = row[(i64)n * s_stride];
        if (x > m) {
            m = x;
        }
    }
    float l = 0.0f, ninf = 0.0f;
    for (int n = lo; n < hi; n++) {
        float x = row[(i64)n * s_stride];
        l += crit_term(x, m);
        ninf += crit_is_posinf(x) ? 1.0f : 0.0f;
    }
    float* st = stats + ((i64)h * chunks + c) * 3;
    st[0] = m;
    st[1] = l;
    st[2] = ninf;
}

static void crit_vote_all(const u64* w) {
    const float *scores = (const float*)w[0], *stats = (const float*)w[1];
    float* out = (float*)w[2];
    i64 s_row = (i64)w[3], s_stride = (i64)w[4], out_stride = (i64)w[5];
    i32 Hq = (i32)w[6], N = (i32)w[7], chunks = (i32)w[8];
    std::vector<float> M(Hq), inv(Hq);
    for (int h = 0; h < Hq; h++) {
        crit_head_weight(stats + (i64)h * chunks * 3, chunks, &M[h], &inv[h]);
    }
    for (int n = 0; n < N; n++) {
        float sum = 0.0f;
        for (int h = 0; h < Hq; h++) {
            sum += crit_weight(scores[(i64)h * s_row + (i64)n * s_stride], M[h], inv[h]);
        }
        out[(i64)n * out_stride] = sum;
    }
}

static void topk_block(const u64* w, int r) {
    const float* scores = (const float*)w[0];
    i32* out = (i32*)w[1];
    const i32* map = (const i32*)w[2];
    i64 s_row = (i64)w[3], out_row = (i64)w[4], map_stride = (i64)w[5];
    i32 N = (i32)w[6], K = (i32)w[7];
    std::vector<i32> m;
    if (map) {
        m.resize(N);
        for (int n = 0; n < N; n++) {
            m[n] = map[(i64)n * map_stride];
        }
    }
    rt_topk_row(scores + (i64)r * s_row, N, K, map ? m.data() : 0, out + (i64)r * out_row);
}

extern "C" int rt_select_launch(const char* kernel, int dt, int D, const unsigned long long* w, int gx, int gy) {
    if (strncmp(kernel, "kmeans_", 7) == 0) {
        return rt_kmeans_launch(kernel, dt, w, gx, gy);
    }
    if (strncmp(kernel, "qk_scores_g", 11) == 0 || strncmp(kernel, "page_scores_g", 13) == 0) {
        bool qk = kernel[0] == 'q';
        int G = atoi(kernel + (qk ? 11 : 13));
        for (int y = 0; y < gy; y++) {
            for (int x = 0; x < gx; x++) {
                if (qk) {
                    scores_block(dt, D, G, w, x, y);
                } else {
                    page_scores_block(dt, D, G, w, x, y);
                }
            }
        }
        return 0;
    }
    if (strcmp(kernel, "page_meta") == 0) {
        for (int y = 0; y < gy; y++) {
            for (int x = 0; x < gx; x++) {
                page_meta_block(dt, D, w, x, y);
            }
        }
        return 0;
    }
    if (strcmp(kernel, "crit_stats") == 0) {
        for (int y = 0; y < gy; y++) {
            for (int x = 0; x < gx; x++) {
                crit_stats_block(w, x, y);
            }
        }
        return 0;
    }
    if (strcmp(kernel, "crit_vote") == 0) {
        crit_vote_all(w);
        return 0;
    }
    if (strcmp(kernel, "topk_radix") == 0) {
        for (int x = 0; x < gx; x++) {
            topk_block(w, x);
        }
        return 0;
    }
    return -1;
}

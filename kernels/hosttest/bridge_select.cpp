//go:build cgo

// Host entry points for the attention softmax and merges, the soft vote,
// the top-k radix logic and the Quest min/max, built from the kernels'
// own header functions and following the kernels' order of operations.
#include "fpcontract.h"
#include "../attn_common.cuh"
#include "../crit_math.cuh"
#include "../topk_radix.cuh"
#include "bridge.h"

#include <vector>

// One attention row as attn_decode computes it: the n keys are dealt to
// `parts` lane groups round-robin in steps of `step` keys (each group's
// keys in order), every group folds its keys with soft_add, the groups
// are merged with soft_merge, and soft_finish applies the sink. masked[i]
// != 0 masks key i.
extern "C" void rt_attn_row(const float* dots, const float* vals, const int* masked, int n, int dv, float scale, float softcap,
                            float sink, int parts, int step, float* out, float* lse) {
    std::vector<SoftState> st(parts, soft_empty());
    std::vector<float> acc((size_t)parts * dv, 0.0f);
    for (int base = 0; base < n; base += parts * step) {
        for (int g = 0; g < parts; g++) {
            for (int u = 0; u < step; u++) {
                int i = base + g * step + u;
                if (i >= n) {
                    continue;
                }
                float x2 = masked[i] ? neg_inf_f32() : attn_logit2(dots[i], scale, softcap);
                float alpha;
                float p = soft_add(st[g], x2, &alpha);
                for (int d = 0; d < dv; d++) { // a masked key's value is not loaded: 0, as in attn_decode
                    float v = masked[i] ? 0.0f : vals[(size_t)i * dv + d];
                    acc[(size_t)g * dv + d] = fmaf(p, v, acc[(size_t)g * dv + d] * alpha);
                }
            }
        }
    }
    SoftState s = soft_empty();
    std::vector<float> res(dv, 0.0f);
    for (int g = 0; g < parts; g++) {
        float wa, wb;
        soft_merge(s, st[g], &wa, &wb);
        for (int d = 0; d < dv; d++) { // an empty part's acc is 0; any other counts (0·NaN is NaN)
            res[d] = fmaf(wb, acc[(size_t)g * dv + d], res[d] * wa);
        }
    }
    float sc;
    const bool keys = soft_finish(s, sink, &sc, lse);
    for (int d = 0; d < dv; d++) {
        out[d] = soft_out(keys, res[d], sc);
    }
}

extern "C" float rt_lse_merge(float l1, float l2, float* w1, float* w2) { return lse_merge(l1, l2, w1, w2); }

// The soft vote as crit_stats and crit_vote compute it, with the N
// candidates of each of the Hq heads cut into `chunks` chunks.
extern "C" void rt_crit(const float* s, int Hq, int N, int chunks, float* out) {
    int chunk = (N + chunks - 1) / chunks;
    std::vector<float> stats((size_t)Hq * chunks * 3);
    for (int h = 0; h < Hq; h++) {
        for (int c = 0; c < chunks; c++) {
            int lo = c * chunk, hi = lo + chunk < N ? lo + chunk : N;
            float m = neg_inf_f32();
            for (int n = lo; n < hi; n++) {
                float x = s[(size_t)h * N + n];
                if (x > m) {
                    m = x;
                }
            }
            float l = 0.0f, ninf = 0.0f;
            for (int n = lo; n < hi; n++) {
                float x = s[(size_t)h * N + n];
                l += crit_term(x, m);
                ninf += crit_is_posinf(x) ? 1.0f : 0.0f;
            }
            float* st = &stats[((size_t)h * chunks + c) * 3];
            st[0] = m;
            st[1] = l;
            st[2] = ninf;
        }
    }
    std::vector<float> M(Hq), inv(Hq);
    for (int h = 0; h < Hq; h++) {
        crit_head_weight(&stats[(size_t)h * chunks * 3], chunks, &M[h], &inv[h]);
    }
    for (int n = 0; n < N; n++) {
        float sum = 0.0f;
        for (int h = 0; h < Hq; h++) {
            sum += crit_weight(s[(size_t)h * N + n], M[h], inv[h]);
        }
        out[n] = sum;
    }
}

// One row of topk_radix, run sequentially: the count, the four histogram
// passes and the column-order emission, with the kernel's functions.
extern "C" void rt_topk_row(const float* s, int N, int K, const int* map, int* out) {
    int valid = 0;
    for (int n = 0; n < N; n++) {
        valid += topk_key(s[n]) != 0 ? 1 : 0;
    }
    int k = K < valid ? K : valid;
    u32 T = 1;
    i32 need = k;
    if (k > 0 && k < valid) {
        u32 prefix = 0, mask = 0;
        i32 kk = k;
        for (int pass = 0; pass < TOPK_PASSES; pass++) {
            i32 hist[TOPK_BINS] = {0};
            for (int n = 0; n < N; n++) {
                u32 key = topk_key(s[n]);
                if (key != 0 && topk_match(key, prefix, mask)) {
                    hist[topk_digit(key, pass)]++;
                }
            }
            u32 d = topk_pick(hist, &kk);
            topk_extend(pass, d, &prefix, &mask);
        }
        T = prefix;
        need = kk;
    }
    int o = 0, eq = 0;
    for (int n = 0; n < N && o < k; n++) {
        u32 key = topk_key(s[n]);
        if (key != 0 && topk_take(key, T, eq, need)) {
            out[o++] = map ? map[n] : n;
        }
        if (key != 0 && key == T) {
            eq++;
        }
    }
    for (int i = k; i < K; i++) {
        out[i] = -1;
    }
}

extern "C" void rt_minmax_go(const float* a, const float* b, int n, float* mn, float* mx) {
    for (int i = 0; i < n; i++) {
        mn[i] = min_go(a[i], b[i]);
        mx[i] = max_go(a[i], b[i]);
    }
}

// In-kernel RoPE positions: query position of token t (row of n valid
// entries) and the key position for (rank, kpos).
extern "C" void rt_rope_positions(int sel, int keypos, int cap, int query_pos, int Tq, const int* qpos, int t, int n, int rank,
                                  int kpos, int* qp, int* kp) {
    AttnArgs a = {};
    a.sel = sel;
    a.keypos = keypos;
    a.cap = cap;
    a.query_pos = query_pos;
    a.Tq = Tq;
    a.qpos = qpos;
    a.qpos_stride = 1;
    *qp = rope_query_pos(a, t, n);
    *kp = rope_key_pos(a, rank, kpos, *qp);
}

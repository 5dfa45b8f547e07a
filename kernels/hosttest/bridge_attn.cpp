//go:build cgo

// Host emulation of the attention kernels, driven by the launch words the
// planners produce: every block of attn_decode_gG, attn_prefill,
// attn_split_merge and sel_rank_counts is run sequentially with the
// kernels' header functions (selection addressing, causal and document
// masks, log-n scales, in-kernel RoPE positions and rotation, Dual Chunk
// Attention's classes and passes, logits, online softmax, merges,
// finishing). The
// GPU-only parts — lane shuffles, shared-memory staging, the ballot
// prefix of ranks, mma.sync — are replaced by their plain meaning (a full
// dot product, a direct count, an fp32 product); the prefill's rounding
// of P to the input dtype before P·V is kept.
#include "fpcontract.h"
#include "../attn_common.cuh"
#include "../rope_math.cuh"
#include "bridge.h"

#include <vector>

static float ld(int dt, const void* base, i64 i) {
    if (dt == ROTOR_F32) {
        return static_cast<const float*>(base)[i];
    }
    u16 h = static_cast<const u16*>(base)[i];
    return dt == ROTOR_BF16 ? bf16_to_f32(h) : f16_to_f32(h);
}

static void st(int dt, void* base, i64 i, float x) {
    if (dt == ROTOR_F32) {
        static_cast<float*>(base)[i] = x;
    } else {
        static_cast<u16*>(base)[i] = dt == ROTOR_BF16 ? bf16_from_f32(x) : f16_from_f32(x);
    }
}

static float round_to(int dt, float x) {
    if (dt == ROTOR_BF16) {
        return bf16_to_f32(bf16_from_f32(x));
    }
    if (dt == ROTOR_F16) {
        return f16_to_f32(f16_from_f32(x));
    }
    return x;
}

static const void* P(u64 w) { return (const void*)w; }

// In-kernel RoPE of a whole head (rope_lane's meaning).
static void rope_head(float* x, i32 pos, const AttnArgs& a) {
    for (int j = 0; j < a.rope_half; j++) {
        int ia = a.rope_layout == ROTOR_GPTJ ? 2 * j : j;
        int ib = a.rope_layout == ROTOR_GPTJ ? 2 * j + 1 : j + a.rope_half;
        float c, s;
        if (a.rope_angles == ROTOR_ACCURATE) {
            rope_cos_sin<ROTOR_ACCURATE>(a.inv_freq, j, pos, a.rope_attn, &c, &s);
        } else {
            rope_cos_sin<ROTOR_COMPAT>(a.inv_freq, j, pos, a.rope_attn, &c, &s);
        }
        rotate_pair(x[ia], x[ib], c, s, &x[ia], &x[ib]);
    }
}

static AttnArgs decode_args(const u64* w) {
    AttnArgs a = {};
    a.q = P(w[0]);
    a.k = P(w[1]);
    a.v = P(w[2]);
    a.o = (void*)w[3];
    a.lse = (float*)w[4];
    a.part = (float*)w[5];
    a.idx = (const i32*)w[6];
    a.qpos = (const i32*)w[7];
    a.kpos = (const i32*)w[8];
    a.sinks = (const float*)w[9];
    a.counts = (const i32*)w[10];
    a.inv_freq = P(w[11]);
    a.q_row = (i64)w[12];
    a.k_row = (i64)w[13];
    a.v_row = (i64)w[14];
    a.o_row = (i64)w[15];
    a.lse_row = (i64)w[16];
    a.idx_tok = (i64)w[17];
    a.idx_head = (i64)w[18];
    a.qpos_stride = (i64)w[19];
    a.kpos_stride = (i64)w[20];
    a.sink_stride = (i64)w[21];
    a.Tq = (i32)w[22];
    a.Hq = (i32)w[23];
    a.Hk = (i32)w[24];
    a.S = (i32)w[25];
    a.W = (i32)w[26];
    a.start = (i32)w[27];
    a.sel = (i32)w[28];
    a.splits = (i32)w[29];
    a.chunk = (i32)w[30];
    a.gchunks = (i32)w[31];
    memcpy(&a.scale, &w[32], 4);
    memcpy(&a.softcap, &w[33], 4);
    memcpy(&a.rope_attn, &w[34], 8);
    a.rope_half = (i32)w[35];
    a.rope_layout = (i32)w[36];
    a.rope_angles = (i32)w[37];
    a.keypos = (i32)w[38];
    a.cap = (i32)w[39];
    a.query_pos = (i32)w[40];
    a.qdoc = (const i32*)w[41];
    a.kdoc = (const i32*)w[42];
    a.qdoc_stride = (i64)w[43];
    a.kdoc_stride = (i64)w[44];
    a.logn = (i32)w[45];
    a.chunk_len = (i32)w[46];
    a.chunk_size = (i32)w[47];
    return a;
}

// One block (t, y, z) of attn_decode_gG: z is the split, or with Dual
// Chunk Attention 3·split + chunk class.
static void decode_block(int dt, int G, int D, int DV, bool keyrope, const AttnArgs& a, int z, int y, int t) {
    const bool dca = keyrope && a.keypos == ROTOR_KEYPOS_DUALCHUNK;
    const int split = dca ? z / 3 : z, pass = dca ? z % 3 : 0;
    const int hk = y / a.gchunks, gc = y % a.gchunks, g = a.Hq / a.Hk;
    const int h0 = hk * g + gc * G, nh = G < g - gc * G ? G : g - gc * G;
    const i32* row = sel_row(a, t, hk);
    const int lo = split * a.chunk, hi = lo + a.chunk < a.W ? lo + a.chunk : a.W;
    const bool causal = a.qpos != 0;
    const i32 qp_mask = causal ? a.qpos[(i64)t * a.qpos_stride] : 0;
    i32 before = lo, total = a.W, qp = 0;
    if (keyrope) {
        if (a.keypos == ROTOR_KEYPOS_RANK && row) {
            const i32* cnt = a.counts + (i64)sel_count_row(a, t, hk) * a.splits;
            before = total = 0;
            for (int s = 0; s < a.splits; s++) {
                before += s < split ? cnt[s] : 0;
                total += cnt[s];
            }
        }
        qp = rope_query_pos(a, t, total);
    }
    const bool docs = a.qdoc != 0;
    const i32 qd = docs ? a.qdoc[(i64)t * a.qdoc_stride] : 0;
    const float scale = logn_scale(a.scale, qp_mask, a.logn);
    std::vector<float> q((size_t)nh * D), k(D), v(DV), acc((size_t)nh * DV, 0.0f);
    std::vector<SoftState> sts(nh, soft_empty());
    for (int h = 0; h < nh; h++) {
        for (int d = 0; d < D; d++) {
            q[(size_t)h * D + d] = ld(dt, a.q, (i64)t * a.q_row + (i64)(h0 + h) * D + d);
        }
        if (keyrope) {
            rope_head(&q[(size_t)h * D], dca ? dca_query_pos(a, qp, pass) : qp, a);
        }
    }
    i32 rank = before;
    for (int e = lo; e < hi; e++) {
        i32 slot = sel_slot(a, row, e);
        i32 kp = (causal && slot >= 0) ? a.kpos[(i64)slot * a.kpos_stride] : 0;
        bool staged = slot >= 0 && (!docs || doc_visible(a.kdoc[(i64)slot * a.kdoc_stride], qd)) &&
                      (!dca || dca_class(a, qp, kp) == pass);
        bool ok = staged && (!causal || kp <= qp_mask);
        if (ok) {
            for (int d = 0; d < D; d++) {
                k[d] = ld(dt, a.k, (i64)slot * a.k_row + (i64)hk * D + d);
            }
            for (int d = 0; d < DV; d++) {
                v[d] = ld(dt, a.v, (i64)slot * a.v_row + (i64)hk * DV + d);
            }
            if (keyrope) {
                rope_head(k.data(), rope_key_pos(a, rank, kp, qp), a);
            }
        }
        for (int h = 0; h < nh; h++) {
            float dot = 0.0f;
            for (int d = 0; d < D && ok; d++) {
                dot = fmaf(q[(size_t)h * D + d], k[d], dot);
            }
            float x2 = ok ? attn_logit2(dot, scale, a.softcap) : neg_inf_f32();
            float alpha;
            float p = soft_add(sts[h], x2, &alpha);
            for (int d = 0; d < DV; d++) {
                float* ac = &acc[(size_t)h * DV + d];
                *ac = fmaf(p, ok ? v[d] : 0.0f, *ac * alpha);
            }
        }
        rank += slot >= 0 ? 1 : 0;
    }
    for (int h = 0; h < nh; h++) {
        int hq = h0 + h;
        if (a.splits == 1) {
            float sink = a.sinks ? a.sinks[(i64)hq * a.sink_stride] : neg_inf_f32();
            float scale, lse;
            const bool keys = soft_finish(sts[h], sink, &scale, &lse);
            for (int d = 0; d < DV; d++) {
                st(dt, a.o, (i64)t * a.o_row + (i64)hq * DV + d, soft_out(keys, acc[(size_t)h * DV + d], scale));
            }
            if (a.lse) {
                a.lse[(i64)t * a.lse_row + hq] = lse;
            }
        } else {
            float* p = a.part + (((i64)t * a.Hq + hq) * a.splits + z) * (2 + DV);
            p[0] = sts[h].m;
            p[1] = sts[h].l;
            for (int d = 0; d < DV; d++) {
                p[2 + d] = acc[(size_t)h * DV + d];
            }
        }
    }
}

static void split_merge(int dt, const u64* w, int row) {
    const float* part = (const float*)w[0];
    void* o = (void*)w[1];
    float* lse = (float*)w[2];
    const float* sinks = (const float*)w[3];
    i64 o_row = (i64)w[4], lse_row = (i64)w[5], sink_stride = (i64)w[6];
    i32 Hq = (i32)w[8], D = (i32)w[9], splits = (i32)w[10];
    int t = row / Hq, h = row % Hq;
    const float* p = part + (i64)row * splits * (2 + D);
    SoftState s = soft_empty();
    for (int i = 0; i < splits; i++) {
        SoftState b;
        b.m = p[(i64)i * (2 + D)];
        b.l = p[(i64)i * (2 + D) + 1];
        float wa, wb;
        soft_merge(s, b, &wa, &wb);
    }
    std::vector<float> wgt(splits);
    for (int i = 0; i < splits; i++) {
        float m = p[(i64)i * (2 + D)];
        wgt[i] = (m == neg_inf_f32() || s.m == neg_inf_f32()) ? 0.0f : exp2_f32(m - s.m);
    }
    float sink = sinks ? sinks[(i64)h * sink_stride] : neg_inf_f32();
    float scale, l;
    const bool keys = soft_finish(s, sink, &scale, &l);
    if (lse) {
        lse[(i64)t * lse_row + h] = l;
    }
    for (int d = 0; d < D; d++) {
        float x = 0.0f;
        for (int i = 0; i < splits; i++) {
            x = fmaf(wgt[i], p[(i64)i * (2 + D) + 2 + d], x);
        }
        st(dt, o, (i64)t * o_row + (i64)h * D + d, soft_out(keys, x, scale));
    }
}

static void rank_counts(const u64* w, int s, int r) {
    const i32* idx = (const i32*)w[0];
    i32* counts = (i32*)w[1];
    i64 idx_tok = (i64)w[2], idx_head = (i64)w[3];
    i32 nhead = (i32)w[4], W = (i32)w[5], S = (i32)w[6], splits = (i32)w[7], chunk = (i32)w[8];
    const i32* row = idx + (i64)(r / nhead) * idx_tok + (i64)(r % nhead) * idx_head;
    int lo = s * chunk, hi = lo + chunk < W ? lo + chunk : W;
    i32 n = 0;
    for (int e = lo; e < hi; e++) {
        n += (row[e] >= 0 && row[e] < S) ? 1 : 0;
    }
    counts[(i64)r * splits + s] = n;
}

// One block (bm, hk) of attn_prefill, rows bm*64 … +63, keys BN at a time.
static void prefill_block(int dt, int D, int DV, int BN, const u64* w, int bm, int hk) {
    AttnArgs a = {};
    a.idx = (const i32*)w[5];
    a.idx_head = (i64)w[14];
    a.S = (i32)w[21];
    a.W = (i32)w[22];
    a.start = (i32)w[23];
    a.sel = (i32)w[24];
    const void *q = P(w[0]), *k = P(w[1]), *v = P(w[2]);
    void* o = (void*)w[3];
    float* lse = (float*)w[4];
    const i32 *qpos = (const i32*)w[6], *kpos = (const i32*)w[7];
    const float* sinks = (const float*)w[8];
    i64 q_row = (i64)w[9], k_row = (i64)w[10], v_row = (i64)w[11], o_row = (i64)w[12], lse_row = (i64)w[13];
    i64 qpos_stride = (i64)w[15], kpos_stride = (i64)w[16], sink_stride = (i64)w[17];
    i32 Tq = (i32)w[18], Hq = (i32)w[19], Hk = (i32)w[20];
    float scale0, softcap;
    memcpy(&scale0, &w[25], 4);
    memcpy(&softcap, &w[26], 4);
    const i32 *qdoc = (const i32*)w[27], *kdoc = (const i32*)w[28];
    i64 qdoc_stride = (i64)w[29], kdoc_stride = (i64)w[30];
    i32 logn = (i32)w[31];
    const int g = Hq / Hk, rows = Tq * g;
    const i32* row = sel_row(a, 0, hk);
    const bool causal = qpos != 0;
    for (int r = bm * 64; r < bm * 64 + 64 && r < rows; r++) {
        int t = r / g, h = hk * g + r % g;
        i32 qp = causal ? qpos[(i64)t * qpos_stride] : 0;
        i32 qd = qdoc ? qdoc[(i64)t * qdoc_stride] : 0;
        float scale = logn_scale(scale0, qp, logn);
        SoftState s = soft_empty();
        std::vector<float> acc(DV, 0.0f), x(BN);
        for (int base = 0; base < a.W; base += BN) {
            float mx = neg_inf_f32();
            std::vector<i32> slots(BN);
            for (int e = 0; e < BN; e++) {
                i32 slot = base + e < a.W ? sel_slot(a, row, base + e) : -1;
                slots[e] = slot;
                bool ok = slot >= 0 && (!causal || kpos[(i64)slot * kpos_stride] <= qp) &&
                          (!qdoc || doc_visible(kdoc[(i64)slot * kdoc_stride], qd));
                float dot = 0.0f;
                for (int d = 0; d < D && ok; d++) {
                    dot = fmaf(ld(dt, q, (i64)t * q_row + (i64)h * D + d), ld(dt, k, (i64)slot * k_row + (i64)hk * D + d), dot);
                }
                x[e] = ok ? attn_logit2(dot, scale, softcap) : neg_inf_f32();
                mx = soft_max(mx, x[e]);
            }
            float al = soft_raise(s, mx);
            for (int d = 0; d < DV; d++) {
                acc[d] *= al;
            }
            for (int e = 0; e < BN; e++) {
                float p = x[e] == neg_inf_f32() ? 0.0f : exp2_f32(x[e] - s.m);
                s.l += p;
                float pr = round_to(dt, p);
                for (int d = 0; d < DV && slots[e] >= 0; d++) {
                    acc[d] += pr * ld(dt, v, (i64)slots[e] * v_row + (i64)hk * DV + d);
                }
            }
        }
        float sink = sinks ? sinks[(i64)h * sink_stride] : neg_inf_f32();
        float osc, l;
        const bool keys = soft_finish(s, sink, &osc, &l);
        for (int d = 0; d < DV; d++) {
            st(dt, o, (i64)t * o_row + (i64)h * DV + d, soft_out(keys, acc[d], osc));
        }
        if (lse) {
            lse[(i64)t * lse_row + h] = l;
        }
    }
}

extern "C" int rt_attn_launch(const char* kernel, int dt, int D, int DV, int keyrope, int tile_n, const unsigned long long* w,
                              int gx, int gy, int gz) {
    if (strncmp(kernel, "attn_decode_g", 13) == 0) {
        int G = atoi(kernel + 13);
        AttnArgs a = decode_args(w);
        for (int z = 0; z < gz; z++) {
            for (int y = 0; y < gy; y++) {
                for (int x = 0; x < gx; x++) {
                    decode_block(dt, G, D, DV, keyrope != 0, a, z, y, x);
                }
            }
        }
        return 0;
    }
    if (strcmp(kernel, "attn_split_merge") == 0) {
        for (int x = 0; x < gx; x++) {
            split_merge(dt, w, x);
        }
        return 0;
    }
    if (strcmp(kernel, "sel_rank_counts") == 0) {
        for (int y = 0; y < gy; y++) {
            for (int x = 0; x < gx; x++) {
                rank_counts(w, y, x);
            }
        }
        return 0;
    }
    if (strcmp(kernel, "attn_prefill") == 0) {
        for (int y = 0; y < gy; y++) {
            for (int x = 0; x < gx; x++) {
                prefill_block(dt, D, DV, tile_n, w, x, y);
            }
        }
        return 0;
    }
    return -1;
}

// crit_math.cuh: the per-score arithmetic of the soft vote (criticality.cu),
// shared with the host tests.
#pragma once
#include "softmax.cuh"

ROTOR_HD bool crit_is_posinf(float x) { return f32_bits(x) == 0x7f800000u; }

// crit_term is e^(x−m) for a non-NaN score when the head maximum m is
// finite, else 0.
ROTOR_HD float crit_term(float x, float m) {
    if (x != x || m == neg_inf_f32() || crit_is_posinf(m) || x == neg_inf_f32()) {
        return 0.0f;
    }
    return exp2_f32((x - m) * ROTOR_LOG2E);
}

// crit_head_weight merges one head's chunk statistics (m, l, ninf)×chunks
// into its maximum *M and weight scale *inv (0: the head adds nothing).
ROTOR_HD void crit_head_weight(const float* st, int chunks, float* M, float* inv) {
    float m = neg_inf_f32(), ninf = 0.0f;
    for (int c = 0; c < chunks; c++) {
        float x = st[3 * c];
        m = x > m ? x : m;
        ninf += st[3 * c + 2];
    }
    *M = m;
    if (m == neg_inf_f32()) {
        *inv = 0.0f;
        return;
    }
    if (crit_is_posinf(m)) {
        *inv = 1.0f / ninf;
        return;
    }
    float l = 0.0f;
    for (int c = 0; c < chunks; c++) {
        float mc = st[3 * c];
        if (mc != neg_inf_f32()) {
            l += st[3 * c + 1] * exp2_f32((mc - m) * ROTOR_LOG2E);
        }
    }
    *inv = 1.0f / l;
}

// crit_weight is score x's share of its head's weight.
ROTOR_HD float crit_weight(float x, float M, float inv) {
    if (inv == 0.0f) {
        return 0.0f;
    }
    if (crit_is_posinf(M)) {
        return crit_is_posinf(x) ? inv : 0.0f;
    }
    return crit_term(x, M) * inv;
}

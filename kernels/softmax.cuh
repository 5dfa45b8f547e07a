// softmax.cuh: online softmax in base-2 units, state merges and the final
// normalisation with attention sinks, shared by every attention kernel and
// by the host tests.
//
// A state (m, l) summarises logits x_i (natural units) as
// m = max_i x_i·log2(e) and l = Σ_i 2^(x_i·log2(e) − m); an accumulator
// acc = Σ_i 2^(x_i·log2(e) − m)·v_i goes with it. The empty state is
// (−Inf, 0) with acc = 0.
#pragma once
#include "rotor_types.cuh"

#define ROTOR_LOG2E 1.4426950408889634f
#define ROTOR_LN2 0.69314718055994531f

ROTOR_HD float neg_inf_f32() { return f32_from_bits(0xff800000u); }

ROTOR_HD float exp2_f32(float x) { return exp2f(x); }

ROTOR_HD float log2_f32(float x) { return log2f(x); }

struct SoftState {
    float m; // running maximum, base-2 units
    float l; // Σ 2^(x − m)
};

ROTOR_HD SoftState soft_empty() {
    SoftState s;
    s.m = neg_inf_f32();
    s.l = 0.0f;
    return s;
}

// attn_logit2 maps q·k to a base-2 logit: scale, then the logit soft-cap
// cap·tanh(x/cap) when cap > 0, then ·log2(e).
ROTOR_HD float attn_logit2(float dot, float scale, float softcap) {
    float x = dot * scale;
    if (softcap > 0.0f) {
        x = softcap * tanhf(x / softcap);
    }
    return x * ROTOR_LOG2E;
}

// soft_add folds one base-2 logit x2 (−Inf for a masked key) into s and
// returns the weight p of the new key; *alpha receives the factor by which
// the accumulator must be scaled before p·v is added.
ROTOR_HD float soft_add(SoftState& s, float x2, float* alpha) {
    if (x2 == neg_inf_f32()) {
        *alpha = 1.0f;
        return 0.0f;
    }
    if (x2 > s.m) {
        *alpha = s.m == neg_inf_f32() ? 0.0f : exp2_f32(s.m - x2);
        s.l *= *alpha;
        s.m = x2;
    } else {
        *alpha = 1.0f;
    }
    float p = exp2_f32(x2 - s.m);
    s.l += p;
    return p;
}

// soft_merge merges b into a; *wa and *wb receive the factors for a's and
// b's accumulators (acc = wa·acc_a + wb·acc_b).
ROTOR_HD void soft_merge(SoftState& a, SoftState b, float* wa, float* wb) {
    float m = a.m > b.m ? a.m : b.m;
    if (m == neg_inf_f32()) {
        *wa = 0.0f;
        *wb = 0.0f;
        a = soft_empty();
        return;
    }
    *wa = a.m == neg_inf_f32() ? 0.0f : exp2_f32(a.m - m);
    *wb = b.m == neg_inf_f32() ? 0.0f : exp2_f32(b.m - m);
    a.l = a.l * *wa + b.l * *wb;
    a.m = m;
}

// soft_finish closes a state: the sink logit (natural units; −Inf = none)
// joins the denominator. *scale receives the factor mapping the
// accumulator to the output (0 for an empty result) and *lse the
// natural-log log-sum-exp (−Inf for an empty result).
ROTOR_HD void soft_finish(SoftState s, float sink, float* scale, float* lse) {
    if (sink != neg_inf_f32()) {
        SoftState k;
        k.m = sink * ROTOR_LOG2E;
        k.l = 1.0f;
        float wa, wb;
        soft_merge(s, k, &wa, &wb);
        if (s.m == neg_inf_f32() || s.l == 0.0f) {
            *scale = 0.0f;
            *lse = neg_inf_f32();
            return;
        }
        *scale = wa / s.l;
        *lse = (s.m + log2_f32(s.l)) * ROTOR_LN2;
        return;
    }
    if (s.m == neg_inf_f32() || s.l == 0.0f) {
        *scale = 0.0f;
        *lse = neg_inf_f32();
        return;
    }
    *scale = 1.0f / s.l;
    *lse = (s.m + log2_f32(s.l)) * ROTOR_LN2;
}

// lse_merge combines two natural-log LSEs of disjoint key sets: *w1 and
// *w2 receive the weights of the two normalised outputs (w1 + w2 = 1) and
// the function returns the merged LSE. Two empty sets give −Inf, 0, 0.
ROTOR_HD float lse_merge(float lse1, float lse2, float* w1, float* w2) {
    float m = lse1 > lse2 ? lse1 : lse2;
    if (m == neg_inf_f32()) {
        *w1 = 0.0f;
        *w2 = 0.0f;
        return m;
    }
    float e1 = lse1 == neg_inf_f32() ? 0.0f : exp2_f32((lse1 - m) * ROTOR_LOG2E);
    float e2 = lse2 == neg_inf_f32() ? 0.0f : exp2_f32((lse2 - m) * ROTOR_LOG2E);
    float sum = e1 + e2;
    *w1 = e1 / sum;
    *w2 = e2 / sum;
    return m + log2_f32(sum) * ROTOR_LN2;
}

// softmax.cuh: online softmax in base-2 units, state merges and the final
// normalisation with attention sinks, shared by every attention kernel and
// by the host tests.
//
// A state (m, l) summarises logits x_i (natural units) as
// m = max_i x_i·log2(e) and l = Σ_i 2^(x_i·log2(e) − m); an accumulator
// acc = Σ_i 2^(x_i·log2(e) − m)·v_i goes with it. The empty state is
// (−Inf, 0) with acc = 0.
//
// NaN is sticky (the NaN rule of ops.AttentionArgs): a NaN logit makes m
// NaN (soft_max, not fmaxf, which would drop it), and from then on every
// weight, factor, l and acc of the state is NaN, through merges and the
// finish, so a row that met a NaN can never look empty or finite.
#pragma once
#include "rotor_types.cuh"

#define ROTOR_LOG2E 1.4426950408889634f
#define ROTOR_LN2 0.69314718055994531f

ROTOR_HD float neg_inf_f32() { return f32_from_bits(0xff800000u); }

ROTOR_HD float exp2_f32(float x) { return exp2f(x); }

ROTOR_HD float log2_f32(float x) { return log2f(x); }

// soft_max is the running maximum of the online softmax: the larger of a
// and b, or NaN when either is NaN.
ROTOR_HD float soft_max(float a, float b) { return (a > b || a != a) ? a : b; }

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

// soft_raise raises the running maximum of s to include bm, the maximum
// of new logits (NaN if one is NaN), and returns the factor by which the
// accumulator must be scaled: 1 when the maximum stays, 0 when s was
// empty, else 2^(old − new) (NaN once the maximum is NaN).
ROTOR_HD float soft_raise(SoftState& s, float bm) {
    float m = soft_max(s.m, bm);
    if (m == s.m) {
        return 1.0f;
    }
    float alpha = s.m == neg_inf_f32() ? 0.0f : exp2_f32(s.m - m);
    s.l *= alpha;
    s.m = m;
    return alpha;
}

// soft_add folds one base-2 logit x2 (−Inf for a masked key) into s and
// returns the weight p of the new key; *alpha receives the factor by which
// the accumulator must be scaled before p·v is added.
ROTOR_HD float soft_add(SoftState& s, float x2, float* alpha) {
    if (x2 == neg_inf_f32()) {
        *alpha = 1.0f;
        return 0.0f;
    }
    *alpha = soft_raise(s, x2);
    float p = exp2_f32(x2 - s.m);
    s.l += p;
    return p;
}

// soft_merge merges b into a; *wa and *wb receive the factors for a's and
// b's accumulators (acc = wa·acc_a + wb·acc_b).
ROTOR_HD void soft_merge(SoftState& a, SoftState b, float* wa, float* wb) {
    float m = soft_max(a.m, b.m);
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
// accumulator to the output and *lse the natural-log log-sum-exp (−Inf
// for an empty result). It returns false when the state holds no key:
// the output is then 0, whatever the accumulator holds; else the output
// is acc·scale (soft_out), NaN when acc is NaN even where the scale
// rounds to 0 beside a large sink.
ROTOR_HD bool soft_finish(SoftState s, float sink, float* scale, float* lse) {
    const bool keys = s.m != neg_inf_f32();
    if (sink != neg_inf_f32()) {
        SoftState k;
        k.m = sink * ROTOR_LOG2E;
        k.l = 1.0f;
        float wa, wb;
        soft_merge(s, k, &wa, &wb);
        if (s.m == neg_inf_f32() || s.l == 0.0f) {
            *scale = 0.0f;
            *lse = neg_inf_f32();
            return false;
        }
        *scale = wa / s.l;
        *lse = (s.m + log2_f32(s.l)) * ROTOR_LN2;
        return keys;
    }
    if (!keys || s.l == 0.0f) {
        *scale = 0.0f;
        *lse = neg_inf_f32();
        return false;
    }
    *scale = 1.0f / s.l;
    *lse = (s.m + log2_f32(s.l)) * ROTOR_LN2;
    return true;
}

// soft_out is one output element from its accumulator x, given
// soft_finish's verdict and scale.
ROTOR_HD float soft_out(bool keys, float x, float scale) { return keys ? x * scale : 0.0f; }

// lse_merge combines two natural-log LSEs of disjoint key sets: *w1 and
// *w2 receive the weights of the two normalised outputs (w1 + w2 = 1) and
// the function returns the merged LSE. Two empty sets give −Inf, 0, 0; a
// NaN LSE gives NaN weights and a NaN LSE.
ROTOR_HD float lse_merge(float lse1, float lse2, float* w1, float* w2) {
    float m = soft_max(lse1, lse2);
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

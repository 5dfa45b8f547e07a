// rope_math.cuh: RoPE angle and rotation arithmetic, written operation for
// operation as in package precision (angle.go), so the CUDA kernels and the
// Go fallback agree bit for bit. Explicit fma() where Go writes math.FMA,
// explicitly unfused single operations everywhere else.
#pragma once
#include "rotor_types.cuh"

// float64(2/π) and π/2 split into three float64 parts (Cody–Waite).
#define ROTOR_TWO_OVER_PI 0x1.45f306dc9c883p-01
#define ROTOR_PIO2_HI 0x1.921fb54442d18p+00
#define ROTOR_PIO2_MID 0x1.1a62633145c07p-54
#define ROTOR_PIO2_LO (-0x1.f1976b7ed8fbcp-110)

// sin and cos of the unevaluated sum hi + lo (lo below one ulp of hi: the
// rounding error of the product that formed hi), for finite hi ≥ 0,
// hi < 2^52: the quadrant comes from hi, lo joins the reduced argument
// after the two leading Cody–Waite steps. precision's sinCos2.
ROTOR_HD void sincos64_2(double hi, double lo, double* sin_out, double* cos_out) {
    double k = rint(dmul_rn(hi, ROTOR_TWO_OVER_PI));
    double r = dfma(-k, ROTOR_PIO2_HI, hi);
    r = dfma(-k, ROTOR_PIO2_MID, r);
    r = dadd_rn(r, lo);
    r = dfma(-k, ROTOR_PIO2_LO, r);
    double r2 = dmul_rn(r, r);
    // Taylor coefficients ±1/n!, highest order first (Horner with FMA).
    double ps = 0x1.952c77030ad4ap-49;               // 1/17!
    ps = dfma(ps, r2, -0x1.ae7f3e733b81fp-41);        // -1/15!
    ps = dfma(ps, r2, 0x1.6124613a86d09p-33);         // 1/13!
    ps = dfma(ps, r2, -0x1.ae64567f544e4p-26);        // -1/11!
    ps = dfma(ps, r2, 0x1.71de3a556c734p-19);         // 1/9!
    ps = dfma(ps, r2, -0x1.a01a01a01a01ap-13);        // -1/7!
    ps = dfma(ps, r2, 0x1.1111111111111p-07);         // 1/5!
    ps = dfma(ps, r2, -0x1.5555555555555p-03);        // -1/3!
    double pc = -0x1.6827863b97d97p-53;              // -1/18!
    pc = dfma(pc, r2, 0x1.ae7f3e733b81fp-45);         // 1/16!
    pc = dfma(pc, r2, -0x1.93974a8c07c9dp-37);        // -1/14!
    pc = dfma(pc, r2, 0x1.1eed8eff8d898p-29);         // 1/12!
    pc = dfma(pc, r2, -0x1.27e4fb7789f5cp-22);        // -1/10!
    pc = dfma(pc, r2, 0x1.a01a01a01a01ap-16);         // 1/8!
    pc = dfma(pc, r2, -0x1.6c16c16c16c17p-10);        // -1/6!
    pc = dfma(pc, r2, 0x1.5555555555555p-05);         // 1/4!
    pc = dfma(pc, r2, -0x1p-01);                      // -1/2
    double s = dfma(dmul_rn(r, r2), ps, r);
    double c = dfma(r2, pc, 1.0);
    switch ((i64)k & 3) {
    case 0:
        *sin_out = s;
        *cos_out = c;
        break;
    case 1:
        *sin_out = c;
        *cos_out = -s;
        break;
    case 2:
        *sin_out = -s;
        *cos_out = -c;
        break;
    default:
        *sin_out = -c;
        *cos_out = s;
        break;
    }
}

// sin θ and cos θ for finite θ ≥ 0, θ < 2^52: precision.SinCos64.
ROTOR_HD void sincos64(double theta, double* sin_out, double* cos_out) { sincos64_2(theta, 0.0, sin_out, cos_out); }

// precision.AccurateCosSin: the angle pos*inv_freq formed in float64 with
// the product's exact rounding error (θ = fl(p·f), e = fma(p, f, −θ)),
// reduced and evaluated in float64, scaled by attn in float64, rounded
// once to float32.
ROTOR_HD void accurate_cos_sin(i32 pos, double inv_freq, double attn, float* c, float* s) {
    double p = (double)pos;
    double theta = dmul_rn(p, inv_freq);
    double e = dfma(p, inv_freq, -theta);
    double sd, cd;
    sincos64_2(theta, e, &sd, &cd);
    if (attn != 1.0) {
        cd = dmul_rn(cd, attn);
        sd = dmul_rn(sd, attn);
    }
    *c = d2f_rn(cd);
    *s = d2f_rn(sd);
}

// precision.CompatAngle: float32(pos) * inv_freq rounded to float32.
ROTOR_HD float compat_angle(i32 pos, float inv_freq) { return mul_rn(i2f_rn(pos), inv_freq); }

// precision.CompatCosSin: cos and sin of the float32 angle, correctly
// rounded to float32, then multiplied by float32(attn) in float32.
ROTOR_HD void compat_cos_sin(i32 pos, float inv_freq, double attn, float* c, float* s) {
    double sd, cd;
    sincos64((double)compat_angle(pos, inv_freq), &sd, &cd);
    float cf = d2f_rn(cd), sf = d2f_rn(sd);
    if (attn != 1.0) {
        float a = d2f_rn(attn);
        cf = mul_rn(cf, a);
        sf = mul_rn(sf, a);
    }
    *c = cf;
    *s = sf;
}

// precision.RotatePair: a' = a·c − b·s, b' = b·c + a·s, every product and
// the sum rounded separately.
ROTOR_HD void rotate_pair(float a, float b, float c, float s, float* ra, float* rb) {
    float ac = mul_rn(a, c), bs = mul_rn(b, s);
    float bc = mul_rn(b, c), as = mul_rn(a, s);
    *ra = sub_rn(ac, bs);
    *rb = add_rn(bc, as);
}

// cos and sin of pair j at position pos, from the schedule's table:
// float64 entries for Accurate angles, float32 for Compat.
template <int ANGLES> ROTOR_HD void rope_cos_sin(const void* inv_freq, i32 j, i32 pos, double attn, float* c, float* s) {
    if (ANGLES == ROTOR_ACCURATE) {
        accurate_cos_sin(pos, static_cast<const double*>(inv_freq)[j], attn, c, s);
    } else {
        compat_cos_sin(pos, static_cast<const float*>(inv_freq)[j], attn, c, s);
    }
}

// Element offsets, within a head, of the two VEC-element vectors that hold
// pairs j0 .. j0+VEC-1. NeoX: [j0, j0+VEC) and [j0+half, j0+half+VEC);
// pair i is (x[i], x[VEC+i]). GPT-J: [2j0, 2j0+VEC) and [2j0+VEC, 2j0+2VEC),
// read as one run of 2VEC elements; pair i is (x[2i], x[2i+1]).
template <int LAYOUT, int VEC> ROTOR_HD i32 rope_vec_a(i32 j0, i32 half) { return LAYOUT == ROTOR_NEOX ? j0 : 2 * j0; }
template <int LAYOUT, int VEC> ROTOR_HD i32 rope_vec_b(i32 j0, i32 half) { return LAYOUT == ROTOR_NEOX ? j0 + half : 2 * j0 + VEC; }
template <int LAYOUT, int VEC> ROTOR_HD i32 rope_pair_a(i32 i) { return LAYOUT == ROTOR_NEOX ? i : 2 * i; }
template <int LAYOUT, int VEC> ROTOR_HD i32 rope_pair_b(i32 i) { return LAYOUT == ROTOR_NEOX ? VEC + i : 2 * i + 1; }

// Rotate VEC pairs of the head starting at pair j0, reading src and
// writing dst (the same pointer for in-place rotation).
template <int DT, int LAYOUT, int VEC>
ROTOR_HD void rope_rotate_chunk(typename Elem<DT>::T* dst, const typename Elem<DT>::T* src, i32 j0, i32 half, const float* c, const float* s) {
    float x[2 * VEC];
    i32 oa = rope_vec_a<LAYOUT, VEC>(j0, half), ob = rope_vec_b<LAYOUT, VEC>(j0, half);
    load_f32<DT, VEC>(x, src + oa);
    load_f32<DT, VEC>(x + VEC, src + ob);
#pragma unroll
    for (int i = 0; i < VEC; i++) {
        i32 ia = rope_pair_a<LAYOUT, VEC>(i), ib = rope_pair_b<LAYOUT, VEC>(i);
        rotate_pair(x[ia], x[ib], c[i], s[i], &x[ia], &x[ib]);
    }
    store_f32<DT, VEC>(dst + oa, x);
    store_f32<DT, VEC>(dst + ob, x + VEC);
}

// RopeArgs are the scalar arguments of the rope and rope_append kernels.
// Pointers address element 0 of each tensor; row strides are in elements.
struct RopeArgs {
    void* q;
    void* k;
    const i32* pos;
    const void* inv_freq; // double[half] (Accurate) or float[half] (Compat)
    double attn;
    i64 q_row, k_row;
    i64 pos_stride; // elements between consecutive positions
    i32 T, Hq, Hk, head_dim, half, chunks; // chunks = half / VEC
    // rope_append only:
    const void* v;
    void* k_cache;
    void* v_cache;
    const i32* slots;
    i64 v_row, kc_row, vc_row;
    i64 slot_stride; // elements between consecutive slot entries
    i32 S, Dv, v_vec; // v_vec: elements per V copy (1, 2, 4 or 8)
};

// One thread of the rope kernel: unit = token*chunks + chunk, heads
// head_begin, head_begin+head_step, … of the Hq query heads followed by the
// Hk key heads. cos and sin are computed once per (token, pair) and reused
// across heads.
template <int DT, int LAYOUT, int ANGLES, int VEC>
ROTOR_HD void rope_thread(const RopeArgs& a, i64 unit, i32 head_begin, i32 head_step) {
    typedef typename Elem<DT>::T T;
    if (unit >= (i64)a.T * a.chunks) {
        return;
    }
    // T*chunks < 2^31 (the planner checks): 32-bit division, which the
    // device does inline (64-bit division is a subroutine call).
    i32 u = (i32)unit;
    i32 t = u / a.chunks;
    i32 j0 = (u % a.chunks) * VEC;
    i32 pos = a.pos[(i64)t * a.pos_stride];
    float c[VEC], s[VEC];
#pragma unroll
    for (int i = 0; i < VEC; i++) {
        rope_cos_sin<ANGLES>(a.inv_freq, j0 + i, pos, a.attn, &c[i], &s[i]);
    }
    T* q = static_cast<T*>(a.q) + (i64)t * a.q_row;
    T* k = a.Hk > 0 ? static_cast<T*>(a.k) + (i64)t * a.k_row : q;
    i32 H = a.Hq + a.Hk;
    for (i32 h = head_begin; h < H; h += head_step) {
        T* p = h < a.Hq ? q + (i64)h * a.head_dim : k + (i64)(h - a.Hq) * a.head_dim;
        rope_rotate_chunk<DT, LAYOUT, VEC>(p, p, j0, a.half, c, s);
    }
}

// Copy n elements of V (or of K's pass-through part) in units of w
// elements (w divides n and the alignment of both ends).
template <typename T> ROTOR_HD void copy_run(T* dst, const T* src, i32 w) {
    switch (w) {
    case 8: {
        Raw<T, 8> r;
        raw_load(r, src);
        raw_store(dst, r);
        break;
    }
    case 4: {
        Raw<T, 4> r;
        raw_load(r, src);
        raw_store(dst, r);
        break;
    }
    case 2: {
        Raw<T, 2> r;
        raw_load(r, src);
        raw_store(dst, r);
        break;
    }
    default:
        *dst = *src;
    }
}

// One thread of the rope_append kernel. Rotation work is as rope_thread's,
// except that key heads are read from k and written to row slots[t] of
// k_cache. The same threads then copy K's pass-through elements
// [2*half, head_dim) (VEC at a time) and V's rows (v_vec at a time) into
// the cache: copy item r of token t is handled by the thread with
// chunk + chunks*head_begin ≡ r (mod chunks*head_step). A slot outside
// [0, S) is skipped (the host has already rejected it).
template <int DT, int LAYOUT, int ANGLES, int VEC>
ROTOR_HD void rope_append_thread(const RopeArgs& a, i64 unit, i32 head_begin, i32 head_step) {
    typedef typename Elem<DT>::T T;
    if (unit >= (i64)a.T * a.chunks) {
        return;
    }
    i32 u = (i32)unit;
    i32 t = u / a.chunks;
    i32 ch = u % a.chunks;
    i32 j0 = ch * VEC;
    i32 pos = a.pos[(i64)t * a.pos_stride];
    i32 slot = a.slots[(i64)t * a.slot_stride];
    bool slot_ok = slot >= 0 && slot < a.S;
    float c[VEC], s[VEC];
#pragma unroll
    for (int i = 0; i < VEC; i++) {
        rope_cos_sin<ANGLES>(a.inv_freq, j0 + i, pos, a.attn, &c[i], &s[i]);
    }
    T* q = static_cast<T*>(a.q) + (i64)t * a.q_row;
    const T* k = static_cast<const T*>(a.k) + (i64)t * a.k_row;
    T* kc = static_cast<T*>(a.k_cache) + (i64)(slot_ok ? slot : 0) * a.kc_row;
    // Heads head_begin, head_begin+head_step, … of the Hq query heads
    // followed by the Hk key heads.
    i32 h = head_begin;
    for (; h < a.Hq; h += head_step) {
        T* p = q + (i64)h * a.head_dim;
        rope_rotate_chunk<DT, LAYOUT, VEC>(p, p, j0, a.half, c, s);
    }
    if (!slot_ok) {
        return;
    }
    for (h -= a.Hq; h < a.Hk; h += head_step) {
        i64 off = (i64)h * a.head_dim;
        rope_rotate_chunk<DT, LAYOUT, VEC>(kc + off, k + off, j0, a.half, c, s);
    }
    i32 rot = 2 * a.half;
    i32 kpass = (a.head_dim - rot) / VEC; // vectors per head
    i32 kitems = a.Hk * kpass;
    i32 vper = a.Dv / a.v_vec;
    i32 items = kitems + a.Hk * vper;
    const T* v = static_cast<const T*>(a.v) + (i64)t * a.v_row;
    T* vc = static_cast<T*>(a.v_cache) + (i64)slot * a.vc_row;
    i32 step = a.chunks * head_step;
    for (i32 r = ch + a.chunks * head_begin; r < items; r += step) {
        if (r < kitems) {
            i32 h = r / kpass;
            i64 off = (i64)h * a.head_dim + rot + (i64)(r % kpass) * VEC;
            copy_run(kc + off, k + off, VEC);
        } else {
            i32 rr = r - kitems;
            i32 h = rr / vper;
            i64 off = (i64)h * a.Dv + (i64)(rr % vper) * a.v_vec;
            copy_run(vc + off, v + off, a.v_vec);
        }
    }
}

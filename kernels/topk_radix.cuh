// topk_radix.cuh: the radix-select logic of topk.cu, shared with the host
// tests. Scores become order-preserving 32-bit keys (NaN → 0, −0 = +0);
// four passes over 8-bit digits, most significant first, find the K-th
// largest key T among the keys matching the digits chosen so far and how
// many entries equal to T belong to the top K; one scan in column order
// then takes every key above T and the first `need` keys equal to T.
#pragma once
#include "rotor_types.cuh"

#define TOPK_PASSES 4
#define TOPK_BINS 256

// topk_key maps a float to a key whose unsigned order is the float order:
// every NaN becomes 0 (never selected), −0 and +0 share one key.
ROTOR_HD u32 topk_key(float x) {
    u32 u = f32_bits(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return 0;
    }
    if (u == 0x80000000u) {
        return 0x80000000u;
    }
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

ROTOR_HD int topk_shift(int pass) { return 24 - 8 * pass; }

// topk_digit is the pass's 8-bit digit of key.
ROTOR_HD u32 topk_digit(u32 key, int pass) { return (key >> topk_shift(pass)) & 0xffu; }

// topk_match reports whether key agrees with the digits chosen in earlier
// passes (prefix under mask).
ROTOR_HD bool topk_match(u32 key, u32 prefix, u32 mask) { return (key & mask) == prefix; }

// topk_pick scans a pass's histogram from the top digit down and returns
// the digit holding the k-th largest matching key (1 ≤ *k ≤ the
// histogram's total); *k becomes that key's rank within the digit.
ROTOR_HD u32 topk_pick(const i32* hist, i32* k) {
    for (int d = TOPK_BINS - 1; d > 0; d--) {
        if (hist[d] >= *k) {
            return (u32)d;
        }
        *k -= hist[d];
    }
    return 0;
}

// topk_extend adds the pass's chosen digit to the prefix and mask.
ROTOR_HD void topk_extend(int pass, u32 digit, u32* prefix, u32* mask) {
    *prefix |= digit << topk_shift(pass);
    *mask |= 0xffu << topk_shift(pass);
}

// topk_take reports whether an entry with key is selected, given the
// threshold T, the number of keys equal to T before it in column order
// and how many such keys the top K needs.
ROTOR_HD bool topk_take(u32 key, u32 T, i32 eq_before, i32 need) { return key > T || (key == T && eq_before < need); }

#!/usr/bin/env python3
"""Writes testdata/hf_inv_freq.json: float32 RoPE inverse-frequency tables
computed with PyTorch CPU tensor operations in the order Hugging Face
transformers performs them (rope_parameters API), for every schedule rotor
implements. rotor's ops tests compare its InvFreqF32 tables with these.

Run from the repository root with a Python that has torch:
    python3 testdata/gen_hf_inv_freq.py
"""

import json
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def exponents(n_pairs, denom):
    # arange(0, 2n, 2) as int64, converted to float32, divided by denom.
    return torch.arange(0, 2 * n_pairs, 2, dtype=torch.int64).float() / denom


def default_table(base, dim):
    return 1.0 / (base ** exponents(dim // 2, dim))


def linear_table(base, dim, factor):
    t = default_table(base, dim)
    t /= factor
    return t


def dynamic_table(base, dim, factor, max_pos, seq_len):
    if seq_len <= max_pos:
        # Initialisation: seq_len is None, replaced by max_pos, Python floats.
        new_base = base * ((factor * max_pos / max_pos) - (factor - 1)) ** (dim / (dim - 2))
        return 1.0 / (new_base ** exponents(dim // 2, dim))
    # Forward-time growth: seq_len = max(position_ids) + 1 is a 0-dim int64 tensor.
    s = torch.maximum(torch.tensor(seq_len), torch.tensor(max_pos))
    new_base = base * ((factor * s / max_pos) - (factor - 1)) ** (dim / (dim - 2))
    return 1.0 / (new_base ** exponents(dim // 2, dim))


def yarn_mscale(scale, m=1.0):
    return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0


def yarn_table(base, dim, factor, orig, beta_fast=None, beta_slow=None, truncate=True,
               mscale=None, mscale_all_dim=None, attention_factor=None):
    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all_dim)
        else:
            attention_factor = yarn_mscale(factor)
    beta_fast = beta_fast or 32
    beta_slow = beta_slow or 1

    def bound(rotations):
        return (dim * math.log(orig / (rotations * 2 * math.pi))) / (2 * math.log(base))

    lo, hi = bound(beta_fast), bound(beta_slow)
    if truncate:
        lo, hi = math.floor(lo), math.ceil(hi)
    lo, hi = max(lo, 0), min(hi, dim - 1)
    pos = base ** exponents(dim // 2, dim)
    keep = 1.0 / pos
    stretched = 1.0 / (factor * pos)
    if lo == hi:
        hi += 0.001
    ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - lo) / (hi - lo), 0, 1)
    w = 1 - ramp
    return stretched * (1 - w) + keep * w, attention_factor


def llama3_table(base, dim, factor, low, high, orig):
    inv = default_table(base, dim)
    low_wl, high_wl = orig / low, orig / high
    wl = 2 * math.pi / inv
    scaled = torch.where(wl > low_wl, inv / factor, inv)
    s = (orig / wl - low) / (high - low)
    blended = (1 - s) * scaled / factor + s * scaled
    mid = ~(wl < high_wl) * ~(wl > low_wl)
    return torch.where(mid, blended, scaled)


def longrope_table(base, dim, ext):
    return 1.0 / (torch.tensor(ext, dtype=torch.float32) * base ** exponents(dim // 2, dim))


def longrope_attention(factor, orig):
    return 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(orig))


def proportional_table(base, head_dim, share, factor):
    n_rot = int(share * head_dim // 2)
    t = 1.0 / (base ** exponents(n_rot, head_dim))
    rest = head_dim // 2 - n_rot
    if rest > 0:
        t = torch.cat((t, torch.zeros(rest, dtype=torch.float32)))
    t /= factor
    return t


def giraffe_table(base, dim, scale=1.0, power=0.0, truncate=0):
    # The table of ScaledLlamaRotaryEmbedding in the Giraffe paper's released
    # code (abacusai/Long-Context, python/models/interpolate.py), step by step:
    # the default table, divided by a scale above 1, multiplied by
    # (1 - arange(n) / n) ** power, then truncate_frequency: entries below
    # 2*pi/truncate become 2*pi/(truncate*16), entries below a cutoff eight
    # times lower become 0.
    t = default_table(base, dim)
    if scale > 1.0:
        t /= scale
    if power > 0:
        t *= (1.0 - torch.arange(len(t)) / len(t)) ** power
    if truncate > 0:
        cutoff = 2 * math.pi / truncate
        low = 2 * math.pi / (truncate * 16)
        banded = torch.where(t < cutoff, low, t)
        t = torch.where(t < cutoff / 8, 0.0, banded)
    return t


def load(name):
    with open(os.path.join(HERE, "configs", name + ".json")) as f:
        return json.load(f)


def main():
    cases = []

    def add(name, table, attn=1.0, config="", seq_len=0, params=None):
        assert table.dtype == torch.float32
        cases.append({
            "name": name,
            "config": config,
            "seq_len": seq_len,
            "params": params or {},
            "attention_factor": attn,
            "inv_freq_f32": [float(x) for x in table.tolist()],
        })

    # The testdata model configs, resolved by hand from their published values.
    add("llama-3.1-8b", llama3_table(500000.0, 128, 8.0, 1.0, 4.0, 8192), config="llama-3.1-8b")
    add("llama-3.2-1b", llama3_table(500000.0, 64, 32.0, 1.0, 4.0, 8192), config="llama-3.2-1b")
    add("qwen2.5-7b-instruct-1m", default_table(10000000.0, 128), config="qwen2.5-7b-instruct-1m")
    t, a = yarn_table(1000000.0, 128, 4.0, 32768)
    add("qwen2.5-7b-instruct-yarn", t, a, config="qwen2.5-7b-instruct-yarn")
    phi = load("phi-3-mini-128k-instruct")["rope_scaling"]
    phi_attn = longrope_attention(131072 / 4096, 4096)
    add("phi-3-mini-128k-instruct long", longrope_table(10000.0, 96, phi["long_factor"]), phi_attn,
        config="phi-3-mini-128k-instruct", seq_len=0)
    add("phi-3-mini-128k-instruct short", longrope_table(10000.0, 96, phi["short_factor"]), phi_attn,
        config="phi-3-mini-128k-instruct", seq_len=4096)
    t, a = yarn_table(150000.0, 64, 32.0, 4096, 32.0, 1.0, truncate=False)
    add("gpt-oss-20b", t, a, config="gpt-oss-20b")
    t, a = yarn_table(10000.0, 64, 40.0, 4096, 32, 1, mscale=0.707, mscale_all_dim=0.707)
    add("deepseek-v2-lite", t, a, config="deepseek-v2-lite")
    add("mistral-7b", default_table(10000.0, 128), config="mistral-7b")

    # Schedules by constructor parameters.
    add("linear", linear_table(10000.0, 128, 4.0),
        params={"type": "linear", "head_dim": 128, "base": 10000.0, "factor": 4.0})
    add("linear odd factor", linear_table(10000.0, 64, 3.3),
        params={"type": "linear", "head_dim": 64, "base": 10000.0, "factor": 3.3})
    add("partial default", default_table(10000.0, 32),
        params={"type": "default", "head_dim": 80, "rotary_dim": 32, "base": 10000.0})
    for seq in (2048, 4096, 4097, 12345, 1 << 20):
        add("dynamic seq %d" % seq, dynamic_table(10000.0, 128, 2.0, 4096, seq),
            params={"type": "dynamic", "head_dim": 128, "base": 10000.0, "factor": 2.0,
                    "max_position_embeddings": 4096, "seq_len": seq})
    t, a = yarn_table(10000.0, 128, 16.0, 2048, 16.0, 2.0, truncate=False)
    add("yarn betas", t, a, params={"type": "yarn", "head_dim": 128, "base": 10000.0, "factor": 16.0,
                                    "original_max_position_embeddings": 2048, "beta_fast": 16.0,
                                    "beta_slow": 2.0, "truncate": False})
    t, a = yarn_table(10000.0, 64, 40.0, 4096, mscale=1.0, mscale_all_dim=0.707)
    add("yarn mscale ratio", t, a, params={"type": "yarn", "head_dim": 64, "base": 10000.0, "factor": 40.0,
                                           "original_max_position_embeddings": 4096, "mscale": 1.0,
                                           "mscale_all_dim": 0.707})
    add("llama3 bands", llama3_table(500000.0, 128, 4.0, 2.0, 3.0, 16384),
        params={"type": "llama3", "head_dim": 128, "base": 500000.0, "factor": 4.0,
                "low_freq_factor": 2.0, "high_freq_factor": 3.0, "original_max_position_embeddings": 16384})
    add("proportional", proportional_table(1000000.0, 256, 0.25, 1.0),
        params={"type": "proportional", "head_dim": 256, "base": 1000000.0, "partial_rotary_factor": 0.25})
    add("proportional factor", proportional_table(10000.0, 64, 0.3, 2.0),
        params={"type": "proportional", "head_dim": 64, "base": 10000.0, "partial_rotary_factor": 0.3,
                "factor": 2.0})

    for scale, power, truncate in ((1.0, 0.5, 0), (1.0, 0.25, 0), (4.0, 0.5, 0), (1.0, 3.0, 0),
                                   (1.0, 0.0, 2048), (4.0, 0.0, 8192), (1.0, 0.5, 2048), (16.0, 0.0, 32768)):
        add("giraffe scale %g power %g truncate %d" % (scale, power, truncate),
            giraffe_table(10000.0, 128, scale, power, truncate),
            params={"type": "giraffe", "head_dim": 128, "base": 10000.0, "scale": scale,
                    "scale_power": power, "truncate": truncate})

    out = {
        "about": "float32 inv_freq tables from PyTorch CPU tensor operations in Hugging Face's order; "
                 "written by testdata/gen_hf_inv_freq.py",
        "torch": torch.__version__,
        "cases": cases,
    }
    with open(os.path.join(HERE, "hf_inv_freq.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

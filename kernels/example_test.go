package kernels_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// mem is a stand-in for the CUDA backend's memory: every tensor is
// placed at a 256-byte aligned address.
type mem struct{ next uint64 }

type dev struct {
	n    int
	addr uint64
}

func (d *dev) Backend() string { return "cuda" }
func (d *dev) Bytes() int      { return d.n }

func (m *mem) alloc(dt ops.DType, shape ...int) *ops.Tensor {
	t := &ops.Tensor{DType: dt, Shape: shape}
	m.next += 1 << 24
	t.Mem = &dev{n: t.Len() * dt.Size(), addr: m.next}
	return t
}

func (m *mem) Addr(t *ops.Tensor) (uint64, error) {
	return t.Mem.(*dev).addr + uint64(t.Offset*t.DType.Size()), nil
}

func (m *mem) Scratch(n int) (uint64, error) { m.next += 1 << 30; return m.next, nil }

func (m *mem) InvFreq(r *ops.Rotary, a ops.AngleMode) (uint64, error) {
	m.next += 1 << 24
	return m.next, nil
}

func ExamplePlanRoPE() {
	m := &mem{}
	// Llama-3.1-8B at 8192 tokens: 32 query and 8 key heads of 128 in a
	// fused QKV buffer.
	const T, width = 8192, 48 * 128
	qkv := m.alloc(ops.BF16, T, width)
	rot, _ := ops.Default(ops.RoPEParams{HeadDim: 128, Base: 500000})
	a := &ops.RoPEArgs{
		Q:         qkv.Sub(0, []int{T, 32, 128}, width),
		K:         qkv.Sub(32*128, []int{T, 8, 128}, width),
		Positions: m.alloc(ops.I32, T),
		Rotary:    rot,
	}
	ls, err := kernels.PlanRoPE(a, m, kernels.Device{SMs: 132})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range ls {
		fmt.Println(l.String())
		fmt.Println(len(l.Words()), "parameters of", kernels.ParamKinds(l.Kernel))
	}
	// Output:
	// rope_v8<<<(512,5,1),(128,1,1),0>>> [rope dtype=bf16 layout=neox angles=accurate]
	// 13 parameters of [ptr ptr ptr ptr double i64 i64 i64 i32 i32 i32 i32 i32]
}

func ExamplePlanAttention() {
	m := &mem{}
	// One decode step: 32 query heads over 8192 selected slots of a
	// 100k-slot pool with 8 kv heads.
	a := &ops.AttentionArgs{
		Q: m.alloc(ops.BF16, 1, 32, 128), K: m.alloc(ops.BF16, 100000, 8, 128), V: m.alloc(ops.BF16, 100000, 8, 128),
		O: m.alloc(ops.BF16, 1, 32, 128), LSE: m.alloc(ops.F32, 1, 32),
		Sel: ops.Selection{Indices: m.alloc(ops.I32, 8192), Granularity: ops.PerRequest},
	}
	ls, _ := kernels.PlanAttention(a, m, kernels.Device{SMs: 132})
	for _, l := range ls {
		fmt.Println(l.String())
	}
	// Output:
	// attn_decode_g4<<<(1,8,32),(128,1,1),0>>> [attn_decode dtype=bf16 d=128 dv=128]
	// attn_split_merge<<<(32,1,1),(128,1,1),0>>> [attn_merge dtype=bf16]
}

func ExampleRoPEVec() {
	// A 16-byte aligned bf16 view can move 8 pairs per thread; one 4 bytes
	// past a 16-byte boundary only 2.
	fmt.Println(kernels.RoPEVec(ops.BF16, 64, 128, []int{6144}, []uint64{0x1000}))
	fmt.Println(kernels.RoPEVec(ops.BF16, 64, 128, []int{6144}, []uint64{0x1004}))
	// Output:
	// 8
	// 2
}

func ExampleFlags() {
	fmt.Println(kernels.Flags(kernels.AttnPrefill, kernels.Options{DType: ops.BF16, HeadDim: 128, VDim: 128}, kernels.Arch{9, 0}))
	// Output:
	// [--gpu-architecture=compute_90 --std=c++17 -default-device -DROTOR_DTYPE=2 -DROTOR_HEAD_DIM=128 -DROTOR_V_DIM=128 -DROTOR_BLOCK=128 -DROTOR_TILE_N=64]
}

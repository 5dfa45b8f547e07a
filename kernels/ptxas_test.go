package kernels

import (
	"strings"
	"testing"
)

const ptxasSample = `ptxas info    : 0 bytes gmem
ptxas info    : Function properties for rope_cs2
    16 bytes stack frame, 4 bytes spill stores, 8 bytes spill loads
ptxas info    : Compiling entry function 'attn_decode_g8' for 'sm_90'
ptxas info    : Function properties for attn_decode_g8
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 203 registers, 34384 bytes smem, 608 bytes cmem[0], 144 bytes cmem[2]
ptxas info    : Compiling entry function 'rope_v8' for 'sm_90'
ptxas info    : Function properties for rope_v8
    8 bytes stack frame, 40 bytes spill stores, 36 bytes spill loads
ptxas info    : Used 96 registers, 392 bytes cmem[0]
`

func TestParsePtxasInfo(t *testing.T) {
	us, err := ParsePtxasInfo(ptxasSample)
	if err != nil {
		t.Fatal(err)
	}
	want := []Usage{
		{Function: "rope_cs2", StackBytes: 16, SpillStores: 4, SpillLoads: 8},
		{Function: "attn_decode_g8", Entry: true, Arch: "sm_90", Registers: 203, SharedBytes: 34384},
		{Function: "rope_v8", Entry: true, Arch: "sm_90", Registers: 96, StackBytes: 8, SpillStores: 40, SpillLoads: 36},
	}
	if len(us) != len(want) {
		t.Fatalf("parsed %+v", us)
	}
	for i := range want {
		if us[i] != want[i] {
			t.Errorf("usage %d = %+v, want %+v", i, us[i], want[i])
		}
	}
	if _, err := ParsePtxasInfo("    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"); err == nil {
		t.Error("a stack line before any function parsed")
	}
}

func TestCheckUsage(t *testing.T) {
	us, _ := ParsePtxasInfo(ptxasSample)
	if p := CheckUsage(AttnDecode, us[1]); len(p) != 0 {
		t.Errorf("attn_decode_g8 within budget flagged: %v", p)
	}
	p := strings.Join(CheckUsage(RoPE, us[2]), "\n")
	for _, want := range []string{"96 registers > budget 80", "spills 40 bytes stored, 36 loaded", "8 bytes of stack"} {
		if !strings.Contains(p, want) {
			t.Errorf("rope_v8 problems %q lack %q", p, want)
		}
	}
	if p := CheckUsage(TopK, Usage{Function: "topk_radix", Entry: true, Registers: 30, SpillStores: 12}); len(p) != 0 {
		t.Errorf("a spill in a cold kernel flagged: %v", p)
	}
	if p := CheckUsage(Scores, Usage{Function: "qk_scores_g1", Entry: true, SharedBytes: 50000}); len(p) != 1 {
		t.Errorf("50000 bytes of shared memory: %v", p)
	}
	if p := CheckUsage(Scores, Usage{Function: "mystery", Entry: true}); len(p) != 1 {
		t.Errorf("a kernel without a budget: %v", p)
	}
}

package kernels

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func TestVariantsValidAndUnique(t *testing.T) {
	vs := Variants(nil)
	seen := map[string]bool{}
	perFamily := map[Family]int{}
	for _, v := range vs {
		if err := v.Options.Validate(v.Family); err != nil {
			t.Errorf("%s: %v", v, err)
		}
		key := v.String() + strings.Join(v.Options.Defines(v.Family), " ")
		if seen[key] {
			t.Errorf("duplicate variant %s", v)
		}
		seen[key] = true
		perFamily[v.Family]++
		if len(v.Family.Kernels(v.Options)) == 0 {
			t.Errorf("%s: no kernels", v)
		}
	}
	// 3 dtypes × 2 layouts × 2 angle modes; 3 dtypes × 5 head dims (× 2
	// key-RoPE settings); 2 dtypes × 5 head dims for the prefill.
	want := map[Family]int{RoPE: 12, RoPEAppend: 12, AttnDecode: 30, Scores: 15, Quest: 15, AttnPrefill: 10, AttnMerge: 3, Criticality: 1, TopK: 1}
	for f, n := range want {
		if perFamily[f] != n {
			t.Errorf("%s: %d variants, want %d", f, perFamily[f], n)
		}
	}
	if len(perFamily) != len(Families()) {
		t.Errorf("variants cover %d families of %d", len(perFamily), len(Families()))
	}
}

func TestEveryKernelHasParamsAndBudget(t *testing.T) {
	for _, v := range Variants(nil) {
		for _, k := range v.Family.Kernels(v.Options) {
			if ParamKinds(k) == nil {
				t.Errorf("%s: no parameter list", k)
			}
			if _, ok := RegisterBudgets[BaseKernel(k)]; !ok {
				t.Errorf("%s: no register budget", k)
			}
		}
	}
}

func TestKernelNames(t *testing.T) {
	if got := RoPE.Kernels(Options{DType: ops.F32}); !slices.Equal(got, []string{"rope_v1", "rope_v2", "rope_v4"}) {
		t.Errorf("f32 rope kernels %v", got)
	}
	if got := RoPE.Kernels(Options{DType: ops.BF16}); !slices.Equal(got, []string{"rope_v1", "rope_v2", "rope_v4", "rope_v8"}) {
		t.Errorf("bf16 rope kernels %v", got)
	}
	if got := AttnDecode.Kernels(Options{}); !slices.Equal(got, []string{"sel_rank_counts", "attn_decode_g1", "attn_decode_g2", "attn_decode_g4", "attn_decode_g8"}) {
		t.Errorf("decode kernels %v", got)
	}
	for in, want := range map[string]string{"rope_v8": "rope", "rope_append_v2": "rope_append", "attn_decode_g4": "attn_decode",
		"qk_scores_g1": "qk_scores", "page_meta": "page_meta", "attn_merge2": "attn_merge2", "topk_radix": "topk_radix"} {
		if got := BaseKernel(in); got != want {
			t.Errorf("BaseKernel(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOptionsDefinesAndNormalize(t *testing.T) {
	o := Options{DType: ops.BF16, Layout: ops.GPTJ, Angles: ops.Compat, HeadDim: 128, VDim: 96, KeyRoPE: true}
	d := strings.Join(Flags(RoPE, o, Arch{9, 0}), " ")
	for _, want := range []string{"--gpu-architecture=compute_90", "-DROTOR_DTYPE=2", "-DROTOR_LAYOUT=1", "-DROTOR_ANGLES=1", "--fmad=false", "-DROTOR_BLOCK=128"} {
		if !strings.Contains(d, want) {
			t.Errorf("rope flags %q lack %q", d, want)
		}
	}
	if strings.Contains(d, "HEAD_DIM") || strings.Contains(d, "KEY_ROPE") {
		t.Errorf("rope flags %q carry attention options", d)
	}
	d = strings.Join(Flags(AttnPrefill, o, Arch{8, 0}), " ")
	for _, want := range []string{"-DROTOR_HEAD_DIM=128", "-DROTOR_V_DIM=96", "-DROTOR_TILE_N=64"} {
		if !strings.Contains(d, want) {
			t.Errorf("prefill flags %q lack %q", d, want)
		}
	}
	if strings.Contains(d, "fmad") || strings.Contains(d, "LAYOUT") {
		t.Errorf("prefill flags %q", d)
	}
	if n := o.Normalize(TopK); n != (Options{}) {
		t.Errorf("TopK keeps options %+v", n)
	}
	if n := o.Normalize(Scores); n != (Options{DType: ops.BF16, HeadDim: 128}) {
		t.Errorf("Scores normalises to %+v", n)
	}
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		f    Family
		o    Options
		kind error
	}{
		{RoPE, Options{DType: ops.I32}, ops.ErrDType},
		{RoPE, Options{DType: ops.F16, Layout: 7}, ops.ErrConfig},
		{RoPE, Options{DType: ops.F16, Angles: 9}, ops.ErrConfig},
		{AttnDecode, Options{DType: ops.F32, HeadDim: 264, VDim: 8}, ops.ErrUnsupported},
		{AttnDecode, Options{DType: ops.F32, HeadDim: 64, VDim: 12}, ops.ErrUnsupported},
		{AttnPrefill, Options{DType: ops.BF16, HeadDim: 72, VDim: 72}, ops.ErrUnsupported},
		{AttnPrefill, Options{DType: ops.F32, HeadDim: 64, VDim: 64}, ops.ErrDType},
	}
	for _, c := range cases {
		if err := c.o.Validate(c.f); !errors.Is(err, c.kind) {
			t.Errorf("%s %+v: %v, want %v", c.f, c.o, err, c.kind)
		}
	}
	if err := (Options{DType: ops.BF16, HeadDim: 72, VDim: 40}).Validate(AttnDecode); err != nil {
		t.Errorf("decode d=72 dv=40: %v", err)
	}
}

func TestClampArch(t *testing.T) {
	nvrtc118 := []Arch{{3, 5}, {5, 0}, {7, 0}, {7, 5}, {8, 0}, {8, 6}, {8, 7}, {8, 9}, {9, 0}}
	cases := []struct {
		dev, want Arch
		ok        bool
	}{
		{Arch{9, 0}, Arch{9, 0}, true},
		{Arch{8, 6}, Arch{8, 6}, true},
		{Arch{8, 8}, Arch{8, 7}, true},
		{Arch{10, 0}, Arch{9, 0}, true},
		{Arch{12, 0}, Arch{9, 0}, true},
		{Arch{7, 5}, Arch{}, false},
	}
	for _, c := range cases {
		got, err := ClampArch(c.dev, nvrtc118)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ClampArch(%v) = %v, %v; want %v ok=%v", c.dev, got, err, c.want, c.ok)
		}
		if err != nil && !errors.Is(err, ops.ErrUnsupported) {
			t.Errorf("ClampArch(%v): %v is not ErrUnsupported", c.dev, err)
		}
	}
	if _, err := ClampArch(Arch{9, 0}, []Arch{{7, 0}, {7, 5}}); !errors.Is(err, ops.ErrUnsupported) {
		t.Errorf("an NVRTC without sm_80: %v", err)
	}
	if a := ArchFromInt(89); a != (Arch{8, 9}) || a.Compute() != "compute_89" || a.SM() != "sm_89" || a.Int() != 89 {
		t.Errorf("ArchFromInt(89) = %v", a)
	}
}

func TestPrefillSmemFits(t *testing.T) {
	for _, dt := range []ops.DType{ops.BF16, ops.F16} {
		for d := 16; d <= MaxHeadDim; d += 16 {
			for dv := 8; dv <= MaxHeadDim; dv += 8 {
				if s := PrefillSmem(dt, d, dv); s > 48<<10 {
					t.Fatalf("d=%d dv=%d: %d bytes of shared memory", d, dv, s)
				}
			}
		}
	}
}

// TestParseVariant: every variant's String parses back to it, including
// a value dimension other than the head dimension, and malformed or
// non-canonical lines are errors.
func TestParseVariant(t *testing.T) {
	vs := append(Variants(nil), Variant{AttnDecode, Options{DType: ops.F16, HeadDim: 64, VDim: 48, KeyRoPE: true}})
	for _, v := range vs {
		got, err := ParseVariant(v.String())
		if err != nil || got.String() != v.String() || got.Options != v.Options.Normalize(v.Family) {
			t.Errorf("ParseVariant(%q) = %v, %v", v.String(), got, err)
		}
	}
	for _, bad := range []string{"", "nope", "rope dtype=bf17 layout=neox angles=accurate", "attn_decode dtype=bf16 d=12 dv=128",
		"rope layout=neox dtype=bf16 angles=accurate", "topk d=64", "attn_decode dtype=bf16 d=128 dv=128 keyrope=1"} {
		if _, err := ParseVariant(bad); !errors.Is(err, ops.ErrConfig) && !errors.Is(err, ops.ErrUnsupported) {
			t.Errorf("ParseVariant(%q): %v, want ErrConfig or ErrUnsupported", bad, err)
		}
	}
}

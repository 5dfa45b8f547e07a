package main

import (
	"errors"
	"flag"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// resolveFlags parses args with the schedule flags and resolves them.
func resolveFlags(args ...string) (*ops.Rotary, *ops.HFConfig, error) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s := addScheduleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	return s.resolve()
}

func TestScheduleFlags(t *testing.T) {
	p := ops.RoPEParams{HeadDim: 64, Base: 10000}
	short := []float64{1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5,
		9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5, 14, 14.5, 15, 15.5, 16, 16.5}
	shortSpec := "1/1.5/2/2.5/3/3.5/4/4.5/5/5.5/6/6.5/7/7.5/8/8.5/9/9.5/10/10.5/11/11.5/12/12.5/13/13.5/14/14.5/15/15.5/16/16.5"
	for _, c := range []struct {
		args []string
		want func() (*ops.Rotary, error)
	}{
		{[]string{"--head-dim", "64"}, func() (*ops.Rotary, error) { return ops.Default(p) }},
		{[]string{"--head-dim", "64", "--scaling", "none"}, func() (*ops.Rotary, error) { return ops.Default(p) }},
		{[]string{"--head-dim", "64", "--rotary-dim", "32", "--base", "1e6"}, func() (*ops.Rotary, error) {
			return ops.Default(ops.RoPEParams{HeadDim: 64, RotaryDim: 32, Base: 1e6})
		}},
		{[]string{"--head-dim", "64", "--scaling", "linear:factor=4"}, func() (*ops.Rotary, error) {
			return ops.Linear(ops.LinearParams{RoPEParams: p, Factor: 4})
		}},
		{[]string{"--head-dim", "64", "--scaling", "ntk:alpha=8"}, func() (*ops.Rotary, error) {
			return ops.NTKAware(ops.NTKParams{RoPEParams: p, Alpha: 8})
		}},
		{[]string{"--head-dim", "64", "--seq-len", "9000", "--scaling", "dynamic:factor=2,max_position_embeddings=4096"}, func() (*ops.Rotary, error) {
			return ops.DynamicNTK(ops.DynamicParams{RoPEParams: p, Factor: 2, MaxPositionEmbeddings: 4096, SeqLen: 9000})
		}},
		{[]string{"--head-dim", "64", "--scaling", "yarn:factor=32, original_max_position_embeddings=4096, truncate=false, beta_fast=32"}, func() (*ops.Rotary, error) {
			return ops.YaRN(ops.YaRNParams{RoPEParams: p, Factor: 32, OriginalMaxPositionEmbeddings: 4096, NoTruncate: true})
		}},
		{[]string{"--head-dim", "64", "--scaling", "yarn:max_position_embeddings=163840,original_max_position_embeddings=4096,mscale=1,mscale_all_dim=0.707"}, func() (*ops.Rotary, error) {
			return ops.YaRN(ops.YaRNParams{RoPEParams: p, Factor: 40, OriginalMaxPositionEmbeddings: 4096, Mscale: 1, MscaleAllDim: 0.707})
		}},
		{[]string{"--head-dim", "64", "--scaling", "llama3:factor=8,low_freq_factor=1,high_freq_factor=4,original_max_position_embeddings=8192"}, func() (*ops.Rotary, error) {
			return ops.Llama3(ops.Llama3Params{RoPEParams: p, Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192})
		}},
		{[]string{"--head-dim", "64", "--seq-len", "100", "--scaling", "longrope:short_factor=" + shortSpec + ",long_factor=" + shortSpec + ",original_max_position_embeddings=4096,max_position_embeddings=131072"}, func() (*ops.Rotary, error) {
			return ops.LongRoPE(ops.LongRoPEParams{RoPEParams: p, ShortFactor: short, LongFactor: short,
				OriginalMaxPositionEmbeddings: 4096, MaxPositionEmbeddings: 131072, SeqLen: 100})
		}},
		{[]string{"--head-dim", "64", "--scaling", "proportional:factor=2,partial_rotary_factor=0.25"}, func() (*ops.Rotary, error) {
			return ops.Proportional(ops.ProportionalParams{HeadDim: 64, Base: 10000, Factor: 2, PartialRotaryFactor: 0.25})
		}},
		{[]string{"--head-dim", "128", "--scaling", "giraffe-power:scale_power=0.5"}, func() (*ops.Rotary, error) {
			return ops.GiraffePower(ops.GiraffePowerParams{RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 10000}, ScalePower: 0.5})
		}},
		{[]string{"--head-dim", "64", "--scaling", "giraffe-power:scale_power=2,scale=4"}, func() (*ops.Rotary, error) {
			return ops.GiraffePower(ops.GiraffePowerParams{RoPEParams: p, ScalePower: 2, Scale: 4})
		}},
		{[]string{"--head-dim", "64", "--scaling", "giraffe-truncate:truncate=2048"}, func() (*ops.Rotary, error) {
			return ops.GiraffeTruncate(ops.GiraffeTruncateParams{RoPEParams: p, Truncate: 2048})
		}},
		{[]string{"--head-dim", "64", "--scaling", "giraffe-truncate:truncate=8192,scale=4,scale_power=0.5"}, func() (*ops.Rotary, error) {
			return ops.GiraffeTruncate(ops.GiraffeTruncateParams{RoPEParams: p, Truncate: 8192, Scale: 4, ScalePower: 0.5})
		}},
		{[]string{"--head-dim", "64", "--scaling", "giraffe-truncate:a=0.0004,b=0.003,rho=0.0002"}, func() (*ops.Rotary, error) {
			return ops.GiraffeTruncate(ops.GiraffeTruncateParams{RoPEParams: p, A: 0.0004, B: 0.003, Rho: 0.0002})
		}},
	} {
		got, cfg, err := resolveFlags(c.args...)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		want, err := c.want()
		if err != nil {
			t.Fatal(err)
		}
		if cfg != nil || got.Type != want.Type || got.Dim != want.Dim || got.AttentionFactor != want.AttentionFactor ||
			!slices.Equal(got.InvFreq, want.InvFreq) || !slices.Equal(got.InvFreqF32, want.InvFreqF32) {
			t.Errorf("%v:\n got %+v\nwant %+v", c.args, got, want)
		}
	}
	r, cfg, err := resolveFlags("--hf-config", config("phi-3-mini-128k-instruct"), "--seq-len", "100", "--layout", "gptj")
	if err != nil || cfg == nil || cfg.ModelType != "phi3" || r.Layout != ops.GPTJ || r.Type != "longrope" {
		t.Fatalf("hf-config: %+v %+v %v", r, cfg, err)
	}
	// The short list applies at seq_len 100 ≤ 4096.
	want := 1 / (cfg.Rope.ShortFactor[47] * math.Pow(10000, 94.0/96))
	if math.Abs(r.InvFreq[47]-want) > 1e-13*want {
		t.Errorf("seq_len 100 did not select the short factors: %g, want %g", r.InvFreq[47], want)
	}
	if _, _, err := resolveFlags("--head-dim", "64", "--rotary-dim", "32", "--scaling", "proportional"); err == nil {
		t.Error("--rotary-dim with proportional: no error")
	}
	if _, _, err := resolveFlags("--head-dim", "64", "--scaling", "yarn:factor=2,original_max_position_embeddings=64,truncate=maybe"); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("bad truncate: %v", err)
	}
	for _, c := range []struct {
		spec string
		kind error
		msg  string
	}{
		{"giraffe-power", ops.ErrConfig, "--scaling scale_power = missing"},
		{"giraffe-power:scale_power=0.5,truncate=2048", ops.ErrConfig, "--scaling truncate = 2048"},
		{"giraffe-power:scale_power=-1", ops.ErrRange, "scale_power = -1"},
		{"giraffe-truncate", ops.ErrRange, "b = 0"},
		{"giraffe-truncate:truncate=2048,rho=0.001", ops.ErrConfig, "truncate = 2048"},
		{"giraffe-truncate:truncate=2k", ops.ErrConfig, "--scaling truncate = 2k"},
		{"giraffe-truncate:a=0.01,b=0.001", ops.ErrRange, "a = 0.01"},
	} {
		if _, _, err := resolveFlags("--head-dim", "64", "--scaling", c.spec); !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v mentioning %q", c.spec, err, c.kind, c.msg)
		}
	}
	if _, _, err := resolveFlags("--head-dim", "64", "--scaling", "linear:factor=2,factor=3"); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("repeated key: %v", err)
	}
	if _, _, err := resolveFlags("--head-dim", "64", "--scaling", "longrope:short_factor=1/x,long_factor=1,original_max_position_embeddings=8"); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("bad list: %v", err)
	}
}

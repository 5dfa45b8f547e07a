package ops

import (
	"errors"
	"math"
	"testing"
)

func TestScheduleErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := RoPEParams{HeadDim: 64, Base: 10000}
	with := func(edit func(p *RoPEParams)) RoPEParams {
		p := ok
		edit(&p)
		return p
	}
	short, long := phiLists(32)
	lr := func(edit func(p *LongRoPEParams)) error {
		p := LongRoPEParams{RoPEParams: ok, ShortFactor: short, LongFactor: long,
			OriginalMaxPositionEmbeddings: 4096, MaxPositionEmbeddings: 131072}
		edit(&p)
		_, err := LongRoPE(p)
		return err
	}
	yarn := func(edit func(p *YaRNParams)) error {
		p := YaRNParams{RoPEParams: ok, Factor: 4, OriginalMaxPositionEmbeddings: 4096}
		edit(&p)
		_, err := YaRN(p)
		return err
	}
	l3 := func(edit func(p *Llama3Params)) error {
		p := Llama3Params{ok, 8, 1, 4, 8192}
		edit(&p)
		_, err := Llama3(p)
		return err
	}
	run := func(p RoPEParams) error { _, err := Default(p); return err }
	cases := []struct {
		name string
		err  error
		kind error
		arg  string
	}{
		{"linear factor 1e-300", func() error { _, err := Linear(LinearParams{ok, 1e-300}); return err }(), ErrRange, "rotary.inv_freq_f32[0]"},
		{"proportional factor 1e-300", func() error {
			_, err := Proportional(ProportionalParams{HeadDim: 64, Base: 10000, Factor: 1e-300})
			return err
		}(), ErrRange, "rotary.inv_freq_f32[0]"},
		{"nan base", run(with(func(p *RoPEParams) { p.Base = nan })), ErrRange, "rope_theta"},
		{"inf base", run(with(func(p *RoPEParams) { p.Base = inf })), ErrRange, "rope_theta"},
		{"zero base", run(with(func(p *RoPEParams) { p.Base = 0 })), ErrRange, "rope_theta"},
		{"base 1", run(with(func(p *RoPEParams) { p.Base = 1 })), ErrRange, "rope_theta"},
		{"negative base", run(with(func(p *RoPEParams) { p.Base = -10000 })), ErrRange, "rope_theta"},
		{"base beyond float32", run(with(func(p *RoPEParams) { p.Base = 1e39 })), ErrRange, "rope_theta"},
		{"odd head", run(with(func(p *RoPEParams) { p.HeadDim = 63 })), ErrConfig, "head_dim"},
		{"zero head", run(with(func(p *RoPEParams) { p.HeadDim = 0 })), ErrConfig, "head_dim"},
		{"negative head", run(with(func(p *RoPEParams) { p.HeadDim = -64 })), ErrConfig, "head_dim"},
		{"huge head", run(with(func(p *RoPEParams) { p.HeadDim = 1 << 20 })), ErrConfig, "head_dim"},
		{"odd rotary", run(with(func(p *RoPEParams) { p.RotaryDim = 31 })), ErrConfig, "rotary_dim"},
		{"rotary > head", run(with(func(p *RoPEParams) { p.RotaryDim = 66 })), ErrConfig, "rotary_dim"},
		{"negative rotary", run(with(func(p *RoPEParams) { p.RotaryDim = -2 })), ErrConfig, "rotary_dim"},
		{"bad layout", run(with(func(p *RoPEParams) { p.Layout = 7 })), ErrConfig, "layout"},
		{"linear nan", second(Linear(LinearParams{ok, nan})), ErrRange, "factor"},
		{"linear zero", second(Linear(LinearParams{ok, 0})), ErrRange, "factor"},
		{"linear negative", second(Linear(LinearParams{ok, -2})), ErrRange, "factor"},
		{"linear inf", second(Linear(LinearParams{ok, inf})), ErrRange, "factor"},
		{"ntk nan", second(NTKAware(NTKParams{ok, nan})), ErrRange, "alpha"},
		{"ntk zero", second(NTKAware(NTKParams{ok, 0})), ErrRange, "alpha"},
		{"ntk overflow", second(NTKAware(NTKParams{ok, 1e300})), ErrRange, "alpha"},
		{"ntk tiny dim", second(NTKAware(NTKParams{RoPEParams{HeadDim: 2, Base: 10000}, 2})), ErrConfig, "rotary_dim"},
		{"dynamic nan", second(DynamicNTK(DynamicParams{ok, nan, 4096, 0})), ErrRange, "factor"},
		{"dynamic no L", second(DynamicNTK(DynamicParams{ok, 2, 0, 0})), ErrRange, "max_position_embeddings"},
		{"dynamic negative seq", second(DynamicNTK(DynamicParams{ok, 2, 4096, -1})), ErrRange, "seq_len"},
		{"dynamic overflow", second(DynamicNTK(DynamicParams{ok, 1e300, 4096, 1 << 30})), ErrRange, "factor"},
		{"yarn nan factor", yarn(func(p *YaRNParams) { p.Factor = nan }), ErrRange, "factor"},
		{"yarn zero factor", yarn(func(p *YaRNParams) { p.Factor = 0 }), ErrRange, "factor"},
		{"yarn no Lo", yarn(func(p *YaRNParams) { p.OriginalMaxPositionEmbeddings = 0 }), ErrRange, "original_max_position_embeddings"},
		{"yarn nan beta_fast", yarn(func(p *YaRNParams) { p.BetaFast = nan }), ErrRange, "beta_fast"},
		{"yarn negative beta_slow", yarn(func(p *YaRNParams) { p.BetaSlow = -1 }), ErrRange, "beta_slow"},
		{"yarn inf mscale", yarn(func(p *YaRNParams) { p.Mscale = inf }), ErrRange, "mscale"},
		{"yarn nan mscale_all_dim", yarn(func(p *YaRNParams) { p.MscaleAllDim = nan }), ErrRange, "mscale_all_dim"},
		{"yarn negative attention", yarn(func(p *YaRNParams) { p.AttentionFactor = -1 }), ErrRange, "attention_factor"},
		{"yarn bad base", yarn(func(p *YaRNParams) { p.Base = nan }), ErrRange, "rope_theta"},
		{"llama3 nan factor", l3(func(p *Llama3Params) { p.Factor = nan }), ErrRange, "factor"},
		{"llama3 zero low", l3(func(p *Llama3Params) { p.LowFreqFactor = 0 }), ErrRange, "low_freq_factor"},
		{"llama3 inf high", l3(func(p *Llama3Params) { p.HighFreqFactor = inf }), ErrRange, "high_freq_factor"},
		{"llama3 high ≤ low", l3(func(p *Llama3Params) { p.HighFreqFactor = 1 }), ErrConfig, "high_freq_factor"},
		{"llama3 no Lo", l3(func(p *Llama3Params) { p.OriginalMaxPositionEmbeddings = -1 }), ErrRange, "original_max_position_embeddings"},
		{"longrope short list", lr(func(p *LongRoPEParams) { p.ShortFactor = short[:31] }), ErrConfig, "short_factor"},
		{"longrope missing long", lr(func(p *LongRoPEParams) { p.LongFactor = nil }), ErrConfig, "long_factor"},
		{"longrope nan entry", lr(func(p *LongRoPEParams) { p.LongFactor = append([]float64{nan}, long[1:]...) }), ErrRange, "long_factor[0]"},
		{"longrope zero entry", lr(func(p *LongRoPEParams) {
			p.ShortFactor = append(append([]float64{}, short[:5]...), append([]float64{0}, short[6:]...)...)
		}), ErrRange, "short_factor[5]"},
		{"longrope Lo 1", lr(func(p *LongRoPEParams) { p.OriginalMaxPositionEmbeddings = 1 }), ErrRange, "original_max_position_embeddings"},
		{"longrope no factor no max", lr(func(p *LongRoPEParams) { p.MaxPositionEmbeddings = 0 }), ErrRange, "max_position_embeddings"},
		{"longrope nan factor", lr(func(p *LongRoPEParams) { p.Factor = nan }), ErrRange, "factor"},
		{"longrope negative seq", lr(func(p *LongRoPEParams) { p.SeqLen = -5 }), ErrRange, "seq_len"},
		{"longrope nan attention", lr(func(p *LongRoPEParams) { p.AttentionFactor = nan }), ErrRange, "attention_factor"},
		{"proportional share", second(Proportional(ProportionalParams{HeadDim: 64, Base: 10000, PartialRotaryFactor: 1.5})), ErrRange, "partial_rotary_factor"},
		{"proportional nan factor", second(Proportional(ProportionalParams{HeadDim: 64, Base: 10000, Factor: nan})), ErrRange, "factor"},
		{"proportional odd head", second(Proportional(ProportionalParams{HeadDim: 65, Base: 10000})), ErrConfig, "head_dim"},
		{"table nan", second(Table(TableParams{HeadDim: 4, InvFreq: []float64{1, nan}})), ErrRange, "inv_freq[1]"},
		{"table negative", second(Table(TableParams{HeadDim: 4, InvFreq: []float64{-1, 1}})), ErrRange, "inv_freq[0]"},
		{"table too long", second(Table(TableParams{HeadDim: 2, InvFreq: []float64{1, 1}})), ErrShape, "inv_freq"},
		{"table empty", second(Table(TableParams{HeadDim: 2})), ErrShape, "inv_freq"},
		{"table f32 length", second(Table(TableParams{HeadDim: 4, InvFreq: []float64{1, 1}, InvFreqF32: []float32{1}})), ErrShape, "inv_freq_f32"},
		{"table attention", second(Table(TableParams{HeadDim: 4, InvFreq: []float64{1, 1}, AttentionFactor: -1})), ErrRange, "attention_factor"},
		{"table huge head", second(Table(TableParams{HeadDim: MaxHeadDim + 2, InvFreq: []float64{1}})), ErrConfig, "head_dim"},
		{"giraffe power zero", second(GiraffePower(GiraffePowerParams{RoPEParams: ok})), ErrRange, "scale_power"},
		{"giraffe power nan", second(GiraffePower(GiraffePowerParams{RoPEParams: ok, ScalePower: nan})), ErrRange, "scale_power"},
		{"giraffe power scale < 1", second(GiraffePower(GiraffePowerParams{RoPEParams: ok, ScalePower: 1, Scale: 0.5})), ErrRange, "scale"},
		{"giraffe power scale inf", second(GiraffePower(GiraffePowerParams{RoPEParams: ok, ScalePower: 1, Scale: inf})), ErrRange, "scale"},
		{"giraffe power bad base", second(GiraffePower(GiraffePowerParams{RoPEParams: with(func(p *RoPEParams) { p.Base = 0 }), ScalePower: 1})), ErrRange, "rope_theta"},
		{"giraffe truncate nothing", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok})), ErrRange, "b"},
		{"giraffe truncate negative", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, Truncate: -1})), ErrRange, "truncate"},
		{"giraffe truncate both", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, Truncate: 2048, Rho: 1e-4})), ErrConfig, "truncate"},
		{"giraffe truncate a = b", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, A: 0.01, B: 0.01})), ErrRange, "a"},
		{"giraffe truncate negative a", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, A: -1, B: 0.01})), ErrRange, "a"},
		{"giraffe truncate nan b", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, B: nan})), ErrRange, "b"},
		{"giraffe truncate inf rho", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, B: 0.01, Rho: inf})), ErrRange, "rho"},
		{"giraffe truncate negative rho", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, B: 0.01, Rho: -1e-4})), ErrRange, "rho"},
		{"giraffe truncate power", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, Truncate: 2048, ScalePower: -1})), ErrRange, "scale_power"},
		{"giraffe truncate scale", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: ok, Truncate: 2048, Scale: -4})), ErrRange, "scale"},
		{"giraffe truncate odd head", second(GiraffeTruncate(GiraffeTruncateParams{RoPEParams: with(func(p *RoPEParams) { p.HeadDim = 63 }), Truncate: 2048})), ErrConfig, "head_dim"},
		{"partial zero", second(PartialRotaryDim(64, 0)), ErrRange, "partial_rotary_factor"},
		{"partial nan", second(PartialRotaryDim(64, nan)), ErrRange, "partial_rotary_factor"},
		{"partial odd", second(PartialRotaryDim(64, 0.3)), ErrConfig, "partial_rotary_factor"},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(c.err, c.kind) {
			t.Errorf("%s: %v does not wrap %v", c.name, c.err, c.kind)
		}
		var ae *ArgError
		if !errors.As(c.err, &ae) || ae.Arg != c.arg {
			t.Errorf("%s: %v does not name %q", c.name, c.err, c.arg)
		}
	}
}

// second returns the error of a (value, error) pair.
func second[T any](_ T, err error) error { return err }

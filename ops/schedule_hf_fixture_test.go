package ops

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/internal/hffixture"
)

// fixtureRotary builds the schedule a fixture case describes by
// constructor parameters.
func fixtureRotary(p map[string]any) (*Rotary, error) {
	num := func(k string) float64 { f, _ := p[k].(float64); return f }
	n := func(k string) int { return int(num(k)) }
	rp := RoPEParams{HeadDim: n("head_dim"), RotaryDim: n("rotary_dim"), Base: num("base")}
	switch p["type"] {
	case "default":
		return Default(rp)
	case "linear":
		return Linear(LinearParams{rp, num("factor")})
	case "dynamic":
		return DynamicNTK(DynamicParams{rp, num("factor"), n("max_position_embeddings"), n("seq_len")})
	case "yarn":
		trunc, ok := p["truncate"].(bool)
		return YaRN(YaRNParams{RoPEParams: rp, Factor: num("factor"),
			OriginalMaxPositionEmbeddings: n("original_max_position_embeddings"),
			BetaFast:                      num("beta_fast"), BetaSlow: num("beta_slow"), Mscale: num("mscale"),
			MscaleAllDim: num("mscale_all_dim"), NoTruncate: ok && !trunc})
	case "llama3":
		return Llama3(Llama3Params{rp, num("factor"), num("low_freq_factor"), num("high_freq_factor"),
			n("original_max_position_embeddings")})
	case "giraffe":
		if n("truncate") > 0 {
			return GiraffeTruncate(GiraffeTruncateParams{RoPEParams: rp, Truncate: n("truncate"),
				Scale: num("scale"), ScalePower: num("scale_power")})
		}
		return GiraffePower(GiraffePowerParams{RoPEParams: rp, ScalePower: num("scale_power"), Scale: num("scale")})
	case "proportional":
		return Proportional(ProportionalParams{HeadDim: rp.HeadDim, Base: rp.Base,
			PartialRotaryFactor: num("partial_rotary_factor"), Factor: num("factor")})
	}
	return nil, Errorf(ErrConfig, "type", p["type"], "unknown in fixture")
}

// TestHFFixture compares InvFreqF32 with float32 tables PyTorch computed
// in Hugging Face's order of operations: every entry within 1 float32 ulp
// (the only freedom is the last bit of torch's vectorised powf), the
// float64 table within 1e-6 relative, the attention factor within 1e-15.
func TestHFFixture(t *testing.T) {
	fx, err := hffixture.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	var total, exact, worst int
	for _, c := range fx.Cases {
		var r *Rotary
		if c.Config != "" {
			cfg, err := ReadHFConfigFile(configPath(c.Config))
			if err != nil {
				t.Fatal(err)
			}
			r, err = cfg.Rotary(c.SeqLen)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		} else if r, err = fixtureRotary(c.Params); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(r.InvFreqF32) != len(c.InvFreqF32) {
			t.Fatalf("%s: %d entries, fixture has %d", c.Name, len(r.InvFreqF32), len(c.InvFreqF32))
		}
		if math.Abs(r.AttentionFactor-c.AttentionFactor) > 1e-15 {
			t.Errorf("%s: attention factor %.17g, torch side %.17g", c.Name, r.AttentionFactor, c.AttentionFactor)
		}
		table, err := c.Table()
		if err != nil {
			t.Fatal(err)
		}
		for j, want := range table {
			w := float64(want)
			d := int(math.Float32bits(r.InvFreqF32[j])) - int(math.Float32bits(want))
			if d < 0 {
				d = -d
			}
			total++
			if d == 0 {
				exact++
			}
			worst = max(worst, d)
			if d > 1 {
				t.Errorf("%s: inv_freq_f32[%d] = %.9g, torch %.9g: %d ulps", c.Name, j, r.InvFreqF32[j], want, d)
			}
			if w != 0 && math.Abs(r.InvFreq[j]-w)/w > 1e-6 {
				t.Errorf("%s: inv_freq[%d] = %.17g vs torch fp32 %.9g: beyond 1e-6 relative", c.Name, j, r.InvFreq[j], w)
			}
		}
	}
	t.Logf("torch %s: %d/%d float32 entries bit-identical, worst %d ulp", fx.Torch, exact, total, worst)
}

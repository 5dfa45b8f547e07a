package ops

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Tolerances. InvFreq is computed with math.Pow and a division; the
// references below use exp/log forms, which agree to a few float64 ulps
// even after the exponent is scaled by ln(base) ≤ 17: 1e-13 relative is
// ample and still catches any formula slip. Attention factors are single
// expressions: 1e-15.
const (
	invTol  = 1e-13
	attnTol = 1e-15
)

// refDefault is 1/base^(2j/d) written as exp(-(2j/d) ln base).
func refDefault(base float64, j, d int) float64 {
	return math.Exp(-float64(2*j) / float64(d) * math.Log(base))
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func checkInv(t *testing.T, r *Rotary, want []float64) {
	t.Helper()
	if len(r.InvFreq) != len(want) {
		t.Fatalf("%s: %d frequencies, want %d", r.Type, len(r.InvFreq), len(want))
	}
	for j := range want {
		if e := relErr(r.InvFreq[j], want[j]); e > invTol {
			t.Errorf("%s: inv_freq[%d] = %.17g, want %.17g (rel err %.2g)", r.Type, j, r.InvFreq[j], want[j], e)
		}
	}
	if err := r.Validate(); err != nil {
		t.Errorf("%s: Validate: %v", r.Type, err)
	}
}

// checkF32 wants InvFreqF32 bit for bit equal to the transliterated
// Hugging Face pipeline.
func checkF32(t *testing.T, r *Rotary, want ft) {
	t.Helper()
	if len(r.InvFreqF32) != len(want) {
		t.Fatalf("%s: %d float32 frequencies, want %d", r.Type, len(r.InvFreqF32), len(want))
	}
	for j := range want {
		if math.Float32bits(r.InvFreqF32[j]) != math.Float32bits(want[j]) {
			t.Errorf("%s: inv_freq_f32[%d] = %.9g, want %.9g", r.Type, j, r.InvFreqF32[j], want[j])
		}
	}
}

// checkF32NearExact bounds HF's float32 table against the exact one: the
// float32 exponent carries a relative error ≤ 2^-24, which pow turns into
// ≤ 2^-24 * e * ln(base) ≤ 2^-24 * ln(base), plus a few float32 roundings;
// it must stay under the 1e-6 relative agreement rotor promises.
func checkF32NearExact(t *testing.T, r *Rotary, base float64) {
	t.Helper()
	bound := math.Ldexp(math.Log(base)+8, -24)
	if bound > 1e-6 {
		bound = 1e-6
	}
	for j, f := range r.InvFreqF32 {
		if e := relErr(float64(f), r.InvFreq[j]); e > bound {
			t.Errorf("%s: inv_freq_f32[%d] = %.9g vs inv_freq %.17g: rel err %.2g > %.2g", r.Type, j, f, r.InvFreq[j], e, bound)
		}
	}
}

func TestDefault(t *testing.T) {
	for _, c := range []struct {
		head, rot int
		base      float64
	}{{128, 0, 500000}, {64, 0, 10000}, {96, 0, 10000}, {128, 64, 1e7}, {80, 32, 10000}, {2, 0, 10000}, {64, 0, 123456.789}} {
		r, err := Default(RoPEParams{HeadDim: c.head, RotaryDim: c.rot, Base: c.base})
		if err != nil {
			t.Fatal(err)
		}
		d := c.rot
		if d == 0 {
			d = c.head
		}
		if r.Type != "default" || r.HeadDim != c.head || r.Dim != d || r.AttentionFactor != 1 || r.Layout != NeoX {
			t.Errorf("%+v: got %+v", c, r)
		}
		want := make([]float64, d/2)
		for j := range want {
			want[j] = refDefault(c.base, j, d)
		}
		checkInv(t, r, want)
		checkF32(t, r, hfDefault(c.base, d))
		checkF32NearExact(t, r, c.base)
		if r.InvFreq[0] != 1 || r.InvFreqF32[0] != 1 {
			t.Errorf("%+v: pair 0 frequency %v/%v, want exactly 1", c, r.InvFreq[0], r.InvFreqF32[0])
		}
	}
	r, err := DefaultRoPE(128, 10000)
	if err != nil || r.Dim != 128 || r.Type != "default" {
		t.Fatalf("DefaultRoPE: %+v, %v", r, err)
	}
	g, err := Default(RoPEParams{HeadDim: 64, Base: 10000, Layout: GPTJ})
	if err != nil || g.Layout != GPTJ {
		t.Fatalf("GPTJ layout lost: %+v, %v", g, err)
	}
}

func TestLinear(t *testing.T) {
	for _, f := range []float64{2, 4, 0.5, 3.3} {
		r, err := Linear(LinearParams{RoPEParams{HeadDim: 128, Base: 10000}, f})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, 64)
		for j := range want {
			want[j] = refDefault(10000, j, 128) / f
		}
		checkInv(t, r, want)
		checkF32(t, r, hfLinear(10000, 128, f))
		checkF32NearExact(t, r, 10000)
		if r.AttentionFactor != 1 || r.Type != "linear" {
			t.Errorf("factor %g: %+v", f, r)
		}
	}
}

func TestNTKAware(t *testing.T) {
	for _, c := range []struct {
		d     int
		alpha float64
	}{{128, 8}, {64, 1000}, {128, 1}} {
		r, err := NTKAware(NTKParams{RoPEParams{HeadDim: c.d, Base: 10000}, c.alpha})
		if err != nil {
			t.Fatal(err)
		}
		lnB := math.Log(10000) + float64(c.d)/float64(c.d-2)*math.Log(c.alpha)
		want := make([]float64, c.d/2)
		for j := range want {
			want[j] = math.Exp(-float64(2*j) / float64(c.d) * lnB)
		}
		checkInv(t, r, want)
		checkF32(t, r, hfDefault(10000*math.Pow(c.alpha, float64(c.d)/float64(c.d-2)), c.d))
		// The lowest frequency is interpolated by exactly alpha:
		// base'^((d-2)/d) = base^((d-2)/d) * alpha.
		last := refDefault(10000, c.d/2-1, c.d) / c.alpha
		if e := relErr(r.InvFreq[c.d/2-1], last); e > invTol {
			t.Errorf("alpha %g: last frequency %g, want %g", c.alpha, r.InvFreq[c.d/2-1], last)
		}
	}
}

func TestDynamicNTK(t *testing.T) {
	const L = 4096
	for _, c := range []struct {
		seq    int
		factor float64
	}{{0, 2}, {100, 2}, {L, 2}, {L + 1, 2}, {3 * L, 2}, {10 * L, 4}, {1 << 20, 8}} {
		r, err := DynamicNTK(DynamicParams{RoPEParams{HeadDim: 128, Base: 10000}, c.factor, L, c.seq})
		if err != nil {
			t.Fatal(err)
		}
		s := math.Max(float64(c.seq), L)
		lnB := math.Log(10000) + 128.0/126.0*math.Log(c.factor*s/L-(c.factor-1))
		want := make([]float64, 64)
		for j := range want {
			want[j] = math.Exp(-float64(2*j) / 128 * lnB)
		}
		checkInv(t, r, want)
		if c.seq <= L {
			// Lengths up to L: the default schedule, in both tables.
			checkF32(t, r, hfDefault(10000, 128))
		} else {
			checkF32(t, r, hfDynamicForward(10000, 128, c.factor, c.seq, L))
		}
		checkF32NearExact(t, r, math.Exp(lnB))
	}
}

func TestYaRN(t *testing.T) {
	cases := []struct {
		name     string
		d        int
		base     float64
		factor   float64
		lo       int
		truncate bool
		bf, bs   float64
	}{
		{"gpt-oss", 64, 150000, 32, 4096, false, 32, 1},
		{"qwen2.5", 128, 1e6, 4, 32768, true, 0, 0},
		{"deepseek", 64, 10000, 40, 4096, true, 32, 1},
		{"narrow", 16, 10000, 8, 64, true, 0, 0},
		{"betas", 128, 10000, 16, 2048, false, 16, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := YaRN(YaRNParams{RoPEParams: RoPEParams{HeadDim: c.d, Base: c.base}, Factor: c.factor,
				OriginalMaxPositionEmbeddings: c.lo, BetaFast: c.bf, BetaSlow: c.bs, NoTruncate: !c.truncate})
			if err != nil {
				t.Fatal(err)
			}
			bf, bs := c.bf, c.bs
			if bf == 0 {
				bf = 32
			}
			if bs == 0 {
				bs = 1
			}
			// Independent reference: the ramp bound for r rotations is the
			// pair index whose wavelength 2π base^(2j/d) equals Lo/r.
			bound := func(rot float64) float64 {
				return math.Log(float64(c.lo)/(2*math.Pi*rot)) / math.Log(c.base) * float64(c.d) / 2
			}
			low, high := bound(bf), bound(bs)
			if c.truncate {
				low, high = math.Floor(low), math.Ceil(high)
			}
			low, high = math.Max(low, 0), math.Min(high, float64(c.d-1))
			if low == high {
				high += 0.001
			}
			want := make([]float64, c.d/2)
			for j := range want {
				ramp := math.Min(math.Max((float64(j)-low)/(high-low), 0), 1)
				f := refDefault(c.base, j, c.d)
				want[j] = f * (1 - ramp + ramp/c.factor)
				switch {
				case float64(j) <= low:
					if r.InvFreq[j] != f && relErr(r.InvFreq[j], f) > invTol {
						t.Errorf("pair %d below the ramp not kept", j)
					}
				case float64(j) >= high:
					if relErr(r.InvFreq[j], f/c.factor) > invTol {
						t.Errorf("pair %d above the ramp not divided by the factor", j)
					}
				}
			}
			checkInv(t, r, want)
			checkF32(t, r, hfYaRN(c.base, c.d, c.factor, c.lo, bf, bs, c.truncate))
			checkF32NearExact(t, r, c.base)
			wantAttn := 0.1*math.Log(c.factor) + 1
			if math.Abs(r.AttentionFactor-wantAttn) > attnTol {
				t.Errorf("attention factor %.17g, want %.17g", r.AttentionFactor, wantAttn)
			}
		})
	}
}

func TestYaRNAttentionFactor(t *testing.T) {
	base := YaRNParams{RoPEParams: RoPEParams{HeadDim: 64, Base: 10000}, Factor: 40, OriginalMaxPositionEmbeddings: 4096}
	for _, c := range []struct {
		name string
		edit func(p *YaRNParams)
		want float64
	}{
		// Published anchors: gpt-oss (factor 32) and Qwen2.5 (factor 4)
		// use 0.1 ln(s) + 1.
		{"gpt-oss", func(p *YaRNParams) { p.Factor = 32 }, 1.3465735902799727},
		{"qwen", func(p *YaRNParams) { p.Factor = 4 }, 1.1386294361119891},
		// DeepSeek-V2: mscale = mscale_all_dim cancel to exactly 1.
		{"deepseek-v2", func(p *YaRNParams) { p.Mscale, p.MscaleAllDim = 0.707, 0.707 }, 1},
		// DeepSeek-V3 style 1.0 / 0.707.
		{"mscale-ratio", func(p *YaRNParams) { p.Mscale, p.MscaleAllDim = 1, 0.707 },
			(0.1*math.Log(40) + 1) / (0.0707*math.Log(40) + 1)},
		// Only one of the two set: the plain rule.
		{"mscale-only", func(p *YaRNParams) { p.Mscale = 0.707 }, 0.1*math.Log(40) + 1},
		{"explicit", func(p *YaRNParams) { p.AttentionFactor = 1.25 }, 1.25},
		{"no-extension", func(p *YaRNParams) { p.Factor = 1 }, 1},
		{"shrink", func(p *YaRNParams) { p.Factor = 0.5 }, 1},
	} {
		p := base
		c.edit(&p)
		r, err := YaRN(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(r.AttentionFactor-c.want) > attnTol {
			t.Errorf("%s: attention factor %.17g, want %.17g", c.name, r.AttentionFactor, c.want)
		}
	}
	// DeepSeek's softmax pre-scale is mscale(s, mscale_all_dim)².
	if got, want := YaRNMscale(40, 0.707), 0.0707*math.Log(40)+1; math.Abs(got-want) > attnTol {
		t.Errorf("YaRNMscale(40, 0.707) = %.17g, want %.17g", got, want)
	}
}

func TestLlama3(t *testing.T) {
	for _, c := range []struct {
		name       string
		head       int
		factor     float64
		lowF, high float64
		lo         int
	}{
		{"llama-3.1-8b", 128, 8, 1, 4, 8192},
		{"llama-3.2-1b", 64, 32, 1, 4, 8192},
		{"odd-bands", 128, 4, 2, 3, 16384},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Llama3(Llama3Params{RoPEParams{HeadDim: c.head, Base: 500000}, c.factor, c.lowF, c.high, c.lo})
			if err != nil {
				t.Fatal(err)
			}
			n := c.head / 2
			want := make([]float64, n)
			var kept, divided, smoothed int
			for j := range want {
				f := refDefault(500000, j, c.head)
				wl := 2 * math.Pi / f
				switch {
				case wl < float64(c.lo)/c.high:
					want[j], kept = f, kept+1
				case wl > float64(c.lo)/c.lowF:
					want[j], divided = f/c.factor, divided+1
				default:
					s := (float64(c.lo)/wl - c.lowF) / (c.high - c.lowF)
					want[j], smoothed = f*((1-s)/c.factor+s), smoothed+1
					if !(want[j] > f/c.factor && want[j] < f) {
						t.Errorf("pair %d: smoothed %g outside (%g, %g)", j, want[j], f/c.factor, f)
					}
				}
			}
			checkInv(t, r, want)
			checkF32(t, r, hfLlama3(500000, c.head, c.factor, c.lowF, c.high, c.lo))
			checkF32NearExact(t, r, 500000)
			if c.name == "llama-3.1-8b" && (kept != 29 || smoothed != 6 || divided != 29) {
				// Band edges for θ=5e5, d=128: λ < 2048 ⇔ j ≤ 28,
				// λ > 8192 ⇔ j ≥ 35.
				t.Errorf("bands kept/smoothed/divided = %d/%d/%d, want 29/6/29", kept, smoothed, divided)
			}
			if r.AttentionFactor != 1 {
				t.Errorf("attention factor %g", r.AttentionFactor)
			}
		})
	}
}

func phiLists(n int) (short, long []float64) {
	short, long = make([]float64, n), make([]float64, n)
	for j := range short {
		short[j] = 1 + 0.05*float64(j)
		long[j] = 1 + 1.37*float64(j)
	}
	return
}

func TestLongRoPE(t *testing.T) {
	short, long := phiLists(48)
	p := LongRoPEParams{RoPEParams: RoPEParams{HeadDim: 96, Base: 10000}, ShortFactor: short, LongFactor: long,
		OriginalMaxPositionEmbeddings: 4096, MaxPositionEmbeddings: 131072}
	for _, seq := range []int{0, 1, 4096, 4097, 131072} {
		p.SeqLen = seq
		r, err := LongRoPE(p)
		if err != nil {
			t.Fatal(err)
		}
		ext := short
		if seq > 4096 {
			ext = long
		}
		want := make([]float64, 48)
		for j := range want {
			want[j] = refDefault(10000, j, 96) / ext[j]
		}
		checkInv(t, r, want)
		checkF32(t, r, hfLongRoPE(10000, 96, ext))
		checkF32NearExact(t, r, 10000)
		// Phi-3-mini-128k: sqrt(1 + ln(131072/4096) / ln(4096)).
		if math.Abs(r.AttentionFactor-1.1902380714238083) > attnTol {
			t.Errorf("seq %d: attention factor %.17g, want 1.1902380714238083", seq, r.AttentionFactor)
		}
	}
	p.Factor, p.SeqLen = 1, 0
	if r, _ := LongRoPE(p); r.AttentionFactor != 1 {
		t.Errorf("factor 1: attention factor %g, want 1", r.AttentionFactor)
	}
	p.Factor, p.AttentionFactor = 0, 1.5
	if r, _ := LongRoPE(p); r.AttentionFactor != 1.5 {
		t.Errorf("explicit attention factor lost: %g", r.AttentionFactor)
	}
}

func TestProportional(t *testing.T) {
	for _, c := range []struct {
		head          int
		share, factor float64
	}{{256, 0.25, 0}, {256, 1, 8}, {128, 0.5, 1}, {64, 0.3, 2}} {
		r, err := Proportional(ProportionalParams{HeadDim: c.head, Base: 1e6, PartialRotaryFactor: c.share, Factor: c.factor})
		if err != nil {
			t.Fatal(err)
		}
		f := c.factor
		if f == 0 {
			f = 1
		}
		a := int(c.share * float64(c.head) / 2)
		want := make([]float64, c.head/2)
		for j := 0; j < a; j++ {
			want[j] = refDefault(1e6, j, c.head) / f
		}
		if r.Dim != c.head {
			t.Errorf("%+v: dim %d, want head_dim %d", c, r.Dim, c.head)
		}
		checkInv(t, r, want)
		checkF32(t, r, hfProportional(1e6, c.head, c.share, f))
		for j := a; j < c.head/2; j++ {
			if r.InvFreq[j] != 0 || r.InvFreqF32[j] != 0 {
				t.Errorf("%+v: pair %d should not rotate", c, j)
			}
		}
	}
}

func TestTable(t *testing.T) {
	inv := []float64{1, 0.5, 0.25, 0}
	r, err := Table(TableParams{HeadDim: 12, InvFreq: inv, AttentionFactor: 1.5, Layout: GPTJ})
	if err != nil {
		t.Fatal(err)
	}
	inv[0] = 7 // the table must have been copied
	if r.Type != "table" || r.Dim != 8 || r.HeadDim != 12 || r.AttentionFactor != 1.5 || r.Layout != GPTJ || r.InvFreq[0] != 1 {
		t.Errorf("got %+v", r)
	}
	if r.InvFreqF32 != nil || r.F32()[1] != 0.5 {
		t.Errorf("float32 table: %v", r.InvFreqF32)
	}
	r, err = Table(TableParams{HeadDim: 4, InvFreq: []float64{1, 0.1}, InvFreqF32: []float32{1, 0.25}})
	if err != nil || r.AttentionFactor != 1 || r.F32()[1] != 0.25 {
		t.Errorf("explicit float32 table: %+v, %v", r, err)
	}
	// A float32 buffer alone: Compat uses it as is, InvFreq is its exact
	// widening (0.1 as float32 is 0.100000001490116…, not 0.1).
	f32 := []float32{1, 0.1, 0}
	r, err = Table(TableParams{HeadDim: 6, InvFreqF32: f32})
	if err != nil || r.Dim != 6 || r.InvFreq[1] != float64(float32(0.1)) || r.InvFreq[1] == 0.1 || r.F32()[1] != f32[1] || r.InvFreq[2] != 0 {
		t.Errorf("float32-only table: %+v, %v", r, err)
	}
	f32[1] = 7
	if r.InvFreqF32[1] == 7 {
		t.Error("the float32 table was not copied")
	}
	if _, err := Table(TableParams{HeadDim: 4, InvFreqF32: []float32{1, float32(math.NaN())}}); !errors.Is(err, ErrRange) || !strings.Contains(err.Error(), "inv_freq") {
		t.Errorf("NaN in a float32-only table: %v", err)
	}
	if _, err := Table(TableParams{HeadDim: 4}); !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "inv_freq") {
		t.Errorf("empty table: %v", err)
	}
}

func TestPartialRotaryDim(t *testing.T) {
	for _, c := range []struct {
		head   int
		factor float64
		want   int
	}{{128, 1, 128}, {128, 0.5, 64}, {80, 0.4, 32}, {96, 0.75, 72}, {128, 0.25, 32}} {
		got, err := PartialRotaryDim(c.head, c.factor)
		if err != nil || got != c.want {
			t.Errorf("PartialRotaryDim(%d, %g) = %d, %v; want %d", c.head, c.factor, got, err, c.want)
		}
	}
}

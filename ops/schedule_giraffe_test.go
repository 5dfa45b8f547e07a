package ops

import (
	"math"
	"testing"
)

// refGiraffePower is the paper's power basis written as
// exp(-(2j/d) ln base - ln s + k ln(1 - 2j/d)).
func refGiraffePower(base float64, j, d int, scale, k float64) float64 {
	x := -float64(2*j) / float64(d) * math.Log(base)
	if scale > 1 {
		x -= math.Log(scale)
	}
	if k > 0 {
		x += k * math.Log1p(-float64(2*j)/float64(d))
	}
	return math.Exp(x)
}

func TestGiraffePower(t *testing.T) {
	for _, c := range []struct {
		head, rot    int
		base         float64
		scale, power float64
	}{{128, 0, 10000, 0, 0.5}, {128, 0, 10000, 4, 0.5}, {128, 0, 10000, 1, 2}, {64, 0, 500000, 0, 0.25}, {96, 64, 10000, 16, 1}, {128, 0, 1e6, 0, 3}} {
		r, err := GiraffePower(GiraffePowerParams{RoPEParams: RoPEParams{HeadDim: c.head, RotaryDim: c.rot, Base: c.base},
			ScalePower: c.power, Scale: c.scale})
		if err != nil {
			t.Fatal(err)
		}
		d := c.rot
		if d == 0 {
			d = c.head
		}
		if r.Type != "giraffe-power" || r.Dim != d || r.HeadDim != c.head || r.AttentionFactor != 1 {
			t.Errorf("%+v: got %+v", c, r)
		}
		want := make([]float64, d/2)
		for j := range want {
			want[j] = refGiraffePower(c.base, j, d, c.scale, c.power)
		}
		checkInv(t, r, want)
		checkF32(t, r, hfGiraffe(c.base, d, c.scale, c.power, 0))
	}
	// Worked values, d = 128, base 10⁴, k = 0.5: pair 0 is kept; pair 32
	// is 10⁻² · √(1/2); pair 63 is 10^(-4·126/128) · √(1/64) = 10^-3.9375 / 8.
	r, err := GiraffePower(GiraffePowerParams{RoPEParams: RoPEParams{HeadDim: 128, Base: 10000}, ScalePower: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		j    int
		want float64
	}{{0, 1}, {32, 0.01 * math.Sqrt(0.5)}, {63, math.Pow(10, -3.9375) / 8}} {
		if e := relErr(r.InvFreq[w.j], w.want); e > invTol {
			t.Errorf("k=0.5: inv_freq[%d] = %.17g, want %.17g", w.j, r.InvFreq[w.j], w.want)
		}
	}
	if r.InvFreqF32[0] != 1 || r.InvFreqF32[32] != float32(float32(0.01)*float32(math.Sqrt(0.5))) {
		t.Errorf("k=0.5 float32: pair 0 %v, pair 32 %v", r.InvFreqF32[0], r.InvFreqF32[32])
	}
}

// giraffeBands counts the kept, ρ and zero pairs of a truncated table.
func giraffeBands[F float32 | float64](inv []F, rho F) (kept, atRho, zero int) {
	for _, f := range inv {
		switch f {
		case 0:
			zero++
		case rho:
			atRho++
		default:
			kept++
		}
	}
	return kept, atRho, zero
}

func TestGiraffeTruncate(t *testing.T) {
	// Worked example: LLaMA's d = 128, base 10⁴, truncated at its 2048
	// training tokens. b = 2π/2048: pair j keeps its frequency while its
	// wavelength 2π·10^(j/16) ≤ 2048, i.e. j ≤ 40 (pair 40: 1987 tokens,
	// pair 41: 2294). a = b/8: wavelengths up to 16384 become ρ = 2π/32768,
	// j = 41 … 54 (pair 54: 14900, pair 55: 17206); j ≥ 55 become 0.
	p := RoPEParams{HeadDim: 128, Base: 10000}
	r, err := GiraffeTruncate(GiraffeTruncateParams{RoPEParams: p, Truncate: 2048})
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != "giraffe-truncate" || r.Dim != 128 || r.AttentionFactor != 1 {
		t.Errorf("got %+v", r)
	}
	rho := 2 * math.Pi / 32768
	want := make([]float64, 64)
	for j := range want {
		switch {
		case j <= 40:
			want[j] = refDefault(10000, j, 128)
		case j <= 54:
			want[j] = rho
		}
	}
	checkInv(t, r, want)
	if k, m, z := giraffeBands(r.InvFreq, rho); k != 41 || m != 14 || z != 9 {
		t.Errorf("bands %d kept, %d at ρ, %d zero; want 41, 14, 9", k, m, z)
	}
	if k, m, z := giraffeBands(r.InvFreqF32, float32(rho)); k != 41 || m != 14 || z != 9 {
		t.Errorf("float32 bands %d kept, %d at ρ, %d zero; want 41, 14, 9", k, m, z)
	}
	checkF32(t, r, hfGiraffe(10000, 128, 0, 0, 2048))

	// The paper's a, b, ρ given directly reproduce the code's values.
	b := 2 * math.Pi / 2048
	e, err := GiraffeTruncate(GiraffeTruncateParams{RoPEParams: p, A: b / 8, B: b, Rho: b / 16})
	if err != nil {
		t.Fatal(err)
	}
	checkInv(t, e, r.InvFreq)
	checkF32(t, e, r.InvFreqF32)

	// Composed as the released code composes them: scale, then power,
	// then truncation, against the paper's formulas in float64.
	for _, c := range []struct {
		head         int
		base         float64
		scale, power float64
		truncate     int
	}{{128, 10000, 4, 0, 8192}, {128, 10000, 0, 0.5, 2048}, {64, 500000, 0, 0, 4096}, {128, 1e6, 16, 0, 32768}, {96, 10000, 0, 2, 1024}} {
		r, err := GiraffeTruncate(GiraffeTruncateParams{RoPEParams: RoPEParams{HeadDim: c.head, Base: c.base},
			Truncate: c.truncate, Scale: c.scale, ScalePower: c.power})
		if err != nil {
			t.Fatal(err)
		}
		b := 2 * math.Pi / float64(c.truncate)
		want := make([]float64, c.head/2)
		for j := range want {
			f := refGiraffePower(c.base, j, c.head, c.scale, c.power)
			switch wl := 2 * math.Pi / f; {
			case wl <= float64(c.truncate):
				want[j] = f
			case wl <= 8*float64(c.truncate):
				want[j] = b / 16
			}
		}
		checkInv(t, r, want)
		checkF32(t, r, hfGiraffe(c.base, c.head, c.scale, c.power, c.truncate))
	}

	// Boundaries: a frequency equal to b is kept, one equal to a becomes ρ.
	def, _ := Default(p)
	e, err = GiraffeTruncate(GiraffeTruncateParams{RoPEParams: p, A: def.InvFreq[50], B: def.InvFreq[20], Rho: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	if e.InvFreq[20] != def.InvFreq[20] || e.InvFreq[21] != 1e-5 || e.InvFreq[50] != 1e-5 || e.InvFreq[51] != 0 {
		t.Errorf("boundaries: pairs 20, 21, 50, 51 = %g %g %g %g", e.InvFreq[20], e.InvFreq[21], e.InvFreq[50], e.InvFreq[51])
	}
	// a = 0 zeroes nothing; ρ = 0 zeroes the whole band.
	e, err = GiraffeTruncate(GiraffeTruncateParams{RoPEParams: p, B: def.InvFreq[60]})
	if err != nil {
		t.Fatal(err)
	}
	if k, m, z := giraffeBands(e.InvFreq, 0); k != 61 || m+z != 3 {
		t.Errorf("a = 0, ρ = 0: %d kept, %d zero", k, m+z)
	}
}

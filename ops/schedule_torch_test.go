package ops

import "math"

// A tiny float32 "tensor" that mimics the PyTorch CPU operations Hugging
// Face transformers uses to build inv_freq, so the tests below can write
// each HF compute function line by line. Rules it encodes: a Python
// scalar meeting a float32 tensor is rounded to float32 first; "scalar /
// tensor" is reciprocal(tensor) * scalar; tensor ** tensor and scalar **
// tensor are float32 pow (emulated as the float64 power rounded to
// float32); a 0-dim tensor ** Python float takes the scalar kernel path,
// std::pow(float, double), computed in double.
type ft []float32

// arange2 is torch.arange(0, d, 2, dtype=int64).float().
func arange2(d int) ft {
	out := make(ft, 0, d/2)
	for i := 0; i < d; i += 2 {
		out = append(out, float32(i))
	}
	return out
}

// arangeF is torch.arange(n, dtype=float32).
func arangeF(n int) ft {
	out := make(ft, n)
	for i := range out {
		out[i] = float32(i)
	}
	return out
}

func (a ft) each(f func(x float32) float32) ft {
	out := make(ft, len(a))
	for i, x := range a {
		out[i] = f(x)
	}
	return out
}

// divS is a / s.
func (a ft) divS(s float64) ft {
	b := float32(s)
	return a.each(func(x float32) float32 { return float32(x / b) })
}

// mulS is a * s (and s * a).
func (a ft) mulS(s float64) ft {
	b := float32(s)
	return a.each(func(x float32) float32 { return float32(x * b) })
}

// subS is a - s.
func (a ft) subS(s float64) ft {
	b := float32(s)
	return a.each(func(x float32) float32 { return float32(x - b) })
}

// rsubS is s - a.
func (a ft) rsubS(s float64) ft {
	b := float32(s)
	return a.each(func(x float32) float32 { return float32(b - x) })
}

// rdivS is s / a = reciprocal(a) * s.
func (a ft) rdivS(s float64) ft {
	b := float32(s)
	return a.each(func(x float32) float32 {
		r := float32(1 / x)
		return float32(r * b)
	})
}

// rpowS is s ** a.
func (a ft) rpowS(s float64) ft {
	b := float64(float32(s))
	return a.each(func(x float32) float32 { return float32(math.Pow(b, float64(x))) })
}

// rpowT is b ** a for a 0-dim float32 tensor b.
func (a ft) rpowT(b ft) ft {
	return a.rpowS(float64(b[0]))
}

// powS is a ** s for a float32 tensor a and a Python float s (vector
// kernel: the exponent is rounded to float32).
func (a ft) powS(s float64) ft {
	e := float64(float32(s))
	return a.each(func(x float32) float32 { return float32(math.Pow(float64(x), e)) })
}

// powS0 is a ** s for a 0-dim tensor a (scalar kernel: double pow).
func (a ft) powS0(s float64) ft {
	return a.each(func(x float32) float32 { return float32(math.Pow(float64(x), s)) })
}

func (a ft) zip(b ft, f func(x, y float32) float32) ft {
	out := make(ft, len(a))
	for i := range a {
		out[i] = f(a[i], b[i])
	}
	return out
}

func (a ft) mul(b ft) ft {
	return a.zip(b, func(x, y float32) float32 { return float32(x * y) })
}

func (a ft) add(b ft) ft {
	return a.zip(b, func(x, y float32) float32 { return float32(x + y) })
}

func (a ft) clamp(lo, hi float32) ft {
	return a.each(func(x float32) float32 { return min(max(x, lo), hi) })
}

// gtS and ltS compare with the scalar rounded to float32.
func (a ft) gtS(s float64) []bool {
	out := make([]bool, len(a))
	for i, x := range a {
		out[i] = x > float32(s)
	}
	return out
}

func (a ft) ltS(s float64) []bool {
	out := make([]bool, len(a))
	for i, x := range a {
		out[i] = x < float32(s)
	}
	return out
}

func where(c []bool, a, b ft) ft {
	out := make(ft, len(c))
	for i := range c {
		if c[i] {
			out[i] = a[i]
		} else {
			out[i] = b[i]
		}
	}
	return out
}

// tensorF32 is torch.tensor(list, dtype=float32).
func tensorF32(v []float64) ft {
	out := make(ft, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// The Hugging Face compute functions, transliterated.

func hfDefault(base float64, dim int) ft {
	return arange2(dim).divS(float64(dim)).rpowS(base).rdivS(1)
}

func hfLinear(base float64, dim int, factor float64) ft {
	return hfDefault(base, dim).divS(factor)
}

// hfDynamicForward is the forward-time recomputation with seq_len a
// tensor (seqLen > L).
func hfDynamicForward(base float64, dim int, factor float64, seqLen, L int) ft {
	s := ft{float32(seqLen)}
	b := s.mulS(factor).divS(float64(L)).subS(factor - 1).powS0(float64(dim) / float64(dim-2)).mulS(base)
	return arange2(dim).divS(float64(dim)).rpowT(b).rdivS(1)
}

func hfYaRN(base float64, dim int, factor float64, origMax int, betaFast, betaSlow float64, truncate bool) ft {
	corr := func(rot float64) float64 {
		return (float64(dim) * math.Log(float64(origMax)/(rot*2*math.Pi))) / (2 * math.Log(base))
	}
	low, high := corr(betaFast), corr(betaSlow)
	if truncate {
		low, high = math.Floor(low), math.Ceil(high)
	}
	low, high = math.Max(low, 0), math.Min(high, float64(dim-1))
	posFreqs := arange2(dim).divS(float64(dim)).rpowS(base)
	extrap := posFreqs.rdivS(1)
	interp := posFreqs.mulS(factor).rdivS(1)
	if low == high {
		high += 0.001
	}
	ramp := arangeF(dim/2).subS(low).divS(high-low).clamp(0, 1)
	w := ramp.rsubS(1)
	return interp.mul(w.rsubS(1)).add(extrap.mul(w))
}

func hfLongRoPE(base float64, dim int, ext []float64) ft {
	shape := arange2(dim).divS(float64(dim))
	return tensorF32(ext).mul(shape.rpowS(base)).rdivS(1)
}

func hfLlama3(base float64, dim int, factor, lff, hff float64, old int) ft {
	inv := hfDefault(base, dim)
	lowWL, highWL := float64(old)/lff, float64(old)/hff
	wl := inv.rdivS(2 * math.Pi)
	invL := where(wl.gtS(lowWL), inv.divS(factor), inv)
	smooth := wl.rdivS(float64(old)).subS(lff).divS(hff - lff)
	smoothed := smooth.rsubS(1).mul(invL).divS(factor).add(smooth.mul(invL))
	lt, gt := wl.ltS(highWL), wl.gtS(lowWL)
	medium := make([]bool, len(wl))
	for i := range medium {
		medium[i] = !lt[i] && !gt[i]
	}
	return where(medium, smoothed, invL)
}

func hfProportional(base float64, headDim int, share, factor float64) ft {
	angles := int(math.Floor(share * float64(headDim) / 2))
	rot := arange2(2 * angles).divS(float64(headDim)).rpowS(base).rdivS(1)
	out := append(rot, make(ft, headDim/2-angles)...)
	return out.divS(factor)
}

// whereS is torch.where(c, s, a) for a Python float s: s is rounded to
// float32.
func whereS(c []bool, s float64, a ft) ft {
	return where(c, make(ft, len(a)).each(func(float32) float32 { return float32(s) }), a)
}

// hfGiraffe is the released Giraffe code's ScaledLlamaRotaryEmbedding
// table: the default table, divided by scale when it exceeds 1, times
// (1 - arange(n)/n) ** power when power > 0, then truncate_frequency with
// cutoff t = 2π/truncate, ρ = 2π/(16·truncate) and zero below t/8 when
// truncate > 0.
func hfGiraffe(base float64, dim int, scale, power float64, truncate int) ft {
	n := dim / 2
	f := hfDefault(base, dim)
	if scale > 1 {
		f = f.divS(scale)
	}
	if power > 0 {
		f = f.mul(arangeF(n).divS(float64(n)).rsubS(1).powS(power))
	}
	if truncate > 0 {
		cutoff := 2 * math.Pi / float64(truncate)
		ft := whereS(f.ltS(cutoff), 2*math.Pi/float64(truncate*16), f)
		f = whereS(f.ltS(cutoff/8), 0, ft)
	}
	return f
}

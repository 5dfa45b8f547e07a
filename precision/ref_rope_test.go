package precision

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// testRotary builds a schedule literally: θ base, rotary dim, head dim,
// layout and attention factor, with HF-style float32 frequencies.
func testRotary(base float64, dim, headDim int, l ops.Layout, attn float64) *ops.Rotary {
	r := &ops.Rotary{Type: "default", HeadDim: headDim, Dim: dim, AttentionFactor: attn, Layout: l}
	for j := range dim / 2 {
		f := math.Pow(base, -float64(2*j)/float64(dim))
		r.InvFreq = append(r.InvFreq, f)
		r.InvFreqF32 = append(r.InvFreqF32, float32(1)/float32(math.Pow(base, float64(float32(2*j)/float32(dim)))))
	}
	return r
}

func randVec(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// TestRefRoPEAgainstOracle recomputes the rotation independently: pairs
// viewed as complex numbers z = x_a + i·x_b multiplied by
// attn·(cos θ + i sin θ), with cos and sin of the exact angle pos·f from
// the math/big oracle. The
// reference uses math.Sincos (≤ 2^-52 absolute, measured in
// TestSinCos64's log), one rounding for the attention factor, one per
// product and one for the sum, so each output is within
// 6·2^-53·attn·(|x_a| + |x_b|) of the oracle.
func TestRefRoPEAgainstOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	pos := []int32{0, 1, 2, 255, 4095, 65535, 1 << 20, 1<<24 + 1, math.MaxInt32}
	for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
		for _, shape := range [][2]int{{64, 64}, {32, 64}, {128, 128}} {
			for _, attn := range []float64{1, 1.2} {
				for _, freqs := range []FreqRef{ExactFreqs, F32Freqs} {
					r := testRotary(5e5, shape[0], shape[1], l, attn)
					const heads = 2
					x := randVec(rng, len(pos)*heads*r.HeadDim)
					y, err := RefRoPE(x, heads, pos, r, freqs)
					if err != nil {
						t.Fatal(err)
					}
					f, _ := RefInvFreq(r, freqs)
					for ti, p := range pos {
						for h := range heads {
							row := (ti*heads + h) * r.HeadDim
							xr, yr := x[row:row+r.HeadDim], y[row:row+r.HeadDim]
							paired := make([]bool, r.HeadDim)
							for j := range r.Dim / 2 {
								var a, b int
								if l == ops.NeoX {
									a, b = j, j+r.Dim/2
								} else {
									a, b = 2*j, 2*j+1
								}
								paired[a], paired[b] = true, true
								bs, bc := bigSinCos(exactProduct(p, f[j]))
								rot := complex(f64(bc)*attn, f64(bs)*attn)
								z := complex(xr[a], xr[b]) * rot
								tol := 6 * 0x1p-53 * attn * (math.Abs(xr[a]) + math.Abs(xr[b]))
								if math.Abs(yr[a]-real(z)) > tol || math.Abs(yr[b]-imag(z)) > tol {
									t.Fatalf("%v dim %d/%d attn %v %v pos %d pair %d: got (%v, %v), want (%v, %v) ±%.2g",
										l, r.Dim, r.HeadDim, attn, freqs, p, j, yr[a], yr[b], real(z), imag(z), tol)
								}
							}
							for k, isPair := range paired {
								if !isPair && yr[k] != xr[k] {
									t.Fatalf("pass-through element %d changed: %v → %v", k, xr[k], yr[k])
								}
								if isPair != (k < r.Dim) {
									t.Fatalf("element %d paired = %v with rotary dim %d", k, isPair, r.Dim)
								}
							}
							if p == 0 && attn == 1 {
								for k := range yr {
									if yr[k] != xr[k] {
										t.Fatalf("position 0 is not the identity at element %d", k)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestRefRoPERelativePosition checks RoPE's defining property on the
// reference: RoPE(q, m)·RoPE(k, m+Δ) does not depend on m. Each angle
// carries the float64 product's rounding, ≤ half an ulp of θ = 2^-33 for
// θ < 2^21 (f ≤ 1), so the two angles' difference is off by ≤ 2^-32 ≈
// 2.3e-10 rad; the normalised deviation |s(m) − s(0)|/(‖q‖‖k‖) is at most
// that (Σ|q_j||k_j| ≤ ‖q‖‖k‖) plus ~d·2^-53 of trig and dot roundoff.
// 1e-9 leaves a 4× margin.
func TestRefRoPERelativePosition(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	r := testRotary(1e4, 128, 128, ops.NeoX, 1)
	worst := 0.0
	defer func() { t.Logf("max normalised deviation %.3g", worst) }()
	for range 20 {
		q, k := randVec(rng, 128), randVec(rng, 128)
		nq, nk := math.Sqrt(dot(q, q)), math.Sqrt(dot(k, k))
		for _, delta := range []int32{1, 16, 4096} {
			var s0 float64
			for i, m := range []int32{0, 16, 4096, 131072, 1 << 20} {
				rq, _ := RefRoPE(q, 1, []int32{m}, r, ExactFreqs)
				rk, _ := RefRoPE(k, 1, []int32{m + delta}, r, ExactFreqs)
				s := dot(rq, rk)
				if i == 0 {
					s0 = s
					continue
				}
				dev := math.Abs(s-s0) / (nq * nk)
				worst = max(worst, dev)
				if dev > 1e-9 {
					t.Fatalf("Δ=%d m=%d: normalised deviation %.3g > 1e-9", delta, m, dev)
				}
			}
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestRefInvFreq(t *testing.T) {
	r := testRotary(1e4, 8, 8, ops.NeoX, 1)
	f32, _ := RefInvFreq(r, F32Freqs)
	fex, _ := RefInvFreq(r, ExactFreqs)
	for j := range f32 {
		if f32[j] != float64(r.InvFreqF32[j]) || fex[j] != r.InvFreq[j] {
			t.Fatalf("pair %d: f32 %v exact %v", j, f32[j], fex[j])
		}
	}
	fex[0] = 42 // a copy: the schedule is untouched
	if r.InvFreq[0] == 42 {
		t.Fatal("RefInvFreq returned the schedule's own slice")
	}
	r.InvFreqF32 = nil
	f32, _ = RefInvFreq(r, F32Freqs)
	for j := range f32 {
		if f32[j] != float64(float32(r.InvFreq[j])) {
			t.Fatalf("pair %d: nil InvFreqF32 gives %v", j, f32[j])
		}
	}
	// F32Freqs is ExactFreqs on a schedule holding the widened values.
	x := randVec(rand.New(rand.NewPCG(35, 36)), 3*8)
	pos := []int32{7, 100000, 3}
	a, _ := RefRoPE(x, 1, pos, r, F32Freqs)
	r2 := *r
	r2.InvFreq = f32
	b, _ := RefRoPE(x, 1, pos, &r2, ExactFreqs)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("element %d: %v vs %v", i, a[i], b[i])
		}
	}
	if ExactFreqs.String() != "exact" || F32Freqs.String() != "f32" || FreqRef(9).String() != "freqs(9)" {
		t.Error("FreqRef names")
	}
}

func TestRefRoPEErrors(t *testing.T) {
	r := testRotary(1e4, 8, 8, ops.NeoX, 1)
	x := make([]float64, 2*2*8)
	pos := []int32{0, 1}
	bad := *r
	bad.Dim = 7
	cases := []struct {
		name string
		err  error
		kind error
	}{
		{"odd dim", func() error { _, e := RefRoPE(x, 2, pos, &bad, ExactFreqs); return e }(), ops.ErrShape},
		{"nil rotary", func() error { _, e := RefRoPE(x, 2, pos, nil, ExactFreqs); return e }(), ops.ErrConfig},
		{"freqs", func() error { _, e := RefRoPE(x, 2, pos, r, FreqRef(7)); return e }(), ops.ErrConfig},
		{"heads", func() error { _, e := RefRoPE(x, 0, pos, r, ExactFreqs); return e }(), ops.ErrShape},
		{"length", func() error { _, e := RefRoPE(x[1:], 2, pos, r, ExactFreqs); return e }(), ops.ErrShape},
		{"tensor nil", func() error { _, e := RefRoPETensorF64(nil, pos, r, ExactFreqs); return e }(), ops.ErrShape},
		{"tensor rank", func() error {
			_, e := RefRoPETensorF64(&TensorF64{Shape: []int{2, 16}, Data: x}, pos, r, ExactFreqs)
			return e
		}(), ops.ErrShape},
		{"tensor data", func() error {
			_, e := RefRoPETensorF64(&TensorF64{Shape: []int{2, 2, 8}, Data: x[1:]}, pos, r, ExactFreqs)
			return e
		}(), ops.ErrBuffer},
		{"tensor tokens", func() error {
			_, e := RefRoPETensorF64(&TensorF64{Shape: []int{2, 2, 8}, Data: x}, pos[:1], r, ExactFreqs)
			return e
		}(), ops.ErrShape},
		{"tensor head dim", func() error {
			_, e := RefRoPETensorF64(&TensorF64{Shape: []int{2, 4, 4}, Data: x}, pos, r, ExactFreqs)
			return e
		}(), ops.ErrShape},
		{"tensor negative", func() error { _, e := NewTensorF64(2, -1); return e }(), ops.ErrShape},
		{"from float32", func() error { _, e := TensorF64FromFloat32(make([]float32, 3), 2, 2); return e }(), ops.ErrShape},
	}
	for _, c := range cases {
		var ae *ops.ArgError
		if !errors.Is(c.err, c.kind) || !errors.As(c.err, &ae) {
			t.Errorf("%s: err = %v, want a typed %v", c.name, c.err, c.kind)
		}
	}
}

func TestRefRoPETensorF64(t *testing.T) {
	r := testRotary(1e6, 16, 24, ops.GPTJ, 1.1)
	pos := []int32{3, 9000, 1 << 22}
	x32 := make([]float32, 3*2*24)
	for i := range x32 {
		x32[i] = float32(i%7) - 3.25
	}
	xt, err := TensorF64FromFloat32(x32, 3, 2, 24)
	if err != nil {
		t.Fatal(err)
	}
	yt, err := RefRoPETensorF64(xt, pos, r, F32Freqs)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := RefRoPE(xt.Data, 2, pos, r, F32Freqs)
	if len(yt.Shape) != 3 || yt.Shape[0] != 3 || yt.Shape[1] != 2 || yt.Shape[2] != 24 || yt.Len() != len(y) {
		t.Fatalf("shape %v", yt.Shape)
	}
	for i := range y {
		if yt.Data[i] != y[i] {
			t.Fatalf("element %d: %v vs %v", i, yt.Data[i], y[i])
		}
	}
	if xt.Data[5] != float64(x32[5]) {
		t.Fatal("input tensor modified or misconverted")
	}
}

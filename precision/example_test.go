package precision_test

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

func ExampleBF16FromFloat32() {
	for _, f := range []float32{1.00390625, 1.01171875, 3.14159265, 1e-40, float32(math.Inf(-1))} {
		b := precision.BF16FromFloat32(f)
		fmt.Printf("%-12g → %#04x = %g\n", f, b.Bits(), b.Float32())
	}
	// A NaN whose payload lies only in the low 16 bits stays a NaN.
	nan := precision.BF16FromFloat32(math.Float32frombits(0xff800001))
	fmt.Printf("NaN %#08x → %#04x (NaN %v, negative %v)\n", 0xff800001, nan.Bits(), nan.IsNaN(), nan.Signbit())
	// Output:
	// 1.0039062    → 0x3f80 = 1
	// 1.0117188    → 0x3f82 = 1.015625
	// 3.1415927    → 0x4049 = 3.140625
	// 1e-40        → 0x0001 = 9.1835e-41
	// -Inf         → 0xff80 = -Inf
	// NaN 0xff800001 → 0xffc0 (NaN true, negative true)
}

func ExampleBF16FromFloat64() {
	// 1 + 2^-8 + 2^-30 lies just above the tie between the bf16 values 1
	// and 1 + 2^-7. Rounding to float32 first lands on the tie, which then
	// goes to even (1); a single rounding goes up.
	x := 1 + 0x1p-8 + 0x1p-30
	fmt.Println(precision.BF16FromFloat32(float32(x)).Float32())
	fmt.Println(precision.BF16FromFloat64(x).Float32())
	// Output:
	// 1
	// 1.0078125
}

func ExampleAccurateCosSin() {
	// Pair 1 of a head of 128 with θ base 10000, using the float32
	// frequency models are trained with, at position 1,000,000. The
	// accurate pipeline forms and reduces the angle in float64; the compat
	// pipeline rounds the float32 product 865,964.353… to a multiple of
	// 1/16.
	const pos = 1_000_000
	f := float32(1 / math.Pow(1e4, 2.0/128))
	theta := pos * float64(f)
	s, c := math.Sincos(theta)
	ac, as := precision.AccurateCosSin(pos, float64(f), 1)
	cc, cs := precision.CompatCosSin(pos, f, 1)
	fmt.Printf("float64 truth: cos %+.6f sin %+.6f\n", c, s)
	fmt.Printf("accurate:      cos %+.6f sin %+.6f\n", ac, as)
	fmt.Printf("compat:        cos %+.6f sin %+.6f  (angle off by %.3f rad)\n", cc, cs,
		float64(precision.CompatAngle(pos, f))-theta)
	// Output:
	// float64 truth: cos -0.998938 sin -0.046069
	// accurate:      cos -0.998938 sin -0.046069
	// compat:        cos -0.997689 sin -0.067949  (angle off by 0.022 rad)
}

func ExampleRefRoPE() {
	// One token, one head of 4 (NeoX pairs (0,2) and (1,3)), at position 1.
	r := &ops.Rotary{Type: "default", HeadDim: 4, Dim: 4, InvFreq: []float64{1, 0.01}, AttentionFactor: 1, Layout: ops.NeoX}
	y, err := precision.RefRoPE([]float64{1, 1, 0, 0}, 1, []int32{1}, r, precision.ExactFreqs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.6f\n", y)
	// Output:
	// [0.540302 0.999950 0.841471 0.010000]
}

func ExampleMismatchFraction() {
	truth := []float64{1 + 0x1p-8 + 0x1p-30, 2.5, -0.1}
	// A pipeline that rounded to float32 before bf16 gets the first one wrong.
	got := make([]float32, len(truth))
	for i, x := range truth {
		got[i] = precision.Round(ops.BF16, float32(x))
	}
	fmt.Printf("%.3f\n", precision.MismatchFraction(got, truth, ops.BF16))
	// Output:
	// 0.333
}

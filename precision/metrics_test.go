package precision

import (
	"errors"
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func TestMaxAbsMaxRelNormRel(t *testing.T) {
	got := []float32{1, 2.5, -3, 0}
	want := []float64{1, 2, -3.25, 0}
	// Hand-computed: differences 0, 0.5, 0.25, 0.
	if m := MaxAbs(got, want); m != 0.5 {
		t.Errorf("MaxAbs = %v, want 0.5", m)
	}
	if m := MaxRel(got, want, 0); m != 0.25 { // 0.5/2 > 0.25/3.25
		t.Errorf("MaxRel = %v, want 0.25", m)
	}
	if m := MaxRel(got, want, 4); m != 0.125 { // floor 4 dominates: 0.5/4
		t.Errorf("MaxRel(floor 4) = %v, want 0.125", m)
	}
	// ‖d‖ = sqrt(0.25+0.0625), ‖w‖ = sqrt(1+4+10.5625).
	if m, w := NormRel(got, want), math.Sqrt(0.3125/15.5625); math.Abs(m-w) > 1e-16 {
		t.Errorf("NormRel = %v, want %v", m, w)
	}
	if r, w := RMS([]float32{3, -4}), math.Sqrt(12.5); math.Abs(r-w) > 1e-15 {
		t.Errorf("RMS = %v, want %v", r, w)
	}
	// Scaling must not overflow or underflow.
	big := []float64{3e300, 4e300}
	if r := RMS(big); math.Abs(r/(math.Sqrt(12.5)*1e300)-1) > 1e-15 {
		t.Errorf("RMS(huge) = %v", r)
	}
	if m := NormRel([]float64{3e-300, 0}, []float64{0, 4e-300}); math.Abs(m-1.25) > 1e-15 {
		t.Errorf("NormRel(tiny) = %v, want 1.25", m)
	}
}

func TestMetricConventions(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name      string
		got, want []float64
		abs, norm float64 // NaN means "want NaN"
	}{
		{"equal", []float64{1, inf, nan}, []float64{1, inf, nan}, 0, 0},
		{"one NaN", []float64{1, nan}, []float64{1, 2}, nan, nan},
		{"NaN truth", []float64{1, 2}, []float64{1, nan}, nan, nan},
		{"different infinities", []float64{inf, 1}, []float64{-inf, 1}, inf, inf},
		{"zero truth", []float64{0, 1e-30}, []float64{0, 0}, 1e-30, inf},
		{"length", []float64{1}, []float64{1, 2}, nan, nan},
		{"empty", nil, nil, 0, 0},
	}
	same := func(a, b float64) bool { return a == b || a != a && b != b }
	for _, c := range cases {
		if m := MaxAbs(c.got, c.want); !same(m, c.abs) {
			t.Errorf("%s: MaxAbs = %v, want %v", c.name, m, c.abs)
		}
		if m := NormRel(c.got, c.want); !same(m, c.norm) {
			t.Errorf("%s: NormRel = %v, want %v", c.name, m, c.norm)
		}
	}
	if m := MaxRel([]float64{1e-30}, []float64{0}, 0); !math.IsInf(m, 1) {
		t.Errorf("MaxRel against zero truth = %v, want +Inf", m)
	}
	if m := MaxRel([]float64{1}, []float64{1}, -1); m == m {
		t.Errorf("MaxRel with a negative floor = %v, want NaN", m)
	}
	if r := RMS([]float64{1, nan}); r == r {
		t.Errorf("RMS with NaN = %v", r)
	}
}

func TestMismatches(t *testing.T) {
	// truth values whose correctly rounded bf16 is known from the format:
	// 1 + 2^-8 is a tie → 1 (even); 1 + 2^-8 + 2^-30 → 1 + 2^-7.
	truth := []float64{1 + 0x1p-8, 1 + 0x1p-8 + 0x1p-30, -0.0, 3, math.NaN()}
	good := []float32{1, 1 + 0x1p-7, 0, 3, float32(math.NaN())} // +0 matches −0 by value
	if c, first := CountMismatches(good, truth, ops.BF16); c != 0 || first != -1 {
		t.Errorf("CountMismatches(correct) = %d, %d", c, first)
	}
	if f := MismatchFraction(good, truth, ops.BF16); f != 0 {
		t.Errorf("MismatchFraction(correct) = %v", f)
	}
	bad := []float32{1 + 0x1p-7, 1, 0, 3.0000002, 1}
	if c, first := CountMismatches(bad, truth, ops.BF16); c != 4 || first != 0 {
		t.Errorf("CountMismatches(bad) = %d, %d; want 4, 0", c, first)
	}
	if f := MismatchFraction(bad, truth, ops.BF16); f != 0.8 {
		t.Errorf("MismatchFraction(bad) = %v, want 0.8", f)
	}
	// In F32 the truth 1+2^-8+2^-30 rounds to 1+2^-8, so good[1] mismatches.
	if c, first := CountMismatches(good, truth, ops.F32); c != 2 || first != 0 {
		t.Errorf("CountMismatches(F32) = %d, %d; want 2, 0", c, first)
	}
	if c, first := CountMismatches(good[:3], truth, ops.BF16); c != 2 || first != 3 {
		t.Errorf("CountMismatches(short) = %d, %d; want 2, 3", c, first)
	}
	if f := MismatchFraction(good[:3], truth, ops.BF16); f == f {
		t.Errorf("MismatchFraction(short) = %v, want NaN", f)
	}
	if f := MismatchFraction(good, truth, ops.I32); f == f {
		t.Errorf("MismatchFraction(I32) = %v, want NaN", f)
	}
}

func TestULPDistance(t *testing.T) {
	one := float32(1)
	next := math.Nextafter32(one, 2)
	cases := []struct {
		a, b float32
		want uint64
	}{
		{one, one, 0},
		{one, next, 1},
		{0, float32(math.Copysign(0, -1)), 0},
		{math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 2}, // across ±0
		{math.MaxFloat32, float32(math.Inf(1)), 1},
		{1, 2, 1 << 23}, // one binade
	}
	for _, c := range cases {
		if d := ULPDistanceF32(c.a, c.b); d != c.want {
			t.Errorf("ULPDistanceF32(%v, %v) = %d, want %d", c.a, c.b, d, c.want)
		}
		if d := ULPDistanceF32(c.b, c.a); d != c.want {
			t.Errorf("ULPDistanceF32 is not symmetric on (%v, %v)", c.a, c.b)
		}
	}
	nan := float32(math.NaN())
	if ULPDistanceF32(nan, nan) != 0 || ULPDistanceF32(nan, 1) != math.MaxUint64 {
		t.Error("NaN distances wrong")
	}
	if d := ULPDistanceBF16(BF16FromFloat32(1), BF16FromFloat32(2)); d != 1<<7 {
		t.Errorf("ULPDistanceBF16(1, 2) = %d, want 128", d)
	}
	if d := ULPDistanceBF16(0x0001, 0x8001); d != 2 {
		t.Errorf("ULPDistanceBF16(±min subnormal) = %d, want 2", d)
	}
	if d := ULPDistanceF16(F16FromFloat32(1), F16FromFloat32(2)); d != 1<<10 {
		t.Errorf("ULPDistanceF16(1, 2) = %d, want 1024", d)
	}
	if d := ULPDistanceF16(F16MaxFinite, F16Inf); d != 1 {
		t.Errorf("ULPDistanceF16(max, Inf) = %d", d)
	}
	if ULPDistanceBF16(BF16QuietNaN, 0) != math.MaxUint64 || ULPDistanceF16(F16QuietNaN, F16QuietNaN|0x8000) != 0 {
		t.Error("16-bit NaN distances wrong")
	}
	// The generic form: each step of a dtype is one unit.
	for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
		x := Round(dt, 1.7)
		var up float32
		switch dt {
		case ops.F32:
			up = math.Nextafter32(x, 2)
		case ops.BF16:
			up = (BF16FromFloat32(x) + 3).Float32()
		case ops.F16:
			up = (F16FromFloat32(x) + 3).Float32()
		}
		want := uint64(3)
		if dt == ops.F32 {
			want = 1
		}
		if d := ULPDistance(dt, x, up); d != want {
			t.Errorf("ULPDistance(%v) = %d, want %d", dt, d, want)
		}
	}
	if ULPDistance(ops.I32, 1, 1) != math.MaxUint64 {
		t.Error("ULPDistance(I32) must be MaxUint64")
	}
}

func TestMeasureULP(t *testing.T) {
	truth := []float64{1.3, -2.7, 1e-5, 100.1}
	got := make([]float32, len(truth))
	RoundSliceFromFloat64(ops.BF16, got, truth)
	got[1] = (BF16FromFloat32(got[1]) + 2).Float32()  // 2 ulps off
	got[2] = (BF16FromFloat32(got[2]) + 50).Float32() // below the floor
	st, err := MeasureULP(got, truth, ops.BF16, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	want := ULPStats{N: 3, Skipped: 1, Exact: 2, Max: 2, ArgMax: 1, Mean: 2.0 / 3}
	if st != want {
		t.Errorf("MeasureULP = %+v, want %+v", st, want)
	}
	st, _ = MeasureULP(got, truth, ops.BF16, 0)
	if st.Max != 50 || st.ArgMax != 2 || st.N != 4 {
		t.Errorf("MeasureULP(floor 0) = %+v, want max 50 at 2", st)
	}
	if _, err := MeasureULP(got[:1], truth, ops.BF16, 0); !errors.Is(err, ops.ErrShape) {
		t.Errorf("length mismatch: err = %v, want ErrShape", err)
	}
	if _, err := MeasureULP(got, truth, ops.I32, 0); !errors.Is(err, ops.ErrDType) {
		t.Errorf("I32: err = %v, want ErrDType", err)
	}
	if _, err := MeasureULP(got, truth, ops.F16, math.NaN()); !errors.Is(err, ops.ErrRange) {
		t.Errorf("NaN floor: err = %v, want ErrRange", err)
	}
	if st, err := MeasureULP(nil, nil, ops.F32, 0); err != nil || st.ArgMax != -1 || st.N != 0 {
		t.Errorf("empty: %+v, %v", st, err)
	}
}

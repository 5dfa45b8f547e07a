package precision

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestSpacing: Spacing is the gap to the next value up of each dtype, at
// every magnitude from subnormals to the largest finite values.
func TestSpacing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		bits := r.Uint32() &^ (1 << 31)
		x := math.Float32frombits(bits)
		if math.IsInf(float64(x), 0) || math.IsNaN(float64(x)) || x == math.MaxFloat32 {
			continue
		}
		if got, want := Spacing(ops.F32, float64(x)), float64(math.Nextafter32(x, 2*x+1))-float64(x); got != want {
			t.Fatalf("Spacing(f32, %g) = %g, want %g", x, got, want)
		}
		b := BF16FromBits(uint16(bits >> 16))
		if !b.IsInf() && !b.IsNaN() && b.Bits() != 0x7f7f {
			if got, want := Spacing(ops.BF16, b.Float64()), BF16FromBits(b.Bits()+1).Float64()-b.Float64(); got != want {
				t.Fatalf("Spacing(bf16, %g) = %g, want %g", b.Float64(), got, want)
			}
		}
		h := F16(uint16(bits) & 0x7fff)
		if h < 0x7bff {
			if got, want := Spacing(ops.F16, float64(h.Float32())), float64((h+1).Float32())-float64(h.Float32()); got != want {
				t.Fatalf("Spacing(f16, %g) = %g, want %g", h.Float32(), got, want)
			}
		}
	}
	if Spacing(ops.F32, 0) != 0x1p-149 || Spacing(ops.BF16, -0.0) != 0x1p-133 || Spacing(ops.F16, 0) != 0x1p-24 {
		t.Error("spacing at zero")
	}
	if g := Gamma32(10); !(g > 10*U32 && g < 10*U32*(1+1e-6)) {
		t.Errorf("Gamma32(10) = %g", g)
	}
}

func TestRefTopK(t *testing.T) {
	row := []float64{1, math.NaN(), 3, 3, -1, math.Inf(-1), math.Copysign(0, -1), 0}
	order := TopKOrder(row)
	if !slices.Equal(order, []int{2, 3, 0, 6, 7, 4, 5}) {
		t.Fatalf("order %v", order)
	}
	for _, c := range []struct {
		k    int
		m    []int32
		want []int32
	}{
		{3, nil, []int32{0, 2, 3}},
		{4, nil, []int32{0, 2, 3, 6}},
		{2, []int32{10, 11, 12, 13, 14, 15, 16, 17}, []int32{12, 13}},
		{9, nil, []int32{0, 2, 3, 4, 5, 6, 7, -1, -1}},
	} {
		if got := RefTopK(order, c.k, c.m); !slices.Equal(got, c.want) {
			t.Errorf("k=%d: %v, want %v", c.k, got, c.want)
		}
	}
}

func TestRefPageMetaAndScores(t *testing.T) {
	// S = 5 slots of one kv head, D = 2, pages of 2: pages {0,1}, {2,3},
	// {4}; to = 3 leaves page 2 empty.
	k := []float64{1, -2, 3, 0, -1, 5, 2, 2, 9, 9}
	mn, mx := RefPageMeta(k, 5, 1, 2, 2, 3)
	inf := math.Inf(1)
	if !slices.Equal(mn, []float64{1, -2, -1, 5, inf, inf}) || !slices.Equal(mx, []float64{3, 0, -1, 5, -inf, -inf}) {
		t.Fatalf("min %v max %v", mn, mx)
	}
	// A NaN wins over ±Inf in both the minimum and the maximum: page 0
	// holds NaN and +Inf in element 0, NaN and -Inf in element 1.
	nan := math.NaN()
	pmn, pmx := RefPageMeta([]float64{nan, -inf, inf, nan}, 2, 1, 2, 2, 2)
	for e := range 2 {
		if !math.IsNaN(pmn[e]) || !math.IsNaN(pmx[e]) {
			t.Fatalf("NaN with ±Inf: min %v max %v, want NaN", pmn, pmx)
		}
	}
	q := []float64{1, -1, 2, 0.5}
	out, bound := RefPageScores(q, mn, mx, 2, 1, 2, 2, 1)
	// Head 0 page 0: max(1·1, 1·3) + max(-1·-2, -1·0) = 3 + 2.
	if out[0] != 5 || out[1] != -1-5 || out[2] != 6 || bound[0] <= 0 {
		t.Fatalf("page scores %v bounds %v", out, bound)
	}
	// An infinite query element against a zero bound: the NaN product
	// wins over the +Inf one, as Go's max and the kernels have it.
	zs, _ := RefPageScores([]float64{inf, 0}, []float64{0, 1}, []float64{1, 1}, 1, 1, 2, 1, 1)
	if !math.IsNaN(zs[0]) {
		t.Fatalf("page score of +Inf·[0, 1] = %v, want NaN", zs[0])
	}
	s, sb := RefScores(q[:2], k, 1, 1, 2, []int32{1, -1, 4}, 0.5)
	if s[0] != 0.5*(3-0) || !math.IsInf(s[1], -1) || sb[1] != 0 || s[2] != 0 {
		t.Fatalf("scores %v bounds %v", s, sb)
	}
}

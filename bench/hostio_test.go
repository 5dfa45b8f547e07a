package bench

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// TestEncodeDownload round-trips values through a backend in every float
// dtype: each comes back as its dtype's nearest value (ties to even), the
// same as the single-value narrow and widen, and exactly for float32.
func TestEncodeDownload(t *testing.T) {
	b := fallback.New()
	x := []float32{0, -0, 1, -1.5, 3.14159, 1 + 1.0/256, 65519, 1e-7, float32(math.Inf(-1)), 1e30}
	for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
		tt, err := b.Alloc(dt, len(x))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Write(tt, EncodeFloat32(dt, x)); err != nil {
			t.Fatal(err)
		}
		got, err := Download(b, tt)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range x {
			want := v
			if dt != ops.F32 {
				want = widen(dt, narrow(dt, v))
			}
			if math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Errorf("%v: %g came back as %g, want %g", dt, v, got[i], want)
			}
		}
	}
}

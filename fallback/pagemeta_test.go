package fallback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestPageMetaGoSemantics checks PageMeta against Go's min and max over
// each page's widened keys, bit for bit (signed zeros and NaN payloads
// included), at every SIMD level: bfloat16 and float32 keys holding ±0,
// ±Inf and NaNs of several payloads among random values, over records
// whose width is not a whole number of vectors and a last page that is
// partial.
func TestPageMetaGoSemantics(t *testing.T) {
	const S, Hk, D, P = 45, 2, 40, 16
	pages := ops.PageCount(S, P)
	r := rand.New(rand.NewPCG(71, 72))
	specials := []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc10000, 0xffc30000, 0x7fa00000} // bfloat16 values
	bits := make([]uint32, S*Hk*D)
	for i := range bits {
		bits[i] = math.Float32bits(float32(r.NormFloat64())) &^ 0xffff // bfloat16 values
		if r.IntN(6) == 0 {
			bits[i] = specials[r.IntN(len(specials))]
		}
	}
	for s := range P { // one column of zeros only, of both signs
		bits[s*Hk*D+3] = uint32(s%2) << 31
	}
	want := func() (mn, mx []float32) {
		mn, mx = make([]float32, pages*Hk*D), make([]float32, pages*Hk*D)
		for s := range S {
			for e := range Hk * D {
				x, o := math.Float32frombits(bits[s*Hk*D+e]), (s/P)*Hk*D+e
				if s%P == 0 {
					mn[o], mx[o] = x, x
					continue
				}
				mn[o], mx[o] = min(mn[o], x), max(mx[o], x)
			}
		}
		return mn, mx
	}
	wmn, wmx := want()
	b := New()
	k32 := make([]float32, len(bits))
	k16 := make([]uint16, len(bits))
	for i, v := range bits {
		k32[i], k16[i] = math.Float32frombits(v), uint16(v>>16)
	}
	for _, level := range []string{"purego", "avx2", "avx512"} {
		restore, err := b.LimitSIMD(level)
		if err != nil {
			t.Fatal(err)
		}
		for _, K := range []*ops.Tensor{WrapF32(k32, S, Hk, D), WrapU16(ops.BF16, k16, S, Hk, D)} {
			mn, mx := make([]float32, pages*Hk*D), make([]float32, pages*Hk*D)
			a := &ops.PageMetaArgs{K: K, PageSize: P, To: S, Min: WrapF32(mn, pages, Hk, D), Max: WrapF32(mx, pages, Hk, D)}
			if err := b.PageMeta(a); err != nil {
				t.Fatal(err)
			}
			for e := range mn {
				if math.Float32bits(mn[e]) != math.Float32bits(wmn[e]) || math.Float32bits(mx[e]) != math.Float32bits(wmx[e]) {
					t.Fatalf("%s (%s) %v: element %d: min, max %#x, %#x; want %#x, %#x", level, b.SIMD(), K.DType, e,
						math.Float32bits(mn[e]), math.Float32bits(mx[e]), math.Float32bits(wmn[e]), math.Float32bits(wmx[e]))
				}
			}
		}
		restore()
	}
}

package vec

import (
	"fmt"
	"testing"
)

// BenchmarkRotateMagnitude times the split bfloat16 kernel of
// BenchmarkRotateBF16Row (kernel=bf16) and the float32 multi-head
// rotation of the same values widened (kernel=f32, no conversion) on
// heads of three magnitudes: ordinary values, values just above the
// smallest normal (2^-126…2^-125, whose products with the cos and sin are
// subnormal float32) and bfloat16 subnormals. The bfloat16 rotation runs
// into a separate buffer, so every call sees the same inputs; the
// float32 one rotates in place by the angles and back (two calls, counted
// as one), which keeps the values within rounding noise of where they
// started.
func BenchmarkRotateMagnitude(b *testing.B) {
	const heads, d = 40, 128
	inputs := map[string]func(i int) uint16{
		"normal":    func(i int) uint16 { return 0x3f00 | uint16(i%127) },
		"tiny":      func(i int) uint16 { return 0x0080 | uint16(i%127) },
		"subnormal": func(i int) uint16 { return 0x0001 + uint16(i%127) },
	}
	for _, l := range supportedRounding() {
		for _, name := range []string{"normal", "tiny", "subnormal"} {
			src, dst := make([]uint16, heads*d), make([]uint16, heads*d)
			for i := range src {
				src[i] = inputs[name](i)
			}
			b.Run(fmt.Sprintf("impl=%s/input=%s/kernel=bf16", levelNames[l], name), func(b *testing.B) {
				c, s := unitAngles(d / 2)
				cs, ss := make([]float32, d/2), make([]float32, d/2)
				splitPairsAt(l, cs, c, d/2)
				splitPairsAt(l, ss, s, d/2)
				b.SetBytes(2 * 2 * heads * d)
				for b.Loop() {
					rotateBF16SplitAt(l, dst, src, cs, ss, heads, d)
				}
			})
			if l == levelAVX512BF16 {
				continue // the float32 rotation has no such level
			}
			b.Run(fmt.Sprintf("impl=%s/input=%s/kernel=f32", levelNames[l], name), func(b *testing.B) {
				x := make([]float32, len(src))
				bf16ToF32At(l, x, src)
				c, s := unitAngles(d / 2)
				back := make([]float32, d/2)
				for i := range s {
					back[i] = -s[i]
				}
				b.SetBytes(2 * 4 * heads * d)
				for b.Loop() {
					rotateHeadsAt(l, x, c, s, heads, d)
					rotateHeadsAt(l, x, c, back, heads, d)
				}
			})
		}
	}
}

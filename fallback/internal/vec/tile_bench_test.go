package vec

import (
	"fmt"
	"testing"
)

// The prefill tile: 128 query rows (lanes) over a block of 64 keys, head
// dimension 128, as attention's widened path runs it; GFLOP/s counts an
// FMA as two.
const benchRows, benchKeys, benchD = 128, 64, 128

// BenchmarkAttentionTile measures, per level, the block's logits (DotsT
// over the transposed block, and DotsGather over row-major keys for
// comparison), its P·V (Accumulate) and its softmax update (SoftmaxBlock).
func BenchmarkAttentionTile(b *testing.B) {
	q := f32Ramp(benchRows * benchD)
	k := f32Ramp(benchKeys * benchD)
	x := make([]float32, benchRows*benchKeys)
	acc := make([]float32, benchRows*benchD)
	offs := make([]int, benchKeys)
	for i := range offs {
		offs[i] = i * benchD
	}
	kt := make([]float32, benchD*benchKeys)
	transposeGeneric(kt, benchKeys, k, offs, benchD, 0, 0)
	m, l, a := make([]float32, benchRows), make([]float32, benchRows), make([]float32, benchRows)
	x0 := make([]float32, len(x))
	for i := range x0 {
		x0[i] = float32(i%29) - 20
	}
	flops := float64(2 * benchRows * benchKeys * benchD)
	for _, lv := range supported() {
		for _, op := range []struct {
			name  string
			flops float64
			run   func()
		}{
			{"dotsT", flops, func() { dotsTAt(lv, x, benchKeys, q, benchD, 0.125, kt, benchKeys, benchKeys) }},
			{"dotsGather", flops, func() { dotsGatherAt(lv, x, benchKeys, q, benchD, 0.125, k, offs) }},
			{"accumulate", flops, func() { accumulateAt(lv, acc, benchD, x, benchKeys, k, offs) }},
			{"transpose", 0, func() { transposeGatherAt(lv, kt, benchKeys, k, offs, benchD) }},
			{"softmax", 0, func() {
				copy(x, x0)
				for i := range m {
					m[i], l[i] = float32(i%3)*4, 1 // a third of the rows grow
				}
				softmaxBlockAt(lv, x, benchKeys, benchKeys, m, l, a)
			}},
		} {
			b.Run(fmt.Sprintf("impl=%s/op=%s", levelNames[lv], op.name), func(b *testing.B) {
				for b.Loop() {
					op.run()
				}
				if s := b.Elapsed().Seconds(); s > 0 && op.flops > 0 {
					b.ReportMetric(op.flops*float64(b.N)/s/1e9, "GFLOP/s")
				}
			})
		}
	}
}

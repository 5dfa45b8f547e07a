package sparse

import (
	"fmt"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// Decode-step selection cost on the fallback over a Llama-3.1-8B-shaped
// layer (32 query heads, 8 kv heads, D = 128) for context sizes n,
// reported as key bytes scanned per second (f32 keys).
func BenchmarkSelect(b *testing.B) {
	for _, n := range []int{8192, 32768, 131072} {
		p := randomProblem(70, n, 32, 8, 128)
		be := fallback.New()
		keyBytes := float64(n * 8 * 128 * 4)
		for _, c := range []struct {
			name string
			mk   func() (Policy, float64)
		}{
			{"tokenselect", func() (Policy, float64) {
				ts, _ := NewTokenSelect(be, TokenSelectConfig{Budget: 2048, Sink: 128, Local: 512, NoCache: true})
				return ts, keyBytes
			}},
			{"quest", func() (Policy, float64) {
				q, _ := NewQuest(be, QuestConfig{PageSize: 16, Budget: 2048})
				return q, 2 * keyBytes / 16 // min and max per page
			}},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				pol, bytes := c.mk()
				ctx := p.ctx()
				if _, err := pol.Select(p.q(), ctx); err != nil { // Quest builds its metadata here
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := pol.Select(p.q(), ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}

var _ ops.Backend = (*fallback.Backend)(nil)

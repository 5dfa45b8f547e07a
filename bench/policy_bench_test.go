package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rotorkernels/rotor/fallback"
)

// BenchmarkPolicy measures decode steps (Select, then Attention over the
// selection) of every policy of the step rows on the fallback backend,
// over Llama-3.1-8B-shaped bf16 pools of 32k and 128k slots at budgets of
// 1/16 and 1/64 of the pool, from cold caches (the cache eviction before
// each step is not timed), and reports each step's speed-up over dense
// decode of the same pool timed the same way just before (x-dense):
//
//	go test ./bench -run '^$' -bench Policy -benchtime 20x
//	go test ./bench -run '^$' -bench 'Policy/S=32768/policy=quest' -benchtime 20x
func BenchmarkPolicy(b *testing.B) {
	m, _ := LookupModel("llama-3.1-8b")
	be := fallback.New()
	c := &Ctx{Backend: be, Options: Options{MinTime: 300 * time.Millisecond}, evictor: newEvictor()}
	for _, S := range policySlots {
		b.Run(fmt.Sprintf("S=%d", S), func(b *testing.B) {
			pool, err := newAttendPool(be, m, S)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.free(be)
			rng := rand.New(rand.NewPCG(uint64(S), 1))
			dense, err := attendRow(c, m, pool, rng, 1, 0) // timed from cold caches
			if err != nil {
				b.Fatal(err)
			}
			for _, div := range policyBudgets {
				for _, k := range policyKinds {
					b.Run(fmt.Sprintf("policy=%s/budget=%d", k.name, S/div), func(b *testing.B) {
						s, err := newPolicyStep(be, m, pool, rng, k, S/div, false)
						if err != nil {
							b.Fatal(err)
						}
						defer s.free()
						if err := s.step(); err != nil { // warm up: the first step fills any cache
							b.Fatal(err)
						}
						for i := 0; i < b.N; i++ {
							b.StopTimer()
							if err := c.evictor.evict(); err != nil {
								b.Fatal(err)
							}
							b.StartTimer()
							if err := s.step(); err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(dense.Seconds/(b.Elapsed().Seconds()/float64(b.N)), "x-dense")
					})
				}
			}
		})
	}
}

package precision_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// ExampleAudit audits the original RoPE schedule (base 10⁴, d = 128) up to
// position 2^16 in bf16: the accurate angle stays at float32 rounding, the
// float32 angle of compat grows with position until the audit flags its
// outputs, and Hugging Face's bf16 arithmetic misrounds from position 1.
func ExampleAudit() {
	rot, err := ops.DefaultRoPE(128, 10000)
	if err != nil {
		panic(err)
	}
	rep, err := precision.Audit(precision.AuditOptions{
		Rotary: rot,
		MaxPos: 1 << 16,
		Study:  precision.StudyOptions{Skip: true},
	})
	if err != nil {
		panic(err)
	}
	for _, p := range []string{precision.NameAccurate, precision.NameCompat, precision.NameHF} {
		flagged := "never flagged"
		for b, f := range rep.Flagged[rep.PipelineIndex(p)] {
			if f {
				flagged = fmt.Sprintf("flagged from position %d", rep.Buckets[b].Lo)
				break
			}
		}
		fmt.Printf("%-8s max angle error %.0e rad, %s\n", p, rep.Max(precision.MetricAngle, p, rep.MaxPos), flagged)
	}
	// Output:
	// accurate max angle error 4e-08 rad, never flagged
	// compat   max angle error 3e-03 rad, flagged from position 512
	// hf       max angle error 3e-03 rad, flagged from position 1
}

package ops

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"slices"
	"testing"
)

// FuzzReadHFConfig feeds arbitrary bytes to ReadHFConfig and resolves
// the result with an arbitrary sequence length. The property: no panic;
// a failure is an *ArgError wrapping ErrConfig (reading) or any sentinel
// (resolving); a config read twice is the same config; a resolved
// schedule passes Validate and resolves to the same frequencies again.
func FuzzReadHFConfig(f *testing.F) {
	for _, name := range []string{"llama-3.1-8b", "phi-3-mini-128k-instruct", "qwen2.5-7b-instruct-yarn", "gpt-oss-20b", "deepseek-v2-lite"} {
		data, err := os.ReadFile(configPath(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, seqLen int) {
		cfg, err := ReadHFConfig(bytes.NewReader(data))
		if err != nil {
			var ae *ArgError
			if !errors.As(err, &ae) || !errors.Is(err, ErrConfig) {
				t.Fatalf("read error %v is not an ErrConfig *ArgError", err)
			}
			return
		}
		again, err := ReadHFConfig(bytes.NewReader(data))
		if err != nil || !reflect.DeepEqual(cfg, again) {
			t.Fatalf("a second read gave %+v, %v; the first %+v", again, err, cfg)
		}
		r, err := cfg.Rotary(seqLen)
		if err != nil {
			var ae *ArgError
			if !errors.As(err, &ae) || errors.Unwrap(err) == nil {
				t.Fatalf("resolve error %v is not an *ArgError", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("resolved schedule %+v fails Validate: %v", r, err)
		}
		r2, err := again.Rotary(seqLen)
		if err != nil || !slices.Equal(r.InvFreq, r2.InvFreq) || r.AttentionFactor != r2.AttentionFactor {
			t.Fatalf("resolving again gave %+v, %v", r2, err)
		}
	})
}

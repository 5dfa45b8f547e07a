package rotor_test

import (
	"errors"
	"fmt"
	"log"
	"math"
	"testing"

	"github.com/rotorkernels/rotor"
	"github.com/rotorkernels/rotor/ops"
)

func TestBackends(t *testing.T) {
	names := rotor.Backends()
	if len(names) == 0 || names[0] != "fallback" {
		t.Fatalf("Backends() = %v, want fallback first", names)
	}
	if !rotor.CUDABuilt() && len(names) != 1 {
		t.Fatalf("Backends() = %v without the cuda tag, want only fallback", names)
	}
	for _, n := range names {
		b, err := rotor.OpenBackend(n)
		if err != nil {
			t.Fatalf("OpenBackend(%q): %v", n, err)
		}
		if b.Name() != n {
			t.Errorf("OpenBackend(%q).Name() = %q", n, b.Name())
		}
		b.Close()
	}
}

func TestOpenDefault(t *testing.T) {
	b, err := rotor.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	want := "fallback"
	if rotor.CUDABuilt() {
		want = "cuda"
	}
	if b.Name() != want {
		t.Fatalf("Open().Name() = %q, want %q", b.Name(), want)
	}
}

func TestOpenBackendErrors(t *testing.T) {
	for _, name := range []string{"", "gpu", "cuda:", "cuda:-1", "cuda:x", "Fallback"} {
		_, err := rotor.OpenBackend(name)
		var ae *ops.ArgError
		if !errors.Is(err, ops.ErrConfig) || !errors.As(err, &ae) || ae.Arg != "backend" {
			t.Errorf("OpenBackend(%q) error = %v, want an ErrConfig naming backend", name, err)
		}
	}
	if !rotor.CUDABuilt() {
		for _, name := range []string{"cuda", "cuda:1"} {
			if _, err := rotor.OpenBackend(name); !errors.Is(err, ops.ErrUnsupported) {
				t.Errorf("OpenBackend(%q) without the cuda tag: error %v, want ErrUnsupported", name, err)
			}
		}
	}
}

// ExampleOpen rotates the query and key of two tokens with Llama-3.1's
// schedule on the default backend. Pair 0 has inverse frequency 1, so a
// unit vector in its first element turns by the position in radians.
func ExampleOpen() {
	b, err := rotor.Open()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	rot, err := ops.Llama3(ops.Llama3Params{
		RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 500000},
		Factor:     8, LowFreqFactor: 1, HighFreqFactor: 4,
		OriginalMaxPositionEmbeddings: 8192,
	})
	if err != nil {
		log.Fatal(err)
	}

	const T, D = 2, 128 // two tokens, one query head and one kv head
	host := make([]float32, T*D)
	host[0], host[D] = 1, 1 // element 0 of each token
	q, _ := b.Alloc(ops.F32, T, 1, D)
	k, _ := b.Alloc(ops.F32, T, 1, D)
	pos, _ := b.Alloc(ops.I32, T)
	for _, t := range []*ops.Tensor{q, k} {
		if err := b.Write(t, ops.Bytes(host)); err != nil {
			log.Fatal(err)
		}
	}
	if err := b.Write(pos, ops.Bytes([]int32{0, 1})); err != nil {
		log.Fatal(err)
	}

	err = b.RoPE(&ops.RoPEArgs{Q: q, K: k, Positions: pos, Rotary: rot, Angles: ops.Accurate})
	if err != nil {
		log.Fatal(err)
	}
	out := make([]float32, T*D)
	if err := b.Read(ops.Bytes(out), q); err != nil {
		log.Fatal(err)
	}
	for t := 0; t < T; t++ {
		// NeoX pairs element j with element j+64.
		fmt.Printf("pos %d: q[0] = %.6f, q[64] = %.6f\n", t, out[t*D], out[t*D+64])
	}
	fmt.Printf("cos 1 = %.6f, sin 1 = %.6f\n", math.Cos(1), math.Sin(1))
	// Output:
	// pos 0: q[0] = 1.000000, q[64] = 0.000000
	// pos 1: q[0] = 0.540302, q[64] = 0.841471
	// cos 1 = 0.540302, sin 1 = 0.841471
}

// Example_hfConfig is the README's example: q and k of two tokens rotated
// in one call with the schedule of a bundled Hugging Face config, on the
// default backend.
func Example_hfConfig() {
	cfg, err := ops.ReadHFConfigFile("testdata/configs/llama-3.1-8b.json")
	if err != nil {
		log.Fatal(err)
	}
	rot, err := cfg.Rotary(0) // 0: the model's context length
	if err != nil {
		log.Fatal(err)
	}
	b, err := rotor.Open()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	T, Hq, Hk, D := 2, cfg.NumAttentionHeads, cfg.NumKeyValueHeads, cfg.HeadDim
	q, _ := b.Alloc(ops.F32, T, Hq, D)
	k, _ := b.Alloc(ops.F32, T, Hk, D)
	pos, _ := b.Alloc(ops.I32, T)
	hq := make([]float32, T*Hq*D)
	hk := make([]float32, T*Hk*D)
	hq[Hq*D], hk[Hk*D] = 1, 1 // token 1, head 0, element 0
	b.Write(q, ops.Bytes(hq))
	b.Write(k, ops.Bytes(hk))
	b.Write(pos, ops.Bytes([]int32{0, 1}))

	if err := b.RoPE(&ops.RoPEArgs{Q: q, K: k, Positions: pos, Rotary: rot}); err != nil {
		log.Fatal(err)
	}
	b.Read(ops.Bytes(hq), q)
	fmt.Printf("%s: rotary_dim %d, attention factor %g\n", rot.Type, rot.Dim, rot.AttentionFactor)
	fmt.Printf("token 1: q[0] = %.6f, q[64] = %.6f\n", hq[Hq*D], hq[Hq*D+64])
	// Output:
	// llama3: rotary_dim 128, attention factor 1
	// token 1: q[0] = 0.540302, q[64] = 0.841471
}

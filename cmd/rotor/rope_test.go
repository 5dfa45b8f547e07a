package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// ropeInputs writes q [T,Hq,D] and k [T,Hk,D] (float32, standard normal)
// and pos [T] (int64) into dir and returns them flat.
func ropeInputs(t *testing.T, dir string, pos []int64, Hq, Hk, D int, seed uint64) (q, k []float32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	T := len(pos)
	q = make([]float32, T*Hq*D)
	k = make([]float32, T*Hk*D)
	for i := range q {
		q[i] = float32(rng.NormFloat64())
	}
	for i := range k {
		k[i] = float32(rng.NormFloat64())
	}
	saveNPY(t, filepath.Join(dir, "q.npy"), nest3(q, T, Hq, D))
	saveNPY(t, filepath.Join(dir, "k.npy"), nest3(k, T, Hk, D))
	saveNPY(t, filepath.Join(dir, "pos.npy"), pos)
	return q, k
}

// ropeOutputs reads out/q.npy and out/k.npy and checks their shapes.
func ropeOutputs(t *testing.T, out string, qShape, kShape []int) (q, k []float32) {
	t.Helper()
	for _, o := range []struct {
		name  string
		shape []int
		dst   *[]float32
	}{{"q", qShape, &q}, {"k", kShape, &k}} {
		a, err := readNPY(o.name, filepath.Join(out, o.name+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		if a.f32 == nil || len(a.shape) != 3 || a.shape[0] != o.shape[0] || a.shape[1] != o.shape[1] || a.shape[2] != o.shape[2] {
			t.Fatalf("%s.npy: dtype %s shape %v, want float32 %v", o.name, a.descr, a.shape, o.shape)
		}
		*o.dst = a.f32
	}
	return q, k
}

// hfRotate is Hugging Face's fp32 pipeline, written out here as the
// reference: freqs = float32(pos) * inv_freq_f32 (one fp32 product),
// cos/sin of it rounded to fp32 and multiplied by the attention factor in
// fp32, then q*cos + rotate_half(q)*sin with every product and sum
// rounded to fp32 (NeoX pairs (j, j+D/2) over the whole head).
func hfRotate(x []float32, H, D int, pos []int64, invF32 []float32, attn float64) []float32 {
	out := append([]float32(nil), x...)
	half := D / 2
	for t, p := range pos {
		for j := 0; j < half; j++ {
			ang := float32(float32(p) * invF32[j])
			c, s := float32(math.Cos(float64(ang))), float32(math.Sin(float64(ang)))
			if attn != 1 {
				c, s = float32(c*float32(attn)), float32(s*float32(attn))
			}
			for h := 0; h < H; h++ {
				o := (t*H + h) * D
				a, b := x[o+j], x[o+j+half]
				ac, nbs := float32(a*c), float32(-b*s)
				bc, as := float32(b*c), float32(a*s)
				out[o+j], out[o+j+half] = float32(ac+nbs), float32(bc+as)
			}
		}
	}
	return out
}

// ulp32 returns the spacing of float32 values at |x|.
func ulp32(x float32) float64 {
	x = float32(math.Abs(float64(x)))
	return float64(math.Nextafter32(x, float32(math.Inf(1))) - x)
}

// TestRoPECompatMatchesHF runs rotor rope --angles compat on fp32 inputs
// and requires every output within 4 fp32 ulps of its pair's larger input
// magnitude of Hugging Face's fp32 pipeline.
func TestRoPECompatMatchesHF(t *testing.T) {
	for _, model := range []string{"llama-3.1-8b", "gpt-oss-20b", "qwen2.5-7b-instruct-yarn"} {
		r := configRotary(t, model, 0)
		D := r.HeadDim
		dir, out := t.TempDir(), t.TempDir()
		pos := []int64{0, 1, 2, 100, 4095, 4096, 8191, 32768, 65537, 131071, 500000, 1 << 20}
		q, k := ropeInputs(t, dir, pos, 4, 2, D, 3)
		code, stdout, stderr := runCLI("rope", "--q", filepath.Join(dir, "q.npy"), "--k", filepath.Join(dir, "k.npy"),
			"--pos", filepath.Join(dir, "pos.npy"), "--hf-config", config(model), "--angles", "compat", "--out", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", model, code, stderr)
		}
		if !strings.Contains(stdout, "compat angles") || !strings.Contains(stdout, "k.npy") {
			t.Errorf("stdout %q", stdout)
		}
		gq, gk := ropeOutputs(t, out, []int{len(pos), 4, D}, []int{len(pos), 2, D})
		for _, c := range []struct {
			name    string
			in, got []float32
			H       int
		}{{"q", q, gq, 4}, {"k", k, gk, 2}} {
			want := hfRotate(c.in, c.H, D, pos, r.F32(), r.AttentionFactor)
			worst := 0.0
			for i := range want {
				o, e := i/D*D, i%D
				j := e % (D / 2)
				m := max(math.Abs(float64(c.in[o+j])), math.Abs(float64(c.in[o+j+D/2])))
				d := math.Abs(float64(c.got[i]-want[i])) / ulp32(float32(m))
				worst = max(worst, d)
				if d > 4 {
					t.Fatalf("%s %s element %d (pos %d): %v, HF %v: %.1f ulps of %v", model, c.name, i, pos[i/(c.H*D)], c.got[i], want[i], d, m)
				}
			}
			t.Logf("%s %s: worst %.2f ulps of the pair's magnitude", model, c.name, worst)
		}
	}
}

// TestRoPEAccurateBeatsCompat checks that at every position ≥ 4096 the
// Accurate output is closer to the float64 truth (exact frequencies,
// exact angle) than the Compat output, for q and k in f32.
func TestRoPEAccurateBeatsCompat(t *testing.T) {
	model := "llama-3.1-8b"
	r := configRotary(t, model, 0)
	D, Hq, Hk := r.HeadDim, 4, 2
	dir := t.TempDir()
	pos := []int64{0, 17, 1000, 4096, 4097, 6000, 8192, 16384, 65536, 100000, 131071, 524288, 1 << 20, 3 << 20, 1<<24 + 1}
	q, k := ropeInputs(t, dir, pos, Hq, Hk, D, 5)
	outs := map[string][2][]float32{}
	for _, mode := range []string{"accurate", "compat"} {
		out := t.TempDir()
		code, _, stderr := runCLI("rope", "--q", filepath.Join(dir, "q.npy"), "--k", filepath.Join(dir, "k.npy"),
			"--pos", filepath.Join(dir, "pos.npy"), "--hf-config", config(model), "--angles", mode, "--out", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", mode, code, stderr)
		}
		gq, gk := ropeOutputs(t, out, []int{len(pos), Hq, D}, []int{len(pos), Hk, D})
		outs[mode] = [2][]float32{gq, gk}
	}
	for which, in := range [][]float32{q, k} {
		H := []int{Hq, Hk}[which]
		for ti, p := range pos {
			var errs [2]float64
			for mi, mode := range []string{"accurate", "compat"} {
				got := outs[mode][which]
				for h := 0; h < H; h++ {
					o := (ti*H + h) * D
					for j := 0; j < D/2; j++ {
						s, c := math.Sincos(float64(p) * r.InvFreq[j])
						a, b := float64(in[o+j]), float64(in[o+j+D/2])
						errs[mi] = max(errs[mi], math.Abs(float64(got[o+j])-(a*c-b*s)), math.Abs(float64(got[o+j+D/2])-(b*c+a*s)))
					}
				}
			}
			if p >= 4096 && !(errs[0] < errs[1]) {
				t.Errorf("tensor %d pos %d: accurate error %.3g not below compat's %.3g", which, p, errs[0], errs[1])
			}
			if p == 0 && (errs[0] != 0 || errs[1] != 0) {
				t.Errorf("pos 0 is not the identity: errors %v", errs)
			}
		}
	}
}

// TestRoPEDTypes runs bf16 and f16: outputs are values of the dtype, q
// without k is accepted, and the rotation is right to the dtype's
// precision.
func TestRoPEDTypes(t *testing.T) {
	dir := t.TempDir()
	pos := []int64{3, 9000}
	q, _ := ropeInputs(t, dir, pos, 2, 1, 64, 9)
	for _, c := range []struct {
		dt  string
		rel float64 // one rounding of the input, one of the output
	}{{"bf16", 2 * 0x1p-8}, {"f16", 2 * 0x1p-11}} {
		out := t.TempDir()
		code, _, stderr := runCLI("rope", "--q", filepath.Join(dir, "q.npy"), "--pos", filepath.Join(dir, "pos.npy"),
			"--head-dim", "64", "--base", "10000", "--layout", "gptj", "--dtype", c.dt, "--out", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.dt, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(out, "k.npy")); !os.IsNotExist(err) {
			t.Errorf("%s: k.npy written without --k", c.dt)
		}
		a, err := readNPY("q", filepath.Join(out, "q.npy"))
		if err != nil {
			t.Fatal(err)
		}
		dt, _ := ops.ParseDType(c.dt)
		for i, v := range a.f32 {
			if rt, _ := (&npyArray{f32: []float32{v}}).roundedTo(dt); rt[0] != v {
				t.Fatalf("%s: element %d = %v is not a %s value", c.dt, i, v, c.dt)
			}
		}
		for ti, p := range pos {
			for h := 0; h < 2; h++ {
				o := (ti*2 + h) * 64
				for j := 0; j < 32; j++ {
					s, co := math.Sincos(float64(p) / math.Pow(10000, float64(2*j)/64))
					x, y := float64(q[o+2*j]), float64(q[o+2*j+1])
					m := math.Max(math.Abs(x), math.Abs(y))
					for e, want := range []float64{x*co - y*s, y*co + x*s} {
						if d := math.Abs(float64(a.f32[o+2*j+e]) - want); d > c.rel*m*1.5 {
							t.Fatalf("%s pos %d pair %d: %v, want %v", c.dt, p, j, a.f32[o+2*j+e], want)
						}
					}
				}
			}
		}
	}
}

func TestRoPEErrors(t *testing.T) {
	dir := t.TempDir()
	ropeInputs(t, dir, []int64{0, 1, 2}, 2, 1, 8, 1)
	q, k, pos := filepath.Join(dir, "q.npy"), filepath.Join(dir, "k.npy"), filepath.Join(dir, "pos.npy")
	bad := func(name string, v any) string {
		p := filepath.Join(dir, name)
		saveNPY(t, p, v)
		return p
	}
	outFile := bad("file.npy", []int32{1})
	sched := []string{"--head-dim", "8"}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no out", []string{"--q", q, "--pos", pos}, 2, "rotor rope: --out is required\n"},
		{"no q", []string{"--pos", pos, "--out", dir}, 2, "rotor rope: --q is required\n"},
		{"no schedule", []string{"--q", q, "--pos", pos, "--out", dir, "--head-dim", "0"}, 2, "--head-dim"},
		{"pos beyond int32", []string{"--q", q, "--pos", bad("p64.npy", []int64{0, 1, 1 << 33}), "--out", dir}, 1,
			"range: --pos[2] = 8589934592: want a value that fits in int32"},
		{"negative pos", []string{"--q", q, "--pos", bad("neg.npy", []int32{0, -5, 1}), "--out", dir}, 1, "range: --pos[1] = -5: want ≥ 0\n"},
		{"pos length", []string{"--q", q, "--pos", bad("p2.npy", []int32{0, 1}), "--out", dir}, 1, "--pos shape = [2]"},
		{"float pos", []string{"--q", q, "--pos", bad("pf.npy", []float32{0, 1, 2}), "--out", dir}, 1, "--pos dtype = <f4"},
		{"q rank", []string{"--q", bad("q2.npy", [][]float32{{1, 2}, {3, 4}}), "--pos", pos, "--out", dir}, 1, "--q shape = [2 2]"},
		{"k tokens", []string{"--q", q, "--k", bad("k2.npy", nest3(make([]float32, 16), 2, 1, 8)), "--pos", pos, "--out", dir}, 1, "--k shape"},
		{"int q", []string{"--q", bad("qi.npy", nest3(make([]int32, 48), 3, 2, 8)), "--pos", pos, "--out", dir}, 1, "--q dtype = <i4"},
		{"head dim", []string{"--q", q, "--k", k, "--pos", pos, "--out", dir, "--head-dim", "16"}, 1, "--q shape[2] = 8: want 16"},
		{"dtype", []string{"--q", q, "--pos", pos, "--out", dir, "--dtype", "i32"}, 2, "dtype: --dtype = i32: want f32, bf16 or f16\n"},
		{"angles", []string{"--q", q, "--pos", pos, "--out", dir, "--angles", "fast"}, 2, "--angles = fast"},
		{"backend", []string{"--q", q, "--pos", pos, "--out", dir, "--backend", "tpu"}, 2, "--backend = tpu"},
		{"out is a file", []string{"--q", q, "--pos", pos, "--out", outFile}, 2, "config: --out = " + outFile + ": not a directory"},
		{"missing q", []string{"--q", filepath.Join(dir, "none.npy"), "--pos", pos, "--out", dir}, 1, "--q = " + filepath.Join(dir, "none.npy") + ": cannot open"},
	} {
		args := append([]string{"rope"}, c.args...)
		if !strings.Contains(strings.Join(c.args, " "), "--head-dim") {
			args = append(args, sched...)
		}
		code, stdout, stderr := runCLI(args...)
		if code != c.code || stdout != "" || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "rotor: ") {
			t.Errorf("%s: exit %d, stderr %q: want exit %d naming %q", c.name, code, stderr, c.code, c.want)
		}
	}
}

// TestRoPEOutputs checks the outputs' life cycle: a run with --k writes
// q.npy and k.npy; a failed run leaves them as they were, with no
// temporary file; a run without --k replaces q.npy and removes the older
// k.npy.
func TestRoPEOutputs(t *testing.T) {
	dir := t.TempDir()
	ropeInputs(t, dir, []int64{0, 1, 2}, 2, 1, 8, 1)
	in := func(name string) string { return filepath.Join(dir, name) }
	out := filepath.Join(dir, "out")
	listing := func() []string {
		ents, _ := os.ReadDir(out)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	base := []string{"rope", "--q", in("q.npy"), "--pos", in("pos.npy"), "--head-dim", "8", "--out", out}
	if code, _, stderr := runCLI(append(base, "--k", in("k.npy"))...); code != 0 {
		t.Fatalf("with --k: exit %d: %s", code, stderr)
	}
	if got := listing(); !slices.Equal(got, []string{"k.npy", "q.npy"}) {
		t.Fatalf("after a run with --k: %v", got)
	}
	before, _ := os.ReadFile(filepath.Join(out, "q.npy"))
	saveNPY(t, in("neg.npy"), []int32{0, -1, 2})
	fail := []string{"rope", "--q", in("q.npy"), "--k", in("k.npy"), "--pos", in("neg.npy"), "--head-dim", "8", "--out", out}
	if code, _, _ := runCLI(fail...); code != 1 {
		t.Fatalf("negative position: exit %d", code)
	}
	after, _ := os.ReadFile(filepath.Join(out, "q.npy"))
	if got := listing(); !slices.Equal(got, []string{"k.npy", "q.npy"}) || !slices.Equal(before, after) {
		t.Fatalf("a failed run changed the outputs: %v", got)
	}
	code, stdout, stderr := runCLI(append(base, "--dtype", "bf16")...)
	if code != 0 || !strings.Contains(stdout, "wrote "+filepath.Join(out, "q.npy")) || strings.Contains(stdout, "k.npy") {
		t.Fatalf("without --k: exit %d, %s%s", code, stdout, stderr)
	}
	if got := listing(); !slices.Equal(got, []string{"q.npy"}) {
		t.Fatalf("after a run without --k: %v, want the older k.npy removed", got)
	}
}

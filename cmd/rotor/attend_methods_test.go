package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// methodRun is one rotor attend run with long-context flags on random
// inputs (Tq 3, Hq 4, Hk 2, S 150, D 32, Dv 16, f32 or bf16; causal
// positions: slot s at s, the queries at 149, 100 and 40), and the
// float64 reference of the same call.
type methodRun struct {
	dir   string
	args  []string
	ref   precision.RefAttentionArgs
	dtype ops.DType
}

const mTq, mHq, mHk, mS, mD, mDv = 3, 4, 2, 150, 32, 16

func newMethodRun(t *testing.T, dtype ops.DType, seed uint64) *methodRun {
	t.Helper()
	r := &methodRun{dir: t.TempDir(), dtype: dtype}
	rng := rand.New(rand.NewPCG(seed, 11))
	normal := func(n int) ([]float32, []float64) {
		raw, exact := make([]float32, n), make([]float64, n)
		for i := range raw {
			raw[i] = float32(rng.NormFloat64())
			exact[i] = float64(precision.Round(dtype, raw[i]))
		}
		return raw, exact
	}
	qr, q := normal(mTq * mHq * mD)
	kr, k := normal(mS * mHk * mD)
	vr, v := normal(mS * mHk * mDv)
	qpos, kpos := []int32{149, 100, 40}, make([]int32, mS)
	for s := range kpos {
		kpos[s] = int32(s)
	}
	r.save(t, "q.npy", nest3(qr, mTq, mHq, mD))
	r.save(t, "k.npy", nest3(kr, mS, mHk, mD))
	r.save(t, "v.npy", nest3(vr, mS, mHk, mDv))
	r.save(t, "qpos.npy", qpos)
	r.save(t, "kpos.npy", kpos)
	r.args = []string{"attend", "--q", r.path("q.npy"), "--k", r.path("k.npy"), "--v", r.path("v.npy"),
		"--q-pos", r.path("qpos.npy"), "--k-pos", r.path("kpos.npy"),
		"--dtype", dtype.String(), "--out", r.path("out"), "--backend", "fallback"}
	r.ref = precision.RefAttentionArgs{Tq: mTq, Hq: mHq, Hk: mHk, S: mS, D: mD, Dv: mDv, Q: q, K: k, V: v,
		QPos: qpos, KPos: kpos}
	return r
}

func (r *methodRun) path(name string) string { return filepath.Join(r.dir, name) }

func (r *methodRun) save(t *testing.T, name string, v any) { saveNPY(t, r.path(name), v) }

// check runs rotor attend with extra flags and compares o.npy and lse.npy
// with precision.RefAttention of r.ref: |o − o*| ≤ 1e-5·max Σp|v| per
// row plus one ulp of the dtype, |lse − lse*| ≤ 1e-5·max(1, |lse*|). It
// returns the command's stdout.
func (r *methodRun) check(t *testing.T, name string, extra ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(append(append([]string(nil), r.args...), extra...)...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", name, code, stderr)
	}
	oa, err := readNPY("o", r.path("out/o.npy"))
	if err != nil {
		t.Fatal(err)
	}
	la, err := readNPY("lse", r.path("out/lse.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want := precision.RefAttention(&r.ref)
	visible := 0
	for row := range mTq * mHq {
		visible += want.Visible[row]
		mag := 0.0
		for d := range mDv {
			mag = math.Max(mag, want.Mag[row*mDv+d])
		}
		for d := range mDv {
			got, w := float64(oa.f32[row*mDv+d]), want.O[row*mDv+d]
			bound := 1e-5 * mag
			if r.dtype != ops.F32 {
				bound += ulpAt(r.dtype, math.Max(math.Abs(got), math.Abs(w)))
			}
			if !(math.Abs(got-w) <= bound) {
				t.Fatalf("%s: o[%d,%d] = %.8g, want %.8g (bound %.3g)", name, row, d, got, w, bound)
			}
		}
		got, w := float64(la.f32[row]), want.LSE[row]
		if math.IsInf(w, -1) {
			if !math.IsInf(got, -1) {
				t.Fatalf("%s: lse[%d] = %g, want -Inf", name, row, got)
			}
		} else if math.Abs(got-w) > 1e-5*math.Max(1, math.Abs(w)) {
			t.Fatalf("%s: lse[%d] = %.8g, want %.8g", name, row, got, w)
		}
	}
	t.Logf("%s: %d rows, %d visible keys: %s", name, mTq*mHq, visible, strings.TrimSpace(stdout))
	return stdout
}

// TestAttendKeyRoPE checks --key-rope in its four forms with an explicit
// schedule (--head-dim, --base, --layout, --angles) against the float64
// reference of the same in-op rotation.
func TestAttendKeyRoPE(t *testing.T) {
	for i, c := range []struct {
		spec, layout, angles string
		rope                 ops.KeyRoPE
	}{
		{"rank", "neox", "accurate", ops.KeyRoPE{KeyPos: ops.KeyPosRank}},
		{"original", "gptj", "compat", ops.KeyRoPE{KeyPos: ops.KeyPosOriginal, Angles: ops.Compat}},
		{"capped:30", "neox", "accurate", ops.KeyRoPE{KeyPos: ops.KeyPosCapped, Cap: 30}},
		{"dual-chunk:64,16", "gptj", "accurate", ops.KeyRoPE{KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 64, LocalSize: 16}}},
	} {
		r := newMethodRun(t, []ops.DType{ops.F32, ops.BF16}[i%2], uint64(300+i))
		rot, err := ops.Default(ops.RoPEParams{HeadDim: mD, Base: 5000, Layout: map[string]ops.Layout{"neox": ops.NeoX, "gptj": ops.GPTJ}[c.layout]})
		if err != nil {
			t.Fatal(err)
		}
		c.rope.Rotary = rot
		r.ref.RoPE = &c.rope
		out := r.check(t, c.spec, "--key-rope", c.spec, "--head-dim", "32", "--base", "5000", "--layout", c.layout, "--angles", c.angles)
		if !strings.Contains(out, c.angles+" angles") {
			t.Errorf("%s: summary %q does not name the angles", c.spec, out)
		}
	}
}

// TestAttendDualChunkFromConfig checks that an --hf-config carrying
// dual_chunk_attention_config turns Dual Chunk Attention on by itself,
// with the length scaling of its original_max_position_embeddings over
// the largest query position + 1 (150) or --seq-len, multiplying --scale.
func TestAttendDualChunkFromConfig(t *testing.T) {
	r := newMethodRun(t, ops.BF16, 400)
	cfg := r.path("config.json")
	js := `{"model_type": "qwen2", "head_dim": 32, "rope_theta": 20000,
		"dual_chunk_attention_config": {"chunk_size": 64, "local_size": 16, "original_max_position_embeddings": 100}}`
	if err := os.WriteFile(cfg, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	rot, err := ops.Default(ops.RoPEParams{HeadDim: mD, Base: 20000})
	if err != nil {
		t.Fatal(err)
	}
	r.ref.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 64, LocalSize: 16}}
	for _, c := range []struct {
		L     int
		scale float64
		extra []string
	}{{150, 0, nil}, {1000, 0.25, []string{"--seq-len", "1000", "--scale", "0.25"}}} {
		ls := 1 + 0.1*math.Log(float64(c.L)/100)
		base := c.scale
		if base == 0 {
			base = 1 / math.Sqrt(mD)
		}
		r.ref.Scale = float64(float32(ls * base))
		out := r.check(t, "dual chunk from config", append([]string{"--hf-config", cfg}, c.extra...)...)
		if !strings.Contains(out, "dual-chunk RoPE chunk 64 local 16") || !strings.Contains(out, "length scale") {
			t.Errorf("summary %q does not report dual-chunk RoPE and its length scale", out)
		}
	}
	// explicit sizes override the config's
	r.ref.RoPE.Chunk = ops.DualChunk{ChunkSize: 80, LocalSize: 50}
	r.ref.Scale = float64(float32((1 + 0.1*math.Log(1.5)) / math.Sqrt(mD)))
	r.check(t, "dual chunk sizes over the config's", "--hf-config", cfg, "--key-rope", "dual-chunk:80,50")
}

// TestAttendDocumentsAndLogN checks --q-doc/--k-doc (int64 ids, anchors,
// a query whose document has no slot) and --logn against the float64
// reference.
func TestAttendDocumentsAndLogN(t *testing.T) {
	r := newMethodRun(t, ops.F32, 500)
	qdoc := []int64{1, 0, 7}
	kdoc := make([]int64, mS)
	for s := range kdoc {
		kdoc[s] = int64(s / 50)
		if s%23 == 0 {
			kdoc[s] = -1
		}
	}
	r.save(t, "qdoc.npy", qdoc)
	r.save(t, "kdoc.npy", kdoc)
	r.ref.QDoc, r.ref.KDoc = []int32{1, 0, 7}, make([]int32, mS)
	for s, d := range kdoc {
		r.ref.KDoc[s] = int32(d)
	}
	docs := []string{"--q-doc", r.path("qdoc.npy"), "--k-doc", r.path("kdoc.npy")}
	r.check(t, "documents", docs...)
	r.ref.LogN, r.ref.SoftCap = 64, 10
	out := r.check(t, "documents and log-n", append(docs, "--logn", "64", "--softcap", "10")...)
	if !strings.Contains(out, "document masks, log-n at L = 64") {
		t.Errorf("summary %q", out)
	}
	r.ref.QDoc, r.ref.KDoc = nil, nil
	r.check(t, "log-n", "--logn", "64", "--softcap", "10")
}

// TestAttendMethodErrors checks the long-context flags' usage errors and
// the op's verdicts, named by flag, with no output left behind.
func TestAttendMethodErrors(t *testing.T) {
	r := newMethodRun(t, ops.F32, 600)
	r.save(t, "qdoc2.npy", []int32{0, 1})
	r.save(t, "kdoc.npy", make([]int32, mS))
	cfg := r.path("plain.json")
	if err := os.WriteFile(cfg, []byte(`{"head_dim": 32}`), 0o644); err != nil {
		t.Fatal(err)
	}
	noPos := []string{"attend", "--q", r.path("q.npy"), "--k", r.path("k.npy"), "--v", r.path("v.npy"), "--out", r.path("out")}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"q-doc alone", []string{"--q-doc", r.path("kdoc.npy")}, 2, "give both --q-doc and --k-doc"},
		{"schedule without key-rope", []string{"--head-dim", "32"}, 2, "--head-dim needs --key-rope"},
		{"angles without key-rope", []string{"--angles", "compat"}, 2, "--angles needs --key-rope"},
		{"config without dual chunk", []string{"--hf-config", cfg}, 2, "--hf-config needs --key-rope unless"},
		{"key-rope without schedule", []string{"--key-rope", "rank"}, 2, "a schedule needs --hf-config FILE, --head-dim D or --inv-freq FILE"},
		{"unknown key-rope", []string{"--key-rope", "sliding", "--head-dim", "32"}, 2, `--key-rope = "sliding"`},
		{"capped without cap", []string{"--key-rope", "capped", "--head-dim", "32"}, 2, `want capped:CAP`},
		{"capped zero", []string{"--key-rope", "capped:0", "--head-dim", "32"}, 2, `want capped:CAP`},
		{"dual chunk without sizes", []string{"--key-rope", "dual-chunk", "--head-dim", "32"}, 2, "needs :CHUNK_SIZE,LOCAL_SIZE"},
		{"dual chunk local ≥ chunk", []string{"--key-rope", "dual-chunk:64,64", "--head-dim", "32"}, 1, "--key-rope local_size = 64"},
		{"rank with a value", []string{"--key-rope", "rank:3", "--head-dim", "32"}, 2, "takes no value"},
		{"schedule head dim", []string{"--key-rope", "rank", "--head-dim", "16"}, 1, "the schedule's head dimension = 16"},
		{"bad angles", []string{"--key-rope", "rank", "--head-dim", "32", "--angles", "fast"}, 2, "--angles = fast"},
		{"q-doc length", []string{"--q-doc", r.path("qdoc2.npy"), "--k-doc", r.path("kdoc.npy")}, 1, "--q-doc shape[0] = 2"},
		{"logn 1", []string{"--logn", "1"}, 1, "--logn = 1: want 0 (off) or a training length ≥ 2"},
	} {
		code, _, stderr := runCLI(append(append([]string(nil), r.args...), c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", c.name, code, stderr, c.code, c.want)
		}
		if _, err := os.Stat(r.path("out/o.npy")); err == nil {
			t.Fatalf("%s: a failed run left out/o.npy", c.name)
		}
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"original needs positions", []string{"--key-rope", "original", "--head-dim", "32"}, "--key-rope = original: key positions original need q_pos and k_pos"},
		{"logn needs positions", []string{"--logn", "16"}, "--logn = 16: log-n scaling needs q_pos"},
	} {
		code, _, stderr := runCLI(append(append([]string(nil), noPos...), c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want a failure mentioning %q", c.name, code, stderr, c.want)
		}
	}
}

package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestScheduleFlagsInvFreq resolves --inv-freq tables: a float32 file is
// the float32 table itself and its exact float64 widening, a float64 file
// the float64 table; --head-dim, --attention-factor and --layout apply.
func TestScheduleFlagsInvFreq(t *testing.T) {
	dir := t.TempDir()
	f32 := []float32{1, 0.1, 0}
	f64 := []float64{1, 0.1, 0.001}
	p32, p64 := filepath.Join(dir, "f32.npy"), filepath.Join(dir, "f64.npy")
	saveNPY(t, p32, f32)
	saveNPY(t, p64, f64)

	r, cfg, err := resolveFlags("--inv-freq", p32)
	if err != nil || cfg != nil {
		t.Fatal(err)
	}
	if r.Type != "table" || r.HeadDim != 6 || r.Dim != 6 || r.AttentionFactor != 1 || r.Layout != ops.NeoX ||
		!slices.Equal(r.InvFreqF32, f32) || r.InvFreq[1] != float64(float32(0.1)) || r.InvFreq[2] != 0 {
		t.Errorf("float32 table: %+v", r)
	}
	r, _, err = resolveFlags("--inv-freq", p64, "--head-dim", "16", "--rotary-dim", "6", "--attention-factor", "1.25", "--layout", "gptj")
	if err != nil {
		t.Fatal(err)
	}
	if r.HeadDim != 16 || r.Dim != 6 || r.AttentionFactor != 1.25 || r.Layout != ops.GPTJ ||
		!slices.Equal(r.InvFreq, f64) || r.InvFreqF32 != nil || r.F32()[1] != float32(0.1) {
		t.Errorf("float64 table: %+v", r)
	}

	bad := func(name string, v any) string {
		p := filepath.Join(dir, name+".npy")
		saveNPY(t, p, v)
		return p
	}
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		args []string
		kind error // nil: a plain usage error
		msg  string
	}{
		{[]string{"--inv-freq", p32, "--hf-config", config("mistral-7b")}, nil, "--hf-config conflicts with --inv-freq"},
		{[]string{"--inv-freq", p32, "--base", "500000"}, nil, "--base conflicts with --inv-freq"},
		{[]string{"--inv-freq", p32, "--scaling", "linear:factor=2"}, nil, "--scaling conflicts with --inv-freq"},
		{[]string{"--inv-freq", p32, "--seq-len", "9"}, nil, "--seq-len conflicts with --inv-freq"},
		{[]string{"--head-dim", "64", "--attention-factor", "2"}, nil, "--attention-factor applies to an --inv-freq table only"},
		{[]string{"--inv-freq", p32, "--attention-factor", "0"}, ops.ErrRange, "attention-factor = 0"},
		{[]string{"--inv-freq", p32, "--attention-factor", "-2"}, ops.ErrRange, "attention-factor = -2"},
		{[]string{"--inv-freq", p32, "--attention-factor", "NaN"}, ops.ErrRange, "attention-factor = NaN"},
		{[]string{"--inv-freq", p32, "--rotary-dim", "4"}, ops.ErrShape, "rotary-dim = 4"},
		{[]string{"--inv-freq", p32, "--head-dim", "4"}, ops.ErrShape, "head-dim = 4"},
		{[]string{"--inv-freq", p32, "--head-dim", "7"}, ops.ErrShape, "head-dim = 7"},
		{[]string{"--inv-freq", p32, "--layout", "diagonal"}, ops.ErrConfig, "layout = diagonal"},
		{[]string{"--inv-freq", bad("nan", []float32{1, float32(nan)})}, ops.ErrRange, "inv-freq[1] = NaN"},
		{[]string{"--inv-freq", bad("inf", []float64{inf, 1})}, ops.ErrRange, "inv-freq[0] = +Inf"},
		{[]string{"--inv-freq", bad("neg", []float64{1, -0.5})}, ops.ErrRange, "inv-freq[1] = -0.5"},
		{[]string{"--inv-freq", bad("int", []int32{1, 2})}, ops.ErrDType, "--inv-freq dtype = <i4"},
		{[]string{"--inv-freq", bad("rank2", [][]float32{{1, 0.5}})}, ops.ErrShape, "--inv-freq shape = [1 2]"},
		{[]string{"--inv-freq", emptyNPY(t, dir)}, ops.ErrShape, "--inv-freq shape = [0]"},
		{[]string{"--inv-freq", bad("huge", make([]float32, ops.MaxHeadDim/2+1))}, ops.ErrShape, "--inv-freq shape = [2049]"},
		{[]string{"--inv-freq", filepath.Join(dir, "missing.npy")}, ops.ErrConfig, "inv-freq"},
	} {
		_, _, err := resolveFlags(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.msg) || (c.kind != nil && !errors.Is(err, c.kind)) {
			t.Errorf("%v: %v; want %v mentioning %q", c.args, err, c.kind, c.msg)
		}
	}
}

// emptyNPY writes a version 1.0 .npy file holding a float32 array of
// shape (0,), as numpy.save(numpy.zeros(0, numpy.float32)) does.
func emptyNPY(t *testing.T, dir string) string {
	t.Helper()
	h := "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }"
	h += strings.Repeat(" ", 128-10-len(h)-1) + "\n" // magic, version, length and header: 128 bytes
	p := filepath.Join(dir, "empty.npy")
	if err := os.WriteFile(p, append([]byte{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, byte(len(h)), 0}, h...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFreqsInvFreq prints an --inv-freq table back: rotor freqs --json
// returns the float32 file's entries bit for bit.
func TestFreqsInvFreq(t *testing.T) {
	p := filepath.Join(t.TempDir(), "inv.npy")
	want := []float32{1, 0.31622776, 0.1, 0.031622775, 0}
	saveNPY(t, p, want)
	code, out, errOut := runCLI("freqs", "--inv-freq", p, "--head-dim", "12", "--attention-factor", "1.5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got freqsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.RopeType != "table" || got.HeadDim != 12 || got.RotaryDim != 10 || got.AttentionFactor != 1.5 || !slices.Equal(got.InvFreqF32, want) {
		t.Errorf("got %+v", got)
	}
	for j, f := range want {
		if got.InvFreq[j] != float64(f) {
			t.Errorf("inv_freq[%d] = %.17g, want the exact widening %.17g", j, got.InvFreq[j], float64(f))
		}
	}
}

// TestRoPEInvFreqEqualsConfig passes a model's tables as --inv-freq files:
// its float32 table reproduces the --hf-config compat run bit for bit, its
// float64 table the accurate run.
func TestRoPEInvFreqEqualsConfig(t *testing.T) {
	model := "qwen2.5-7b-instruct-yarn" // attention factor ≠ 1
	r := configRotary(t, model, 0)
	dir := t.TempDir()
	pos := []int64{0, 1, 4097, 131071, 1 << 20}
	ropeInputs(t, dir, pos, 4, 2, r.HeadDim, 11)
	p32, p64 := filepath.Join(dir, "inv32.npy"), filepath.Join(dir, "inv64.npy")
	saveNPY(t, p32, r.F32())
	saveNPY(t, p64, r.InvFreq)
	attn := ftoa(r.AttentionFactor)
	in := []string{"--q", filepath.Join(dir, "q.npy"), "--k", filepath.Join(dir, "k.npy"), "--pos", filepath.Join(dir, "pos.npy")}
	shapes := [][]int{{len(pos), 4, r.HeadDim}, {len(pos), 2, r.HeadDim}}
	for _, c := range []struct {
		angles string
		table  string
	}{{"compat", p32}, {"accurate", p64}} {
		outs := [2][2][]float32{}
		for i, sched := range [][]string{
			{"--hf-config", config(model)},
			{"--inv-freq", c.table, "--attention-factor", attn},
		} {
			out := t.TempDir()
			args := append(append(append([]string{"rope"}, in...), sched...), "--angles", c.angles, "--out", out)
			if code, _, errOut := runCLI(args...); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			outs[i][0], outs[i][1] = ropeOutputs(t, out, shapes[0], shapes[1])
		}
		for w := range 2 {
			for i := range outs[0][w] {
				if math.Float32bits(outs[0][w][i]) != math.Float32bits(outs[1][w][i]) {
					t.Fatalf("%s, tensor %d element %d: config %v, --inv-freq %v", c.angles, w, i, outs[0][w][i], outs[1][w][i])
				}
			}
		}
	}
}

package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// attendCase is one rotor attend run: shapes, selection, options.
type attendCase struct {
	name                 string
	dtype                ops.DType
	Tq, Hq, Hk, S, D, Dv int
	gran                 string // "" = no --indices
	W                    int
	causal               bool
	scale, softcap       float64
	sinks                []float64
}

// attendTruth is softmax attention in float64, written out here
// independently of the package under test: for query t, head h (kv head
// h/(Hq/Hk)) and the visible non-padding slots s of its row, x_s =
// cap(scale·q·k_s), O = Σ e^(x_s-m) v_s / (Σ e^(x_s-m) + e^(sink-m)),
// LSE = m + log(that denominator). mag is Σ p|v|, the scale of O's
// rounding error. Rows with no visible key give O = 0, LSE = -Inf (or
// the sink).
func attendTruth(c *attendCase, q, k, v []float64, rows func(t, kv int) []int64, qpos, kpos []int64) (o, lse, mag []float64) {
	g := c.Hq / c.Hk
	scale := c.scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(c.D))
	}
	o = make([]float64, c.Tq*c.Hq*c.Dv)
	mag = make([]float64, c.Tq*c.Hq*c.Dv)
	lse = make([]float64, c.Tq*c.Hq)
	for t := range c.Tq {
		for h := range c.Hq {
			kv := h / g
			var slots []int64
			var xs []float64
			for _, s := range rows(t, kv) {
				if s < 0 || (qpos != nil && kpos[s] > qpos[t]) {
					continue
				}
				x := 0.0
				for d := range c.D {
					x += q[(t*c.Hq+h)*c.D+d] * k[(int(s)*c.Hk+kv)*c.D+d]
				}
				x *= scale
				if c.softcap > 0 {
					x = c.softcap * math.Tanh(x/c.softcap)
				}
				slots, xs = append(slots, s), append(xs, x)
			}
			sink := math.Inf(-1)
			if c.sinks != nil {
				sink = c.sinks[h]
			}
			m := sink
			for _, x := range xs {
				m = math.Max(m, x)
			}
			r := t*c.Hq + h
			if math.IsInf(m, -1) {
				lse[r] = m
				continue
			}
			den := math.Exp(sink - m)
			for i, s := range slots {
				p := math.Exp(xs[i] - m)
				den += p
				for d := range c.Dv {
					vv := v[(int(s)*c.Hk+kv)*c.Dv+d]
					o[r*c.Dv+d] += p * vv
					mag[r*c.Dv+d] += p * math.Abs(vv)
				}
			}
			for d := range c.Dv {
				o[r*c.Dv+d] /= den
				mag[r*c.Dv+d] /= den
			}
			lse[r] = m + math.Log(den)
		}
	}
	return o, lse, mag
}

// ulpAt returns the spacing of dtype dt's values at |x|.
func ulpAt(dt ops.DType, x float64) float64 {
	_, e := math.Frexp(math.Abs(x))
	switch dt {
	case ops.BF16:
		return math.Ldexp(1, max(e-1, -126)-7)
	case ops.F16:
		return math.Ldexp(1, max(e-1, -14)-10)
	}
	return math.Ldexp(1, max(e-1, -126)-23)
}

func nest2[E any](flat []E, R, C int) [][]E {
	out := make([][]E, R)
	for r := range out {
		out[r] = flat[r*C : (r+1)*C]
	}
	return out
}

// runAttendCase writes random inputs for c, runs rotor attend and checks
// o.npy and lse.npy against attendTruth: per output row, |o - o*| ≤
// 1e-5·max Σp|v| (float32 accumulation) plus, for 16-bit dtypes, one ulp
// of the dtype (the single rounding of O); |lse - lse*| ≤ 1e-5·max(1,
// |lse*|); exact zeros and -Inf for rows with no visible key.
func runAttendCase(t *testing.T, c *attendCase, seed uint64) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, 9))
	normal := func(n int) ([]float32, []float64) {
		raw, exact := make([]float32, n), make([]float64, n)
		for i := range raw {
			raw[i] = float32(rng.NormFloat64())
			exact[i] = float64(precision.Round(c.dtype, raw[i]))
		}
		return raw, exact
	}
	qr, q := normal(c.Tq * c.Hq * c.D)
	kr, k := normal(c.S * c.Hk * c.D)
	vr, v := normal(c.S * c.Hk * c.Dv)
	saveNPY(t, filepath.Join(dir, "q.npy"), nest3(qr, c.Tq, c.Hq, c.D))
	saveNPY(t, filepath.Join(dir, "k.npy"), nest3(kr, c.S, c.Hk, c.D))
	saveNPY(t, filepath.Join(dir, "v.npy"), nest3(vr, c.S, c.Hk, c.Dv))
	out := filepath.Join(dir, "out")
	args := []string{"attend", "--q", filepath.Join(dir, "q.npy"), "--k", filepath.Join(dir, "k.npy"),
		"--v", filepath.Join(dir, "v.npy"), "--dtype", c.dtype.String(), "--out", out, "--backend", "fallback"}

	all := make([]int64, c.S)
	for s := range all {
		all[s] = int64(s)
	}
	rows := func(t, kv int) []int64 { return all }
	if c.gran != "" {
		nrows := map[string]int{"request": 1, "kvhead": c.Hk, "query": c.Tq * c.Hk}[c.gran]
		idx := make([]int64, nrows*c.W)
		for i := range idx {
			idx[i] = int64(rng.IntN(c.S))
			if rng.IntN(4) == 0 {
				idx[i] = -1
			}
		}
		if nrows > 1 { // a row of padding only
			for i := range c.W {
				idx[c.W+i] = -1
			}
		}
		path := filepath.Join(dir, "idx.npy")
		switch c.gran {
		case "request":
			saveNPY(t, path, idx)
			rows = func(t, kv int) []int64 { return idx }
		case "kvhead":
			saveNPY(t, path, nest2(idx, c.Hk, c.W))
			rows = func(t, kv int) []int64 { return idx[kv*c.W : (kv+1)*c.W] }
		case "query":
			saveNPY(t, path, nest3(idx, c.Tq, c.Hk, c.W))
			rows = func(t, kv int) []int64 { return idx[(t*c.Hk+kv)*c.W : (t*c.Hk+kv+1)*c.W] }
		}
		args = append(args, "--indices", path, "--granularity", c.gran)
	}
	var qpos, kpos []int64
	if c.causal {
		qpos, kpos = make([]int64, c.Tq), make([]int64, c.S)
		for i := range qpos {
			qpos[i] = int64(rng.IntN(c.S))
		}
		for i := range kpos {
			kpos[i] = int64(rng.IntN(c.S))
		}
		saveNPY(t, filepath.Join(dir, "qpos.npy"), qpos)
		saveNPY(t, filepath.Join(dir, "kpos.npy"), kpos)
		args = append(args, "--q-pos", filepath.Join(dir, "qpos.npy"), "--k-pos", filepath.Join(dir, "kpos.npy"))
	}
	if c.scale != 0 {
		args = append(args, "--scale", ftoa(c.scale))
	}
	if c.softcap != 0 {
		args = append(args, "--softcap", ftoa(c.softcap))
	}
	if c.sinks != nil {
		saveNPY(t, filepath.Join(dir, "sinks.npy"), c.sinks)
		args = append(args, "--sinks", filepath.Join(dir, "sinks.npy"))
	}
	if code, _, stderr := runCLI(args...); code != 0 {
		t.Fatalf("%s: rotor attend exited %d: %s", c.name, code, stderr)
	}
	oa, err := readNPY("o", filepath.Join(out, "o.npy"))
	if err != nil {
		t.Fatal(err)
	}
	la, err := readNPY("lse", filepath.Join(out, "lse.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if oa.f32 == nil || len(oa.shape) != 3 || oa.shape[0] != c.Tq || oa.shape[1] != c.Hq || oa.shape[2] != c.Dv {
		t.Fatalf("%s: o.npy is %s %v, want float32 [%d %d %d]", c.name, oa.descr, oa.shape, c.Tq, c.Hq, c.Dv)
	}
	if la.f32 == nil || len(la.shape) != 2 || la.shape[0] != c.Tq || la.shape[1] != c.Hq {
		t.Fatalf("%s: lse.npy is %s %v, want float32 [%d %d]", c.name, la.descr, la.shape, c.Tq, c.Hq)
	}
	wo, wl, mag := attendTruth(c, q, k, v, rows, qpos, kpos)
	empty := 0
	for r := range c.Tq * c.Hq {
		m := 0.0
		for d := range c.Dv {
			m = math.Max(m, mag[r*c.Dv+d])
		}
		if m == 0 {
			empty++
		}
		for d := range c.Dv {
			got, want := float64(oa.f32[r*c.Dv+d]), wo[r*c.Dv+d]
			bound := 1e-5 * m
			if c.dtype != ops.F32 {
				bound += ulpAt(c.dtype, math.Max(math.Abs(got), math.Abs(want)))
			}
			if m == 0 {
				bound = 0
			}
			if !(math.Abs(got-want) <= bound) {
				t.Fatalf("%s: o[%d,%d] = %.8g, want %.8g (bound %.3g)", c.name, r, d, got, want, bound)
			}
		}
		got := float64(la.f32[r])
		if math.IsInf(wl[r], -1) || m == 0 {
			if got != float64(float32(wl[r])) {
				t.Fatalf("%s: lse[%d] = %g, want %g", c.name, r, got, wl[r])
			}
		} else if math.Abs(got-wl[r]) > 1e-5*math.Max(1, math.Abs(wl[r])) {
			t.Fatalf("%s: lse[%d] = %.8g, want %.8g", c.name, r, got, wl[r])
		}
	}
	t.Logf("%s: %d output rows checked, %d with no visible key", c.name, c.Tq*c.Hq, empty)
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// TestAttendMatchesFloat64 checks rotor attend against attendTruth on
// random inputs and selections: all three granularities, GQA 7, padding
// rows, causal masking, the dense path with scale, soft-cap and sinks,
// float32 and bfloat16.
func TestAttendMatchesFloat64(t *testing.T) {
	cases := []attendCase{
		{name: "request gqa7 f32", dtype: ops.F32, Tq: 3, Hq: 14, Hk: 2, S: 200, D: 32, Dv: 24, gran: "request", W: 90},
		{name: "kvhead gqa7 f32", dtype: ops.F32, Tq: 2, Hq: 14, Hk: 2, S: 200, D: 32, Dv: 32, gran: "kvhead", W: 70},
		{name: "query gqa7 bf16 causal", dtype: ops.BF16, Tq: 4, Hq: 14, Hk: 2, S: 150, D: 64, Dv: 32, gran: "query", W: 60, causal: true},
		{name: "request gqa7 bf16", dtype: ops.BF16, Tq: 1, Hq: 28, Hk: 4, S: 900, D: 64, Dv: 64, gran: "request", W: 700},
		{name: "dense f16 sinks softcap", dtype: ops.F16, Tq: 2, Hq: 4, Hk: 1, S: 120, D: 16, Dv: 16,
			scale: 0.5, softcap: 8, sinks: []float64{0.5, math.Inf(-1), 2, -1}},
	}
	for i := range cases {
		runAttendCase(t, &cases[i], uint64(100+i))
	}
}

// TestAttendErrors checks that bad inputs fail with a message naming the
// argument and a non-zero exit status.
func TestAttendErrors(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	q := make([]float32, 2*4*8)
	k := make([]float32, 5*2*8)
	saveNPY(t, p("q.npy"), nest3(q, 2, 4, 8))
	saveNPY(t, p("k.npy"), nest3(k, 5, 2, 8))
	saveNPY(t, p("k3.npy"), nest3(make([]float32, 5*3*8), 5, 3, 8))
	saveNPY(t, p("bad.npy"), []int32{0, 4, 5})
	saveNPY(t, p("neg.npy"), []int64{0, -2, 1})
	saveNPY(t, p("row.npy"), []int32{0, 1, -1})
	saveNPY(t, p("pos.npy"), []int32{1, 2})
	base := []string{"attend", "--q", p("q.npy"), "--k", p("k.npy"), "--v", p("k.npy"), "--out", p("out"), "--backend", "fallback"}
	for _, c := range []struct {
		name  string
		extra []string
		code  int
		want  string
	}{
		{"slot ≥ S", []string{"--indices", p("bad.npy")}, 1, "range: --indices[2] = 5: want -1 (padding) or a slot in [0, 5)"},
		{"slot < -1", []string{"--indices", p("neg.npy")}, 1, "--indices[1] = -2"},
		{"granularity vs rank", []string{"--indices", p("row.npy"), "--granularity", "kvhead"}, 1, "--indices shape = [3]"},
		{"unknown granularity", []string{"--indices", p("row.npy"), "--granularity", "page"}, 2, "--granularity = page"},
		{"granularity without indices", []string{"--granularity", "query"}, 2, "--granularity needs --indices"},
		{"q-pos alone", []string{"--q-pos", p("pos.npy")}, 2, "give both --q-pos and --k-pos"},
		{"heads", []string{"--k", p("k3.npy"), "--v", p("k3.npy")}, 1, "--k shape[1] = 3"},
		{"dtype", []string{"--dtype", "i32"}, 2, "dtype: --dtype = i32: want f32, bf16 or f16\n"},
		{"negative softcap", []string{"--softcap", "-1"}, 2, "--softcap = -1"},
		{"scale beyond float32", []string{"--scale", "1e300"}, 2, `invalid value "1e300" for flag --scale: beyond float32's range`},
		{"scale below float32", []string{"--scale", "1e-300"}, 2, `invalid value "1e-300" for flag --scale: below float32's smallest`},
		{"missing file", []string{"--v", p("nope.npy")}, 1, "config: --v = " + p("nope.npy") + ": cannot open"},
	} {
		args := append(append([]string(nil), base...), c.extra...)
		code, _, stderr := runCLI(args...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "rotor: ") {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", c.name, code, stderr, c.code, c.want)
		}
		if _, err := os.Stat(p("out/o.npy")); err == nil {
			t.Fatalf("%s: a failed run left out/o.npy", c.name)
		}
	}
	// 8 MB of inputs whose shapes ask for a 2^40-element output (where
	// the machine's memory is known; elsewhere the run would try it).
	if physicalMemory() > 0 {
		saveNPY(t, p("qlong.npy"), nest3(make([]float32, 1<<20), 1<<16, 16, 1))
		saveNPY(t, p("k1.npy"), nest3([]float32{1}, 1, 1, 1))
		saveNPY(t, p("vwide.npy"), nest3(make([]float32, 1<<20), 1, 1, 1<<20))
		code, _, stderr := runCLI("attend", "--q", p("qlong.npy"), "--k", p("k1.npy"), "--v", p("vwide.npy"), "--out", p("out"))
		if code != 1 || !strings.Contains(stderr, "range: --q/--v = [65536 16 1048576]: would need 8.8e+03 GB, more than this machine's") {
			t.Errorf("a 2^40-element output: exit %d, %q", code, stderr)
		}
	}
	code, _, stderr := runCLI("attend", "--q", p("q.npy"))
	if code != 2 || stderr != "rotor attend: --k is required\nRun 'rotor attend -h' for its flags.\n" {
		t.Errorf("missing --k, --v, --out: exit %d, %q", code, stderr)
	}
}

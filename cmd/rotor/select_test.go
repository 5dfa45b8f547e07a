package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// selectInputs writes q [Hq, D] and k [S, Hk, D] (float32, standard
// normal) into dir, with k[needle, kv] = 2·sqrt(D)·q[h]/|q[h]| for every
// kv head (h its group's first query head): a key every policy should
// find.
func selectInputs(t *testing.T, dir string, s, hq, hk, d, needle int) (q, k []float32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	q = make([]float32, hq*d)
	k = make([]float32, s*hk*d)
	for i := range q {
		q[i] = float32(rng.NormFloat64())
	}
	for i := range k {
		k[i] = float32(rng.NormFloat64())
	}
	for kv := range hk {
		h := kv * (hq / hk)
		n := 0.0
		for _, v := range q[h*d : (h+1)*d] {
			n += float64(v) * float64(v)
		}
		for j := range d {
			k[(needle*hk+kv)*d+j] = float32(2 * math.Sqrt(float64(d)) * float64(q[h*d+j]) / math.Sqrt(n))
		}
	}
	qn := make([][]float32, hq)
	for h := range qn {
		qn[h] = q[h*d : (h+1)*d]
	}
	saveNPY(t, filepath.Join(dir, "q.npy"), qn)
	saveNPY(t, filepath.Join(dir, "k.npy"), nest3(k, s, hk, d))
	return q, k
}

// readIndices reads out/indices.npy and checks its dtype and shape.
func readIndices(t *testing.T, out string, shape ...int) [][]int32 {
	t.Helper()
	a, err := readNPY("indices", filepath.Join(out, "indices.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if a.i32 == nil || !slices.Equal(a.shape, shape) {
		t.Fatalf("indices.npy: dtype %s shape %v, want int32 %v", a.descr, a.shape, shape)
	}
	w := shape[len(shape)-1]
	var rows [][]int32
	for i := 0; i < len(a.i32); i += w {
		rows = append(rows, a.i32[i:i+w])
	}
	return rows
}

func TestSelectPolicies(t *testing.T) {
	dir := t.TempDir()
	const s, hq, hk, d, needle = 512, 4, 2, 16, 300
	selectInputs(t, dir, s, hq, hk, d, needle)
	q, k := filepath.Join(dir, "q.npy"), filepath.Join(dir, "k.npy")
	for _, c := range []struct {
		name  string
		args  []string
		shape []int
		check func(row []int32) bool
	}{
		{"tokenselect", []string{"tokenselect", "--budget", "8", "--sink", "2", "--local", "3"}, []int{13},
			func(row []int32) bool {
				return slices.Equal(row[:2], []int32{0, 1}) && slices.Equal(row[10:], []int32{509, 510, 511}) &&
					slices.Contains(row[2:10], needle) && slices.IsSorted(row)
			}},
		{"tokenselect kvhead bf16", []string{"tokenselect", "--budget", "8", "--granularity", "kvhead", "--dtype", "bf16"}, []int{hk, 8},
			func(row []int32) bool { return slices.Contains(row, needle) && slices.IsSorted(row) }},
		{"quest", []string{"quest", "--budget", "64", "--page-size", "16"}, []int{hk, 64},
			func(row []int32) bool {
				// The needle's page 18 (288..303) and the newest page 31.
				return slices.Contains(row, 288) && slices.Contains(row, 303) && row[63] == 511 && slices.IsSorted(row)
			}},
		{"squeezed", []string{"--clusters", "16", "--budget", "96", "--local", "4", "--seed", "1", "squeezed"}, []int{hk, 100},
			func(row []int32) bool {
				used := slices.DeleteFunc(slices.Clone(row), func(v int32) bool { return v < 0 })
				return slices.Contains(used, needle) && slices.IsSorted(used) && slices.Equal(used[len(used)-4:], []int32{508, 509, 510, 511})
			}},
		{"window", []string{"window", "--sink", "4", "--window", "6"}, []int{10},
			func(row []int32) bool {
				return slices.Equal(row, []int32{0, 1, 2, 3, 506, 507, 508, 509, 510, 511})
			}},
	} {
		out := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
		args := append([]string{"select"}, c.args...)
		args = append(args, "--q", q, "--k", k, "--out", out)
		code, stdout, stderr := runCLI(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, stderr)
		}
		if !strings.Contains(stdout, "indices.npy") {
			t.Errorf("%s: stdout %q does not name the output", c.name, stdout)
		}
		for i, row := range readIndices(t, out, c.shape...) {
			if !c.check(row) {
				t.Errorf("%s: row %d = %v", c.name, i, row)
			}
		}
	}
}

// TestSelectQueryShapes: [1, Hq, D] is the same query as [Hq, D].
func TestSelectQueryShapes(t *testing.T) {
	dir := t.TempDir()
	q, _ := selectInputs(t, dir, 128, 2, 1, 8, 50)
	saveNPY(t, filepath.Join(dir, "q3.npy"), nest3(q, 1, 2, 8))
	var rows [2][][]int32
	for i, name := range []string{"q.npy", "q3.npy"} {
		out := filepath.Join(dir, name+".out")
		code, _, stderr := runCLI("select", "tokenselect", "--budget", "5", "--q", filepath.Join(dir, name), "--k", filepath.Join(dir, "k.npy"), "--out", out)
		if code != 0 {
			t.Fatalf("%s: %s", name, stderr)
		}
		rows[i] = readIndices(t, out, 5)
	}
	if !slices.Equal(rows[0][0], rows[1][0]) || !slices.Contains(rows[0][0], 50) {
		t.Fatalf("[Hq, D] gave %v, [1, Hq, D] gave %v", rows[0], rows[1])
	}
}

func TestSelectErrors(t *testing.T) {
	dir := t.TempDir()
	selectInputs(t, dir, 64, 2, 1, 8, 10)
	q, k := filepath.Join(dir, "q.npy"), filepath.Join(dir, "k.npy")
	bad := func(name string, v any) string {
		p := filepath.Join(dir, name)
		saveNPY(t, p, v)
		return p
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no policy", []string{"--q", q, "--k", k, "--out", dir}, 2, "a policy is required"},
		{"unknown policy", []string{"lru", "--q", q, "--k", k, "--out", dir}, 2, `unknown policy "lru"`},
		{"no q", []string{"window", "--k", k, "--out", dir, "--window", "4"}, 2, "rotor select: --q is required\n"},
		{"no k", []string{"window", "--q", q, "--out", dir, "--window", "4"}, 2, "--k is required"},
		{"no out", []string{"window", "--q", q, "--k", k, "--window", "4"}, 2, "--out is required"},
		{"negative budget", []string{"tokenselect", "--q", q, "--k", k, "--out", dir, "--budget", "-2"}, 2, "--budget = -2"},
		{"page size", []string{"quest", "--q", q, "--k", k, "--out", dir, "--budget", "16", "--page-size", "0"}, 2, "--page-size = 0"},
		{"quest budget", []string{"quest", "--q", q, "--k", k, "--out", dir, "--budget", "8"}, 2, "--budget = 8"},
		{"quest request", []string{"quest", "--q", q, "--k", k, "--out", dir, "--budget", "32", "--granularity", "request"}, 2, "--granularity = request"},
		{"clusters", []string{"squeezed", "--q", q, "--k", k, "--out", dir, "--budget", "8", "--clusters", "65"}, 2, "--clusters = 65"},
		{"threshold", []string{"squeezed", "--q", q, "--k", k, "--out", dir, "--clusters", "4", "--threshold", "NaN"}, 2, "--threshold = NaN"},
		{"granularity", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "--granularity", "head2"}, 2, "--granularity = head2"},
		{"query granularity", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "--granularity", "query"}, 2, "--granularity"},
		{"empty window", []string{"window", "--q", q, "--k", k, "--out", dir}, 2, "--window = 0"},
		{"scale", []string{"tokenselect", "--q", q, "--k", k, "--out", dir, "--budget", "4", "--scale", "-1"}, 2, "--scale = -1"},
		{"scale below float32", []string{"tokenselect", "--q", q, "--k", k, "--out", dir, "--budget", "4", "--scale", "1e-300"}, 2,
			`invalid value "1e-300" for flag --scale: below float32's smallest non-zero magnitude`},
		{"budget beyond the slots", []string{"tokenselect", "--q", q, "--k", k, "--out", dir, "--budget", "100000000"}, 2,
			"range: --budget = 100000000: more than the 64 slots of --k"},
		{"budget 10^8 over 16 slots", []string{"tokenselect", "--q", q, "--k", bad("k16.npy", nest3(make([]float32, 16*8), 16, 1, 8)), "--out", dir,
			"--budget", "100000000"}, 2, "range: --budget = 100000000: more than the 16 slots of --k"},
		{"window beyond the slots", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "65"}, 2, "--window = 65"},
		{"k rank", []string{"window", "--q", q, "--k", bad("k2.npy", [][]float32{{1}}), "--out", dir, "--window", "4"}, 1, "--k shape = [1 1]"},
		{"q tokens", []string{"tokenselect", "--q", bad("q3.npy", nest3(make([]float32, 32), 2, 2, 8)), "--k", k, "--out", dir, "--budget", "4"}, 1, "--q shape"},
		{"head dim", []string{"tokenselect", "--q", bad("q4.npy", [][]float32{{1, 2}, {3, 4}}), "--k", k, "--out", dir, "--budget", "4"}, 1, "--q shape"},
		{"dtype", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "--dtype", "i32"}, 2, "--dtype = i32: want f32, bf16 or f16"},
		{"extra argument", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "quest"}, 2, "unexpected argument"},
	}
	if physicalMemory() > 0 {
		// 8 MB of q and k whose shapes ask for 2^40 scores.
		cases = append(cases, struct {
			name string
			args []string
			code int
			want string
		}{"scores beyond memory", []string{"tokenselect", "--q", bad("qwide.npy", nest3(make([]float32, 1<<20), 1, 1<<20, 1)[0]), "--k",
			bad("klong.npy", nest3(make([]float32, 1<<20), 1<<20, 1, 1)), "--out", dir, "--budget", "4"}, 1,
			"range: --q/--k = [1048576 1048576]: would need 8.8e+03 GB"})
	}
	for _, c := range cases {
		code, stdout, stderr := runCLI(append([]string{"select"}, c.args...)...)
		if code != c.code || stdout != "" || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "rotor: ") {
			t.Errorf("%s: exit %d, stderr %q: want exit %d naming %q", c.name, code, stderr, c.code, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "indices.npy")); err == nil {
			t.Fatalf("%s: a failed run wrote indices.npy", c.name)
		}
	}
}

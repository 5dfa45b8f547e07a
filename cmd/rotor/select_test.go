package main

import (
	"math"
	"math/rand/v2"
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
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no policy", []string{"--q", q, "--k", k, "--out", dir}, "a policy is required"},
		{"unknown policy", []string{"lru", "--q", q, "--k", k, "--out", dir}, "policy = lru"},
		{"no q", []string{"window", "--k", k, "--out", dir, "--window", "4"}, "--q is required"},
		{"no k", []string{"window", "--q", q, "--out", dir, "--window", "4"}, "--k is required"},
		{"no out", []string{"window", "--q", q, "--k", k, "--window", "4"}, "--out is required"},
		{"negative budget", []string{"tokenselect", "--q", q, "--k", k, "--out", dir, "--budget", "-2"}, "budget = -2"},
		{"page size", []string{"quest", "--q", q, "--k", k, "--out", dir, "--budget", "16", "--page-size", "0"}, "page_size = 0"},
		{"quest budget", []string{"quest", "--q", q, "--k", k, "--out", dir, "--budget", "8"}, "budget = 8"},
		{"quest request", []string{"quest", "--q", q, "--k", k, "--out", dir, "--budget", "32", "--granularity", "request"}, "granularity"},
		{"clusters", []string{"squeezed", "--q", q, "--k", k, "--out", dir, "--budget", "8", "--clusters", "65"}, "clusters = 65"},
		{"threshold", []string{"squeezed", "--q", q, "--k", k, "--out", dir, "--clusters", "4", "--threshold", "NaN"}, "threshold = NaN"},
		{"granularity", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "--granularity", "head2"}, "granularity"},
		{"query granularity", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "--granularity", "query"}, "granularity"},
		{"empty window", []string{"window", "--q", q, "--k", k, "--out", dir}, "window = 0"},
		{"scale", []string{"tokenselect", "--q", q, "--k", k, "--out", dir, "--budget", "4", "--scale", "-1"}, "scale"},
		{"k rank", []string{"window", "--q", q, "--k", bad("k2.npy", [][]float32{{1}}), "--out", dir, "--window", "4"}, "k.shape"},
		{"q tokens", []string{"tokenselect", "--q", bad("q3.npy", nest3(make([]float32, 32), 2, 2, 8)), "--k", k, "--out", dir, "--budget", "4"}, "q.shape"},
		{"head dim", []string{"tokenselect", "--q", bad("q4.npy", [][]float32{{1, 2}, {3, 4}}), "--k", k, "--out", dir, "--budget", "4"}, "q.shape"},
		{"dtype", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "--dtype", "i32"}, "dtype"},
		{"extra argument", []string{"window", "--q", q, "--k", k, "--out", dir, "--window", "4", "quest"}, "unexpected argument"},
	} {
		code, _, stderr := runCLI(append([]string{"select"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q: want a failure naming %q", c.name, code, stderr, c.want)
		}
	}
}

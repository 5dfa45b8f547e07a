package main

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func config(name string) string {
	return filepath.Join("..", "..", "testdata", "configs", name+".json")
}

// configRotary reads a bundled model config and resolves its schedule at
// sequence length seqLen (0: the model's context).
func configRotary(t *testing.T, name string, seqLen int) *ops.Rotary {
	t.Helper()
	cfg, err := ops.ReadHFConfigFile(config(name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfg.Rotary(seqLen)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runCLI runs rotor with args and returns its exit status, stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestFreqsJSON(t *testing.T) {
	for _, c := range []struct {
		file   string
		seqLen string
		attn   float64 // published anchor
	}{
		{"llama-3.1-8b", "0", 1},
		{"llama-3.2-1b", "0", 1},
		{"qwen2.5-7b-instruct-1m", "0", 1},
		{"qwen2.5-7b-instruct-yarn", "0", 0.1*math.Log(4) + 1},
		{"phi-3-mini-128k-instruct", "0", math.Sqrt(1 + math.Log(32)/math.Log(4096))},
		{"phi-3-mini-128k-instruct", "4096", math.Sqrt(1 + math.Log(32)/math.Log(4096))},
		{"gpt-oss-20b", "0", 0.1*math.Log(32) + 1},
		{"deepseek-v2-lite", "0", 1},
		{"mistral-7b", "0", 1},
	} {
		code, out, errOut := runCLI("freqs", "--hf-config", config(c.file), "--seq-len", c.seqLen, "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.file, code, errOut)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &raw); err != nil {
			t.Fatalf("%s: %v\n%s", c.file, err, out)
		}
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		wantKeys := []string{"attention_factor", "head_dim", "inv_freq", "inv_freq_f32", "layout", "rope_type", "rotary_dim"}
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("%s: keys %v, want %v", c.file, keys, wantKeys)
		}
		var got struct {
			RopeType        string    `json:"rope_type"`
			HeadDim         int       `json:"head_dim"`
			RotaryDim       int       `json:"rotary_dim"`
			Layout          string    `json:"layout"`
			AttentionFactor float64   `json:"attention_factor"`
			InvFreq         []float64 `json:"inv_freq"`
			InvFreqF32      []float64 `json:"inv_freq_f32"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		seq := 0
		if c.seqLen != "0" {
			seq = 4096
		}
		r := configRotary(t, c.file, seq)
		if got.RopeType != r.Type || got.HeadDim != r.HeadDim || got.RotaryDim != r.Dim || got.Layout != r.Layout.String() {
			t.Errorf("%s: header %+v vs %+v", c.file, got, r)
		}
		if len(got.InvFreq) != got.RotaryDim/2 || len(got.InvFreqF32) != got.RotaryDim/2 {
			t.Fatalf("%s: %d/%d frequencies for rotary_dim %d", c.file, len(got.InvFreq), len(got.InvFreqF32), got.RotaryDim)
		}
		if math.Abs(got.AttentionFactor-c.attn) > 1e-15 {
			t.Errorf("%s: attention_factor %.17g, want %.17g", c.file, got.AttentionFactor, c.attn)
		}
		for j := range got.InvFreq {
			// JSON carries float64 exactly and float32 as its shortest
			// decimal, which rounds back to the same float32.
			if got.InvFreq[j] != r.InvFreq[j] || float32(got.InvFreqF32[j]) != r.InvFreqF32[j] {
				t.Errorf("%s: pair %d: %v/%v vs %v/%v", c.file, j, got.InvFreq[j], got.InvFreqF32[j], r.InvFreq[j], r.InvFreqF32[j])
			}
			// The exact and HF fp32 tables agree to 1e-6 relative.
			if d := math.Abs(got.InvFreqF32[j]-got.InvFreq[j]) / got.InvFreq[j]; d > 1e-6 {
				t.Errorf("%s: pair %d: fp32 %v vs exact %v: rel %g", c.file, j, got.InvFreqF32[j], got.InvFreq[j], d)
			}
		}
	}
}

func TestFreqsTable(t *testing.T) {
	code, out, errOut := runCLI("freqs", "--hf-config", config("gpt-oss-20b"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"model_type gpt_oss, context 131072, seq_len 131072",
		"rope_type yarn, head_dim 64, rotary_dim 64, layout neox, attention_factor 1.3465735902799727",
		"inv_freq_f32", "wavelength"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Header, blank line, column titles, then one row per pair.
	if n := strings.Count(out, "\n"); n != 3+1+32 {
		t.Errorf("%d lines, want 36:\n%s", n, out)
	}
	code, out, _ = runCLI("freqs", "--head-dim", "8", "--scaling", "proportional:partial_rotary_factor=0.5")
	if code != 0 || !strings.Contains(out, "inf") {
		t.Errorf("proportional table should show unrotated pairs with infinite wavelength:\n%s", out)
	}
}

func TestFreqsExplicit(t *testing.T) {
	code, out, errOut := runCLI("freqs", "--head-dim", "128", "--base", "500000", "--layout", "gptj",
		"--scaling", "llama3:factor=8,low_freq_factor=1,high_freq_factor=4,original_max_position_embeddings=8192", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got freqsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want, _ := ops.Llama3(ops.Llama3Params{RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 500000, Layout: ops.GPTJ},
		Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192})
	if got.RopeType != "llama3" || got.Layout != "gptj" || !slices.Equal(got.InvFreq, want.InvFreq) || !slices.Equal(got.InvFreqF32, want.InvFreqF32) {
		t.Errorf("got %+v", got)
	}
}

func TestFreqsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"freqs"}, 2, "rotor freqs: a schedule needs --hf-config FILE, --head-dim D or --inv-freq FILE\n"},
		{[]string{"freqs", "--hf-config", "no-such.json"}, 1, "config: --hf-config = no-such.json: cannot open"},
		{[]string{"freqs", "--hf-config", "/dev/zero"}, 1, "config: --hf-config /dev/zero = more than 4194304 bytes: want a config of at most 4 MiB"},
		{[]string{"freqs", "--hf-config", "freqs_test.go"}, 1, "config: --hf-config freqs_test.go = malformed JSON"},
		{[]string{"freqs", "--hf-config", config("mistral-7b"), "--head-dim", "64"}, 2, "--head-dim conflicts"},
		{[]string{"freqs", "--hf-config", config("mistral-7b"), "--layout", "diagonal"}, 2, "--layout = diagonal"},
		{[]string{"freqs", "--hf-config", config("mistral-7b"), "--seq-len", "-3"}, 2, "--seq-len = -3"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "warp:factor=2"}, 2, "--scaling = warp"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "linear"}, 2, "--scaling factor = missing"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "linear:factor=x"}, 2, "--scaling factor = x"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "linear:factor=2,beta=3"}, 2, "--scaling beta = 3"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "linear:factor"}, 2, "want key=value"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "linear:factor=nan"}, 2, "--scaling factor = NaN"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "yarn:factor=4,original_max_position_embeddings=-1"}, 2,
			"--scaling original_max_position_embeddings = -1"},
		{[]string{"freqs", "--head-dim", "63"}, 2, "--head-dim = 63"},
		{[]string{"freqs", "--head-dim", "1099511627776"}, 2, "--head-dim = 1099511627776"},
		{[]string{"freqs", "--head-dim", "64", "--base", "-1"}, 2, "--base = -1"},
		{[]string{"freqs", "--head-dim", "64", "--rotary-dim", "30", "--scaling", "proportional"}, 2, "--rotary-dim = 30"},
		{[]string{"freqs", "--nope"}, 2, "flag provided but not defined: --nope"},
		{[]string{"freqs", "--head-dim", "64", "extra"}, 2, "unexpected argument"},
	} {
		code, _, errOut := runCLI(c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) || strings.Contains(errOut, "rotor: ") || strings.Contains(errOut, "usage:") {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errOut, c.code, c.msg)
		}
	}
}

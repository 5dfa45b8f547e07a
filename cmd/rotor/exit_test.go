package main

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestExitStatuses checks the documented statuses: 0 for success and -h
// (usage on stdout), 2 for an unknown command, flag or value and a
// missing flag (one line and a hint, not the whole usage), 1 for a
// failure while running.
func TestExitStatuses(t *testing.T) {
	for _, c := range []struct {
		args       []string
		code       int
		stdout     string
		stderrLine string
	}{
		{[]string{"rope", "-h"}, 0, "usage: rotor rope", ""},
		{[]string{"help"}, 0, "usage: rotor <command>", ""},
		{[]string{"nope"}, 2, "", `rotor: unknown command "nope"`},
		{[]string{"freqs", "--head-dim", "x"}, 2, "", `rotor freqs: invalid value "x" for flag --head-dim: parse error`},
		{[]string{"rope", "--q", "q.npy"}, 2, "", "rotor rope: --pos is required"},
		{[]string{"freqs", "--head-dim", "64", "--scaling", "linear:factor=0"}, 2, "", "rotor freqs: range: --scaling factor = 0"},
		{[]string{"rope", "--q", "missing.npy", "--pos", "p.npy", "--out", t.TempDir(), "--head-dim", "8"}, 1, "",
			"rotor rope: config: --q = missing.npy: cannot open"},
	} {
		code, stdout, stderr := runCLI(c.args...)
		first, _, _ := strings.Cut(stderr, "\n")
		if code != c.code || !strings.Contains(stdout, c.stdout) || !strings.HasPrefix(first, c.stderrLine) {
			t.Errorf("%v: exit %d, stdout %.40q, stderr %q; want exit %d", c.args, code, stdout, stderr, c.code)
		}
		if c.code == 2 && c.args[0] != "nope" && (strings.Contains(stderr, "usage:") || !strings.Contains(stderr, "-h' for its flags")) {
			t.Errorf("%v: stderr %q, want one line and a hint, not the usage", c.args, stderr)
		}
	}
}

// TestMessageNoDoubledPrefix: the ops kinds lose their "rotor: " inside
// a "rotor CMD: " line, also when wrapped.
func TestMessageNoDoubledPrefix(t *testing.T) {
	err := fmt.Errorf("audit: %w", ops.Errorf(ops.ErrRange, "--pos[3]", -1, "want ≥ 0"))
	if got, want := message(err), "audit: range: --pos[3] = -1: want ≥ 0"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestRenameArgs(t *testing.T) {
	names := map[string]string{"q": "--q", "sel.indices": "--indices", "sel": "--sel", "positions": "--pos"}
	for arg, want := range map[string]string{
		"q":                 "--q",
		"q.shape[2]":        "--q shape[2]",
		"positions[3]":      "--pos[3]",
		"sel.indices[2]":    "--indices[2]",
		"sel.indices.shape": "--indices shape",
		"sel.granularity":   "--sel granularity",
		"q_pos":             "q_pos",
		"k":                 "k",
	} {
		err := ops.Errorf(ops.ErrShape, arg, 1, "")
		if got := renameArgs(err, names).(*ops.ArgError).Arg; got != want {
			t.Errorf("%s: renamed %q, want %q", arg, got, want)
		}
	}
}

// TestFloat32Flag: a float flag keeps the text given, and refuses values
// float32 cannot hold instead of turning them into ±Inf or 0.
func TestFloat32Flag(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float32
		err  string
	}{
		{"0.5", 0.5, ""},
		{"-2e-3", -2e-3, ""},
		{"0", 0, ""},
		{"3.4e38", 3.4e38, ""},
		{"1e-45", math.SmallestNonzeroFloat32, ""},
		{"NaN", float32(math.NaN()), ""},
		{"inf", float32(math.Inf(1)), ""},
		{"1e300", 0, "beyond float32's range"},
		{"-1e39", 0, "beyond float32's range"},
		{"1e400", 0, "beyond float32's range"},
		{"1e-300", 0, "below float32's smallest non-zero magnitude"},
		{"0x1p-2000", 0, "below float32's smallest non-zero magnitude"},
		{"-1e-400", 0, "below float32's smallest non-zero magnitude"},
		{"0e-999", 0, ""},
		{"-0.0", float32(math.Copysign(0, -1)), ""},
		{"x", 0, "want a number"},
	} {
		var f float32Flag
		err := f.Set(c.in)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want %q", c.in, err, c.err)
			}
		case err != nil || !(f.v == c.want || f.v != f.v && c.want != c.want) || f.String() != c.in:
			t.Errorf("%s: %v (%q), %v", c.in, f.v, f.String(), err)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := runCLI("version", "--json")
	var v versionJSON
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	if v.Module != "github.com/rotorkernels/rotor" || v.GoVersion != runtime.Version() || v.Version == "" {
		t.Errorf("version %+v", v)
	}
	code, stdout, _ = runCLI("version")
	if code != 0 || !strings.HasPrefix(stdout, "rotor "+v.Version+" (github.com/rotorkernels/rotor)\ngo:       "+runtime.Version()) {
		t.Errorf("exit %d: %q", code, stdout)
	}
}

// TestVersionFromBuildInfo reads the settings a build inside a git
// checkout records (go build -buildvcs=true).
func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/rotorkernels/rotor", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "45550ba"}, {Key: "vcs.time", Value: "2026-12-06T03:09:22Z"},
			{Key: "vcs.modified", Value: "true"}, {Key: "-tags", Value: "cuda"}}}
	want := versionJSON{Module: "github.com/rotorkernels/rotor", Version: "v0.3.0", GoVersion: "go1.26.8",
		Revision: "45550ba", Time: "2026-12-06T03:09:22Z", Modified: true, Tags: "cuda"}
	if got := versionFrom(bi); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := versionFrom(nil); got.Version != "unknown" || got.GoVersion != runtime.Version() {
		t.Errorf("no build info: %+v", got)
	}
}

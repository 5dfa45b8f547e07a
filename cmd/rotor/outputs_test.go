package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/internal/npy"
)

// dirNames lists a folder, hidden files included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestOutputSetCutShort writes an output whose writer fails after the
// header and part of the data, as a full disk would: neither the output
// nor a temporary file is left, and an older file of that name is kept.
func TestOutputSetCutShort(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "o.npy"), []byte("older"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := newOutputSet("--out", dir, "o.npy", "lse.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer o.discard()
	full := errors.New("no space left on device")
	err = o.write("o.npy", func(w io.Writer) error {
		if err := npy.Write(w, make([]float32, 1<<16), 1<<16); err != nil {
			return err
		}
		return full
	})
	if err == nil || !strings.Contains(err.Error(), "--out = "+dir+": writing o.npy: no space left on device") {
		t.Fatalf("write error %v", err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"o.npy"}) {
		t.Fatalf("after a failed write: %v", got)
	}
	// The second output fails after the first was written: the command
	// discards both, and the first never appears.
	if err := o.writeNPY("lse.npy", []float32{1}, 1); err != nil {
		t.Fatal(err)
	}
	if err := o.write("o.npy", func(io.Writer) error { return full }); err == nil {
		t.Fatal("a failing write returned no error")
	}
	o.discard()
	if got := dirNames(t, dir); !slices.Equal(got, []string{"o.npy"}) {
		t.Fatalf("after the second output failed: %v, want lse.npy never written", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "o.npy")); string(b) != "older" {
		t.Fatalf("the older o.npy was changed: %q", b)
	}
}

// TestOutputSetCommit checks that nothing is visible before commit, that
// commit renames every output and removes the owned ones not written,
// that files the command does not own are kept, and that discard after a
// write leaves no temporary file.
func TestOutputSetCommit(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"lse.npy", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("older"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o, err := newOutputSet("--out", dir, "o.npy", "lse.npy")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.writeNPY("o.npy", []float32{1, 2}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "o.npy")); err == nil {
		t.Fatal("o.npy visible before commit")
	}
	paths, err := o.commit()
	if err != nil || !slices.Equal(paths, []string{filepath.Join(dir, "o.npy")}) {
		t.Fatalf("commit: %v, %v", paths, err)
	}
	o.discard()
	if got := dirNames(t, dir); !slices.Equal(got, []string{"notes.txt", "o.npy"}) {
		t.Fatalf("after commit: %v, want the stale lse.npy removed and notes.txt kept", got)
	}
	st, err := os.Stat(filepath.Join(dir, "o.npy"))
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("o.npy: %v, %v", st, err)
	}
	a, err := npy.ReadFile(filepath.Join(dir, "o.npy"))
	if err != nil || !slices.Equal(a.F32, []float32{1, 2}) {
		t.Fatalf("o.npy holds %v, %v", a, err)
	}

	o, _ = newOutputSet("--out", dir, "o.npy")
	if err := o.writeNPY("o.npy", []float32{3}, 1); err != nil {
		t.Fatal(err)
	}
	o.discard()
	if got := dirNames(t, dir); !slices.Equal(got, []string{"notes.txt", "o.npy"}) {
		t.Fatalf("after discard: %v", got)
	}
}

// TestOutputSetChecksTheFolder: an --out that cannot be a folder is a
// usageError naming the flag before anything runs; a missing folder is
// created.
func TestOutputSetChecksTheFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{file, filepath.Join(file, "sub")} {
		_, err := newOutputSet("--out", bad, "o.npy")
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "--out = "+bad) {
			t.Errorf("%s: %v, want a usageError naming --out", bad, err)
		}
	}
	if _, err := newOutputSet("--out", filepath.Join(dir, "a", "b"), "o.npy"); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, filepath.Join(dir, "a", "b")); len(got) != 0 {
		t.Errorf("the probe left %v", got)
	}
}

package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/internal/npy"
	"github.com/rotorkernels/rotor/ops"
)

// saveNPY writes v, a slice of float32, float64, int32 or int64 nested to
// any depth (rows of equal length), as a .npy file of the nested shape.
func saveNPY(t *testing.T, path string, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	var shape []int
	for e := rv; e.Kind() == reflect.Slice; {
		shape = append(shape, e.Len())
		if e.Len() == 0 {
			break
		}
		e = e.Index(0)
	}
	leaf := rv.Type()
	for leaf.Kind() == reflect.Slice {
		leaf = leaf.Elem()
	}
	flat := reflect.MakeSlice(reflect.SliceOf(leaf), 0, 0)
	var walk func(e reflect.Value)
	walk = func(e reflect.Value) {
		if e.Kind() != reflect.Slice {
			flat = reflect.Append(flat, e)
			return
		}
		for i := range e.Len() {
			walk(e.Index(i))
		}
	}
	walk(rv)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Write(f, flat.Interface(), shape...); err != nil {
		t.Fatal(err)
	}
}

// nest3 builds [T][H][D] nested slices from flat data.
func nest3[E any](flat []E, T, H, D int) [][][]E {
	out := make([][][]E, T)
	for t := range out {
		out[t] = make([][]E, H)
		for h := range out[t] {
			out[t][h] = flat[(t*H+h)*D : (t*H+h+1)*D]
		}
	}
	return out
}

func TestReadNPYTypes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.npy")
	saveNPY(t, p, [][]float64{{1, 2.5}, {-3, 1e300}})
	a, err := readNPY("--q", p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.shape, []int{2, 2}) || !slices.Equal(a.f64, []float64{1, 2.5, -3, 1e300}) || !a.isFloat() {
		t.Errorf("float64: %+v", a)
	}
	r, err := a.roundedTo(ops.BF16)
	if err != nil || r[1] != 2.5 || r[3] != float32(inf()) {
		t.Errorf("rounded to bf16: %v, %v", r, err)
	}
	if _, err := a.int32s(); !errors.Is(err, ops.ErrDType) || !strings.Contains(err.Error(), "--q dtype = <f8") {
		t.Errorf("int32s of floats: %v", err)
	}

	saveNPY(t, p, []int64{0, 1, 1 << 31, 3})
	a, err = readNPY("--pos", p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.int32s()
	var ae *ops.ArgError
	if !errors.Is(err, ops.ErrRange) || !errors.As(err, &ae) || ae.Arg != "--pos[2]" || ae.Value != int64(1<<31) {
		t.Errorf("int64 beyond int32: %v", err)
	}
	if _, err := readNPY("--q", filepath.Join(dir, "missing.npy")); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadNPYErrorsNameFlagAndFile checks that a malformed file's error
// names the flag and the file and says what is wrong, with the kind of
// internal/npy's validator.
func TestReadNPYErrorsNameFlagAndFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, dict string
		data       []byte
		kind       error
		msg        string
	}{
		{"uint8", "{'descr': '|u1', 'fortran_order': False, 'shape': (2,)}", []byte{1, 2}, ops.ErrDType, "dtype '|u1'"},
		{"xyz", "{'descr': 'xyz', 'fortran_order': False, 'shape': (2,)}", make([]byte, 8), ops.ErrDType, "dtype 'xyz'"},
		{"negative", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2)}", nil, ops.ErrShape, "negative"},
		{"fortran", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}", make([]byte, 16), ops.ErrStride, "Fortran-order"},
		{"short", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", make([]byte, 8), ops.ErrBuffer, "holds 8 bytes"},
	} {
		p := filepath.Join(dir, c.name+".npy")
		b := append([]byte("\x93NUMPY\x01\x00"), byte(len(c.dict)), 0)
		if err := os.WriteFile(p, append(append(b, c.dict...), c.data...), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readNPY("--k", p)
		var ae *ops.ArgError
		if !errors.Is(err, c.kind) || !errors.As(err, &ae) || ae.Arg != "--k" || ae.Value != p || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v naming --k = %s saying %q", c.name, err, c.kind, p, c.msg)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "text.npy"), []byte("not numpy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readNPY("--q", filepath.Join(dir, "text.npy")); !errors.Is(err, ops.ErrConfig) || !strings.Contains(err.Error(), "not a .npy file") {
		t.Errorf("not a .npy file: %v", err)
	}
}

func inf() float64 { return 1 / zero }

var zero float64

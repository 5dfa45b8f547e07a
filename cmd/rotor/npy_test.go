package main

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/rotorkernels/rotor/ops"
)

// saveNPY writes v (a slice, possibly nested) with npyio directly, as a
// NumPy user's file would be made.
func saveNPY(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Write(f, v); err != nil {
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

func TestWriteNPYShapeAndValues(t *testing.T) {
	dir := t.TempDir()
	flat := make([]float32, 24)
	for i := range flat {
		flat[i] = float32(i) - 3.5
	}
	p := filepath.Join(dir, "x.npy")
	if err := writeNPYFloat32(p, flat, 2, 3, 4); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := npy.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Header.Descr.Shape, []int{2, 3, 4}) || !strings.Contains(r.Header.Descr.Type, "<f4") || r.Header.Descr.Fortran {
		t.Fatalf("header %v", r.Header)
	}
	var got []float32
	if err := r.Read(&got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, flat) {
		t.Errorf("values %v, want %v", got, flat)
	}

	ints := []int32{5, -1, 7, 1 << 30}
	pi := filepath.Join(dir, "i.npy")
	if err := writeNPYInt32(pi, ints, 2, 2); err != nil {
		t.Fatal(err)
	}
	a, err := readNPY("i", pi)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.shape, []int{2, 2}) || !slices.Equal(a.i32, ints) {
		t.Errorf("int32 round trip: %+v", a)
	}
	if err := writeNPYFloat32(p, flat, 5, 5); !errors.Is(err, ops.ErrShape) {
		t.Errorf("shape not matching the data: %v", err)
	}
}

func TestReadNPYTypes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.npy")
	saveNPY(t, p, [][]float64{{1, 2.5}, {-3, 1e300}})
	a, err := readNPY("q", p)
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
	if _, err := a.int32s(); !errors.Is(err, ops.ErrDType) {
		t.Errorf("int32s of floats: %v", err)
	}

	saveNPY(t, p, []int64{0, 1, 1 << 31, 3})
	a, err = readNPY("pos", p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.int32s()
	var ae *ops.ArgError
	if !errors.Is(err, ops.ErrRange) || !errors.As(err, &ae) || ae.Arg != "pos[2]" {
		t.Errorf("int64 beyond int32: %v", err)
	}

	saveNPY(t, p, []uint8{1, 2})
	if _, err := readNPY("pos", p); !errors.Is(err, ops.ErrDType) {
		t.Errorf("uint8 array: %v", err)
	}
	if _, err := readNPY("q", filepath.Join(dir, "missing.npy")); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(p, []byte("not numpy"), 0o644)
	if _, err := readNPY("q", p); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("not a .npy file: %v", err)
	}
}

func inf() float64 { return 1 / zero }

var zero float64

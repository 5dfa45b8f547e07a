package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// npyFile builds a .npy file of format major.0 around a header
// dictionary, without padding, followed by data.
func npyFile(major byte, dict string, data []byte) []byte {
	b := append([]byte(magic), major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
	}
	return append(append(b, dict...), data...)
}

// f4 returns two float32 values, 1.5 and -2, little-endian.
func f4() []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5)), math.Float32bits(-2))
}

// onlyReader hides a reader's other methods, as a pipe would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// readBoth reads b as a file of known size and as a stream, and checks
// that the two agree.
func readBoth(t *testing.T, b []byte) (*Array, error) {
	t.Helper()
	a, err := Read(bytes.NewReader(b), int64(len(b)))
	s, serr := Read(onlyReader{bytes.NewReader(b)}, -1)
	if (err == nil) != (serr == nil) {
		t.Fatalf("file read: %v; stream read: %v", err, serr)
	}
	if err == nil && (!slices.Equal(a.Shape, s.Shape) || !bytes.Equal(a.bytes(), s.bytes())) {
		t.Fatalf("file and stream reads differ: %+v, %+v", a, s)
	}
	return a, err
}

// TestHeadersNumpyAccepts reads header dictionaries written the ways
// numpy.load accepts them (each checked with numpy 1.24): any key order,
// no spaces, no trailing newline, double quotes, comments, repeated keys
// (the last wins), long suffixes in format 1 and 2, every byte-order
// character and dtype spelling.
func TestHeadersNumpyAccepts(t *testing.T) {
	for _, c := range []struct {
		name, dict string
		major      byte
	}{
		{"numpy's own", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }          \n", 1},
		{"no newline", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 1},
		{"no spaces", "{'descr':'<f4','fortran_order':False,'shape':(2,)}", 1},
		{"keys reordered", "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}\n", 1},
		{"double quotes", `{"descr": "<f4", "fortran_order": False, "shape": (2,)}`, 1},
		{"repeated key", "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n", 1},
		{"long suffix", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,)}\n", 1},
		{"long suffix v2", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,)}\n", 2},
		{"version 2", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n", 2},
		{"version 3", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n", 3},
		{"bar order", "{'descr': '|f4', 'fortran_order': False, 'shape': (2,)}\n", 1},
		{"equals order", "{'descr': '=f4', 'fortran_order': False, 'shape': (2,)}\n", 1},
		{"bare code", "{'descr': 'f', 'fortran_order': False, 'shape': (2,)}\n", 1},
		{"dtype name", "{'descr': 'float32', 'fortran_order': False, 'shape': (2,)}\n", 3},
		{"unicode prefix", "{'descr': u'<f4', 'fortran_order': False, 'shape': (2,)}\n", 1},
		{"plus sign", "{'descr': '<f4', 'fortran_order': False, 'shape': (+2,)}\n", 1},
		{"leading newline", "\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n", 1},
		{"tabs and CRLF", "\t{'descr':\t'<f4', 'fortran_order': False, 'shape': (2,)}\r\n", 1},
		{"comment", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} # x\n", 1},
		{"continuation", "{'descr': '<f4', 'fortran_order': False, \\\n'shape': (2,)}\n", 1},
		{"spaced tuple", "{'descr': '<f4', 'fortran_order': False, 'shape': ( 2 , ) }\n", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := readBoth(t, npyFile(c.major, c.dict, f4()))
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != Float32 || !slices.Equal(a.Shape, []int{2}) || !slices.Equal(a.F32, []float32{1.5, -2}) {
				t.Fatalf("read %s %v %v", a.DType, a.Shape, a.F32)
			}
		})
	}
}

// TestNumpyFiles reads files written by numpy 1.24.2 (np.save, and
// numpy.lib.format.write_array for format versions 2.0 and 3.0): the
// float32 array (arange(6) - 2.5).reshape(2, 3) / 4, big-endian float64,
// int64, a 0-d int32, an empty (0, 5) array and a Fortran-order one.
// Write must reproduce np.save's bytes exactly.
func TestNumpyFiles(t *testing.T) {
	want23 := []float32{-0.625, -0.375, -0.125, 0.125, 0.375, 0.625}
	for _, c := range []struct {
		file    string
		shape   []int
		check   func(a *Array) bool
		fortran bool
	}{
		{"f4_2x3.npy", []int{2, 3}, func(a *Array) bool { return slices.Equal(a.F32, want23) }, false},
		{"f4_2x3_v2.npy", []int{2, 3}, func(a *Array) bool { return slices.Equal(a.F32, want23) }, false},
		{"f4_2x3_v3.npy", []int{2, 3}, func(a *Array) bool { return slices.Equal(a.F32, want23) }, false},
		{"f4_fortran_2x3.npy", []int{2, 3}, func(a *Array) bool {
			return slices.Equal(a.F32, []float32{-0.625, 0.125, -0.375, 0.375, -0.125, 0.625})
		}, true},
		{"f8_be_3.npy", []int{3}, func(a *Array) bool { return slices.Equal(a.F64, []float64{1.5, -2, 1e300}) }, false},
		{"i8_4.npy", []int{4}, func(a *Array) bool { return slices.Equal(a.I64, []int64{0, -1, 1 << 40, -1 << 62}) }, false},
		{"i4_scalar.npy", []int{}, func(a *Array) bool { return slices.Equal(a.I32, []int32{7}) }, false},
		{"f4_0x5.npy", []int{0, 5}, func(a *Array) bool { return a.F32 != nil && len(a.F32) == 0 }, false},
	} {
		a, err := ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !slices.Equal(a.Shape, c.shape) || a.Fortran != c.fortran || !c.check(a) {
			t.Errorf("%s: %s shape %v fortran %v: %v%v%v%v", c.file, a.Descr, a.Shape, a.Fortran, a.F32, a.F64, a.I32, a.I64)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, want23, 2, 3); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(filepath.Join("testdata", "f4_2x3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), saved) {
		t.Errorf("Write:\n%q\nnp.save:\n%q", buf.Bytes(), saved)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, c := range []struct {
		data  any
		shape []int
	}{
		{[]float32{1, float32(math.Inf(-1)), float32(math.NaN()), -0.0}, []int{2, 2}},
		{[]float64{math.Pi, -1e-310, math.MaxFloat64}, []int{3}},
		{[]int32{math.MinInt32, 0, math.MaxInt32, 5, 6, 7}, []int{1, 2, 3}},
		{[]int64{math.MinInt64, math.MaxInt64}, []int{2, 1, 1, 1}},
		{[]float32{}, []int{3, 0}},
		{[]int32{42}, []int{}},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, c.data, c.shape...); err != nil {
			t.Fatalf("%v: %v", c.shape, err)
		}
		if header64(buf.Bytes())%64 != 0 {
			t.Errorf("%v: header not padded to 64 bytes", c.shape)
		}
		a, err := readBoth(t, buf.Bytes())
		if err != nil {
			t.Fatalf("%v: %v", c.shape, err)
		}
		var in []byte
		switch d := c.data.(type) {
		case []float32:
			in = asBytes(d)
		case []float64:
			in = asBytes(d)
		case []int32:
			in = asBytes(d)
		case []int64:
			in = asBytes(d)
		}
		if !slices.Equal(a.Shape, c.shape) || !bytes.Equal(a.bytes(), in) {
			t.Errorf("round trip of %v %v: %v", c.data, c.shape, a)
		}
	}
	for _, c := range []struct {
		data  any
		shape []int
		kind  error
	}{
		{[]float32{1, 2}, []int{3}, ops.ErrShape},
		{[]float32{1, 2}, []int{-1, -2}, ops.ErrShape},
		{[]float32{}, []int{math.MaxInt, 2, 0}, ops.ErrShape},
		{[]uint8{1}, []int{1}, ops.ErrDType},
		{[]float32{1}, slices.Repeat([]int{1}, 5000), ops.ErrShape},
	} {
		if err := Write(io.Discard, c.data, c.shape...); !errors.Is(err, c.kind) {
			t.Errorf("Write(%T, rank %d): %v, want %v", c.data, len(c.shape), err, c.kind)
		}
	}
}

// header64 returns the header length of a file Write made.
func header64(b []byte) int { return 10 + int(binary.LittleEndian.Uint16(b[8:])) }

// TestMalformed checks that every malformed file is an *Error wrapping
// the expected sentinel, whose message says what is wrong.
func TestMalformed(t *testing.T) {
	std := func(shape string) string {
		return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }\n"
	}
	v2huge := append([]byte(magic), 2, 0, 0xF0, 0xFF, 0xFF, 0xFF)
	for _, c := range []struct {
		name string
		file []byte
		kind error
		msg  string
	}{
		{"empty", nil, ops.ErrConfig, "empty"},
		{"not npy", []byte("PK\x03\x04 a zip"), ops.ErrConfig, "does not start with"},
		{"magic only", []byte(magic), ops.ErrConfig, "truncated"},
		{"no length", append([]byte(magic), 1, 0, 5), ops.ErrConfig, "header length"},
		{"version 4", append(append([]byte(magic), 4, 0), npyFile(1, std("(2,)"), f4())[8:]...), ops.ErrConfig, "version 4.0"},
		{"minor 1", append(append([]byte(magic), 1, 1), npyFile(1, std("(2,)"), f4())[8:]...), ops.ErrConfig, "version 1.1"},
		{"v2 length 0xFFFFFFF0", v2huge, ops.ErrConfig, "header length 4294967280"},
		{"truncated header", npyFile(1, std("(2,)"), nil)[:40], ops.ErrConfig, "truncated"},
		{"unclosed", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", f4()), ops.ErrConfig, "ends inside"},
		{"shape first", npyFile(1, "'shape': (2,), {'descr': '<f4', 'fortran_order': False}", f4()), ops.ErrConfig, "want '{'"},
		{"missing key", npyFile(1, "{'descr': '<f4', 'shape': (2,)}", f4()), ops.ErrConfig, "no 'fortran_order'"},
		{"extra key", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", f4()), ops.ErrConfig, "unexpected key 'x'"},
		{"int key", npyFile(1, "{1: '<f4'}", f4()), ops.ErrConfig, "not a string"},
		{"nul", npyFile(1, strings.TrimSuffix(std("(2,)"), "\n")+"\x00\n", f4()), ops.ErrConfig, "unexpected text"},
		{"escape", npyFile(1, "{'descr': '\\x3cf4', 'fortran_order': False, 'shape': (2,)}", f4()), ops.ErrConfig, "escape"},
		{"long in v3", npyFile(3, std("(2L,)"), f4()), ops.ErrConfig, "decimal integer"},
		{"leading zero", npyFile(1, std("(02,)"), f4()), ops.ErrConfig, "leading zero"},
		{"hex", npyFile(1, std("(0x2,)"), f4()), ops.ErrConfig, "decimal integer"},
		{"deep", npyFile(1, std(strings.Repeat("(", 40)+"2"+strings.Repeat(",)", 40)), f4()), ops.ErrConfig, "nested deeper"},
		{"fortran 1", npyFile(1, "{'descr': '<f4', 'fortran_order': 1, 'shape': (2,)}", f4()), ops.ErrConfig, "fortran_order 1"},
		{"v3 not utf-8", npyFile(3, "{'descr': '\xff', 'fortran_order': False, 'shape': (2,)}", f4()), ops.ErrConfig, "UTF-8"},
		{"typecode xyz", npyFile(1, "{'descr': 'xyz', 'fortran_order': False, 'shape': (2,)}", f4()), ops.ErrDType, "dtype 'xyz'"},
		{"typecode <f99", npyFile(1, "{'descr': '<f99', 'fortran_order': False, 'shape': (2,)}", f4()), ops.ErrDType, "dtype '<f99'"},
		{"uint8", npyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,)}", []byte{1, 2}), ops.ErrDType, "dtype '|u1'"},
		{"structured", npyFile(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", f4()), ops.ErrDType, "structured"},
		{"descr int", npyFile(1, "{'descr': 4, 'fortran_order': False, 'shape': (2,)}", f4()), ops.ErrDType, "not a dtype string"},
		{"negative dim", npyFile(1, std("(-2,)"), f4()), ops.ErrShape, "dimension 0 is negative"},
		{"huge dim", npyFile(1, std("(99999999999999999999,)"), f4()), ops.ErrShape, "does not fit"},
		{"count overflows", npyFile(1, std("(4611686018427387905, 4, 1)"), f4()), ops.ErrShape, "overflows"},
		{"overflow beside 0", npyFile(1, std("(0, 4611686018427387905)"), nil), ops.ErrShape, "overflows"},
		{"list shape", npyFile(1, std("[2]"), f4()), ops.ErrShape, "want a tuple"},
		{"int shape", npyFile(1, std("(2)"), f4()), ops.ErrShape, "shape 2: want a tuple"},
		{"bool dim", npyFile(1, std("(True, 2)"), f4()), ops.ErrShape, "dimension 0 is True"},
		{"nested shape", npyFile(1, std("((2,),)"), f4()), ops.ErrShape, "dimension 0 is (2,)"},
		{"short data", npyFile(1, std("(3,)"), f4()), ops.ErrBuffer, "holds 8 bytes"},
		{"long data", npyFile(1, std("(1,)"), f4()), ops.ErrBuffer, "8 bytes"},
		{"claims 2^40 elements", npyFile(1, std("(1099511627776,)"), f4()), ops.ErrBuffer, "needs 4398046511104"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readBoth(t, c.file)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want an *Error wrapping %v saying %q", err, c.kind, c.msg)
			}
		})
	}
}

// TestTruncatedAnywhere cuts a valid file at every byte: each prefix is
// an error, never a panic or a short array.
func TestTruncatedAnywhere(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []float64{1, 2, 3}, 3); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	for n := range len(full) {
		if _, err := readBoth(t, full[:n]); err == nil {
			t.Fatalf("prefix of %d of %d bytes read without error", n, len(full))
		}
	}
}

// TestNoClaimedAllocation checks that a header claiming 2^40 elements
// over a few bytes allocates nothing near the claim, from a file of known
// size and from a stream.
func TestNoClaimedAllocation(t *testing.T) {
	b := npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1024, 1024, 1024, 1024), }\n", f4())
	for _, size := range []int64{int64(len(b)), -1} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Read(onlyReader{bytes.NewReader(b)}, size)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ops.ErrBuffer) {
			t.Errorf("size %d: %v, want ErrBuffer", size, err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("size %d: allocated %d bytes reading a %d-byte file", size, d, len(b))
		}
	}
}

func TestReadFileNamesThePath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.npy")
	if err := os.WriteFile(p, npyFile(1, "{'descr': 'xyz', 'fortran_order': False, 'shape': (2,)}", f4()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": header ") || !strings.Contains(err.Error(), "dtype 'xyz'") {
		t.Errorf("error %v, want it to start with the path", err)
	}
	_, err = ReadFile(filepath.Join(dir, "missing.npy"))
	if !errors.Is(err, ops.ErrConfig) || !strings.Contains(err.Error(), "missing.npy: cannot open") {
		t.Errorf("missing file: %v", err)
	}
}

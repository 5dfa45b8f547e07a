package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// Write writes data, a []float32, []float64, []int32 or []int64, to w as
// a C-order .npy array of the given shape (format 1.0, little-endian
// data, the header padded
// with spaces to a multiple of 64 bytes and ended by a newline, as numpy
// writes it). The shape's element count must equal len(data).
//
// A stream cut short holds a valid header over truncated data; write to a
// temporary file and rename it once Write and Close succeeded to leave no
// such file behind.
func Write(w io.Writer, data any, shape ...int) error {
	var d DType
	var n int
	switch s := data.(type) {
	case []float32:
		d, n = Float32, len(s)
	case []float64:
		d, n = Float64, len(s)
	case []int32:
		d, n = Int32, len(s)
	case []int64:
		d, n = Int64, len(s)
	default:
		return errorf(ops.ErrDType, "cannot write %T: want []float32, []float64, []int32 or []int64", data)
	}
	count := 1
	dims := make([]string, len(shape))
	for i, x := range shape {
		if x < 0 || x > 0 && count > math.MaxInt/x {
			return errorf(ops.ErrShape, "shape %v: want non-negative dimensions whose product fits in an int", shape)
		}
		count *= x
		dims[i] = fmt.Sprint(x)
	}
	if count != n {
		return errorf(ops.ErrShape, "shape %v holds %d elements, the data %d", shape, count, n)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	hdr := header(d, tuple)
	if len(hdr)-10 > MaxHeaderLen {
		return errorf(ops.ErrShape, "shape of rank %d: its header would pass %d bytes", len(shape), MaxHeaderLen)
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	return writeData(w, data)
}

// header returns the magic, version, length and padded dictionary.
func header(d DType, shape string) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", d.descr(), shape)
	total := (10 + len(dict) + 1 + 63) / 64 * 64
	body := dict + strings.Repeat(" ", total-10-len(dict)-1) + "\n"
	out := append([]byte(magic), 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(body)))
	return append(out, body...)
}

// writeData writes the elements little-endian: the slice's own memory on
// a little-endian machine, else byte-swapped copies of 64 KiB at a time.
func writeData(w io.Writer, data any) error {
	var b []byte
	size := 4
	switch s := data.(type) {
	case []float32:
		b = asBytes(s)
	case []float64:
		b, size = asBytes(s), 8
	case []int32:
		b = asBytes(s)
	case []int64:
		b, size = asBytes(s), 8
	}
	if littleHost {
		_, err := w.Write(b)
		return err
	}
	buf := make([]byte, 64<<10)
	for len(b) > 0 {
		n := copy(buf, b)
		swapBytes(buf[:n], size)
		if _, err := w.Write(buf[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

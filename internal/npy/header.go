package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rotorkernels/rotor/ops"
)

// magic opens every .npy file.
const magic = "\x93NUMPY"

// MaxHeaderLen is the longest header dictionary read, numpy's own limit
// (numpy.lib.format's max_header_size).
const MaxHeaderLen = 10000

// Header is a validated .npy header.
type Header struct {
	Major, Minor int              // format version: 1.0, 2.0 or 3.0
	Descr        string           // the dtype descriptor as written, e.g. "<f4"
	DType        DType            // the element type Descr names
	Order        binary.ByteOrder // the byte order of the data
	Fortran      bool             // column-major data (fortran_order)
	Shape        []int            // the dimensions; empty for a 0-d array
	Len          int              // elements: the product of Shape
	DataOffset   int64            // bytes before the data: magic, version, length and dictionary
}

// DataBytes returns the bytes of data the header claims: Len elements of
// DType. ParseHeader has checked that it fits in an int.
func (h *Header) DataBytes() int64 { return int64(h.Len) * int64(h.DType.Size()) }

// Error is a failure to read a .npy file: the file, what is wrong, and
// the ops sentinel it wraps (ops.ErrConfig for a malformed file,
// ops.ErrDType, ops.ErrShape or ops.ErrBuffer).
type Error struct {
	Path string // the file; empty for a stream
	Msg  string // what is wrong
	Kind error  // the ops sentinel
}

// Error returns "PATH: MSG".
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Unwrap returns the ops sentinel.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// ParseHeader reads the header at the start of r and validates it: magic,
// version, header length, the dictionary's syntax and keys, the dtype,
// and the shape, whose element count and byte size must fit in an int.
// It reads no more than the header's length field allows (at most
// MaxHeaderLen bytes of dictionary) and allocates only that.
func ParseHeader(r io.Reader) (*Header, error) {
	var pre [12]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return nil, errorf(ops.ErrConfig, "not a .npy file: empty")
		}
		if string(pre[:n]) != magic[:min(n, len(magic))] {
			return nil, errorf(ops.ErrConfig, "not a .npy file: it does not start with \\x93NUMPY")
		}
		return nil, errorf(ops.ErrConfig, "truncated .npy header: %d bytes, before the version", n)
	}
	if string(pre[:6]) != magic {
		return nil, errorf(ops.ErrConfig, "not a .npy file: it does not start with \\x93NUMPY")
	}
	h := &Header{Major: int(pre[6]), Minor: int(pre[7])}
	lenBytes := 4
	switch {
	case h.Major == 1 && h.Minor == 0:
		lenBytes = 2
	case (h.Major == 2 || h.Major == 3) && h.Minor == 0:
	default:
		return nil, errorf(ops.ErrConfig, ".npy format version %d.%d: want 1.0, 2.0 or 3.0", h.Major, h.Minor)
	}
	if n, err := io.ReadFull(r, pre[8:8+lenBytes]); err != nil {
		return nil, errorf(ops.ErrConfig, "truncated .npy header: %d bytes, in the header length", 8+n)
	}
	hlen := uint64(binary.LittleEndian.Uint16(pre[8:]))
	if lenBytes == 4 {
		hlen = uint64(binary.LittleEndian.Uint32(pre[8:]))
	}
	if hlen > MaxHeaderLen {
		return nil, errorf(ops.ErrConfig, "header length %d (%#x): want at most %d, numpy's limit", hlen, hlen, MaxHeaderLen)
	}
	h.DataOffset = int64(8+lenBytes) + int64(hlen)
	text := make([]byte, hlen)
	if n, err := io.ReadFull(r, text); err != nil {
		return nil, errorf(ops.ErrConfig, "truncated .npy header: the header length says %d bytes of dictionary, the file holds %d", hlen, n)
	}
	if h.Major == 3 && !utf8.Valid(text) {
		return nil, errorf(ops.ErrConfig, "header %s: not UTF-8, as format 3.0 requires", quoteHeader(text))
	}
	if err := h.parseDict(text); err != nil {
		return nil, err
	}
	return h, nil
}

// parseDict validates the header dictionary and fills h from it.
func (h *Header) parseDict(text []byte) error {
	p := &literal{s: string(text), long: h.Major <= 2}
	bad := func(kind error, format string, args ...any) error {
		return errorf(kind, "header %s: %s", quoteHeader(text), fmt.Sprintf(format, args...))
	}
	d, err := p.parseDict()
	if err != nil {
		return bad(ops.ErrConfig, "%v", err)
	}
	for _, k := range d.keys {
		if k != "descr" && k != "fortran_order" && k != "shape" {
			return bad(ops.ErrConfig, "unexpected key '%s': want only 'descr', 'fortran_order' and 'shape'", k)
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := d.vals[k]; !ok {
			return bad(ops.ErrConfig, "no '%s' key", k)
		}
	}

	descr, ok := d.vals["descr"].(string)
	if !ok {
		if _, isList := d.vals["descr"].(pyList); isList {
			return bad(ops.ErrDType, "structured dtype %s: want float32, float64, int32 or int64", show(d.vals["descr"]))
		}
		return bad(ops.ErrDType, "descr %s is not a dtype string", show(d.vals["descr"]))
	}
	h.Descr = descr
	if h.DType, h.Order, ok = parseDescr(descr); !ok {
		return bad(ops.ErrDType, "dtype '%s': want float32, float64, int32 or int64 ('<f4', '<f8', '<i4', '<i8')", descr)
	}
	if h.Fortran, ok = d.vals["fortran_order"].(bool); !ok {
		return bad(ops.ErrConfig, "fortran_order %s: want True or False", show(d.vals["fortran_order"]))
	}

	tup, ok := d.vals["shape"].(pyTuple)
	if !ok {
		return bad(ops.ErrShape, "shape %s: want a tuple of ints", show(d.vals["shape"]))
	}
	h.Shape = make([]int, len(tup))
	for i, v := range tup {
		n, ok := v.(pyInt)
		if !ok {
			return bad(ops.ErrShape, "shape %s: dimension %d is %s, want an int", show(tup), i, show(v))
		}
		if n.neg && strings.Trim(n.digits, "0") != "" {
			return bad(ops.ErrShape, "shape %s: dimension %d is negative", show(tup), i)
		}
		x, err := strconv.ParseInt(n.digits, 10, 64)
		if err != nil || x > math.MaxInt {
			return bad(ops.ErrShape, "shape %s: dimension %d does not fit in an int", show(tup), i)
		}
		h.Shape[i] = int(x)
	}
	// numpy's rule: the product of the non-zero dimensions times the
	// element size must fit, even when another dimension is 0.
	size := h.DType.Size()
	nonzero, zero := size, false
	for _, n := range h.Shape {
		if n == 0 {
			zero = true
			continue
		}
		if nonzero > math.MaxInt/n {
			return bad(ops.ErrShape, "shape %s of %s: the size overflows an int", show(tup), h.DType)
		}
		nonzero *= n
	}
	h.Len = nonzero / size
	if zero {
		h.Len = 0
	}
	return nil
}

// quoteHeader quotes a header dictionary for an error message, cut to 120
// bytes.
func quoteHeader(text []byte) string {
	s := strings.TrimRight(string(text), " \n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strconv.Quote(s)
}

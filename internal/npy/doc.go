// Package npy reads and writes NumPy .npy files of float32, float64, int32
// and int64 arrays, for rotor's command line.
//
// Reading trusts nothing in a file. One validator (ParseHeader) checks the
// magic, the format version (1.0, 2.0 or 3.0), the header length (at most
// numpy's 10000 bytes) and the header dictionary, read as the subset of
// Python literal syntax that numpy writers produce: keys in any order,
// single or double quotes, any spacing, a trailing newline or none,
// comments, Python 2 long suffixes (2L) in version 1 and 2 headers. The
// dictionary holds exactly 'descr', 'fortran_order' and 'shape'; shape is
// a tuple of non-negative ints whose element count and byte size fit in
// int. Read then compares the size the header claims with the bytes the
// file really holds before it allocates anything, so a 128-byte file that
// claims 2^40 elements is an error, not an allocation. Every failure is an
// *Error that names the file and what is wrong and wraps an ops sentinel
// (ops.ErrConfig for a malformed file, ops.ErrDType, ops.ErrShape,
// ops.ErrBuffer for data shorter or longer than the shape).
//
// Write produces version 1.0 files with little-endian data, the header
// padded to 64 bytes as numpy does.
package npy

package kernels

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sort"
)

//go:embed *.cu *.cuh
var sourceFS embed.FS

// Header is one CUDA header of the kernel sources, by the name the
// sources #include it.
type Header struct {
	Name   string
	Source string
}

// Source returns the CUDA C++ source of a kernel family (its .cu file).
func Source(f Family) (string, error) {
	spec, err := f.spec()
	if err != nil {
		return "", err
	}
	b, err := sourceFS.ReadFile(spec.file)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Headers returns every .cuh header, sorted by name. NVRTC receives all of
// them with each program.
func Headers() []Header {
	var hs []Header
	names, _ := fs.Glob(sourceFS, "*.cuh")
	sort.Strings(names)
	for _, n := range names {
		b, _ := sourceFS.ReadFile(n)
		hs = append(hs, Header{Name: n, Source: string(b)})
	}
	return hs
}

// HeadersDigest returns the hex SHA-256 of every header's name and text.
// The host tests compile the headers with g++ and compare this digest with
// the one recorded beside their build (hosttest/headers_digest.h).
func HeadersDigest() string {
	h := sha256.New()
	for _, hd := range Headers() {
		h.Write([]byte(hd.Name))
		h.Write([]byte{0})
		h.Write([]byte(hd.Source))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

package kernels

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// The on-disk cache holds one file per compiled module, named KEY.ptx:
//
//	rotor-ptx 1 SHA256 LENGTH\n
//	PAYLOAD
//
// where PAYLOAD is the PTX text, LENGTH its size in bytes and SHA256 its
// hex digest. A file whose header does not parse, whose length differs or
// whose digest does not match is corrupt: it is deleted and rebuilt.
const cacheMagic = "rotor-ptx 1 "

// ErrCorrupt reports a cache entry that failed its checksum.
var ErrCorrupt = errors.New("rotor: corrupt kernel cache entry")

// DefaultCacheDir returns os.UserCacheDir()/rotor, the on-disk kernel
// cache.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "rotor"), nil
}

// CacheKey returns the hex SHA-256 key of a compilation: the source, every
// header, the compiler flags (defines and architecture included) and the
// NVRTC version.
func CacheKey(source string, headers []Header, flags []string, nvrtcVersion string) string {
	h := sha256.New()
	put := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	put("rotor-kernels")
	put(source)
	for _, hd := range headers {
		put(hd.Name)
		put(hd.Source)
	}
	for _, f := range flags {
		put(f)
	}
	put(nvrtcVersion)
	return hex.EncodeToString(h.Sum(nil))
}

// encodeEntry returns the file contents for payload.
func encodeEntry(payload []byte) []byte {
	sum := sha256.Sum256(payload)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s%s %d\n", cacheMagic, hex.EncodeToString(sum[:]), len(payload))
	b.Write(payload)
	return b.Bytes()
}

// decodeEntry returns the payload of a cache file, or ErrCorrupt.
func decodeEntry(b []byte) ([]byte, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 || !bytes.HasPrefix(b, []byte(cacheMagic)) {
		return nil, ErrCorrupt
	}
	var sum string
	var n int
	if _, err := fmt.Sscanf(string(b[len(cacheMagic):nl]), "%64s %d", &sum, &n); err != nil {
		return nil, ErrCorrupt
	}
	payload := b[nl+1:]
	if n != len(payload) {
		return nil, ErrCorrupt
	}
	got := sha256.Sum256(payload)
	if hex.EncodeToString(got[:]) != sum {
		return nil, ErrCorrupt
	}
	return payload, nil
}

// diskCache is a directory of cache entries; the zero dir disables it.
type diskCache struct {
	dir string
}

func (c diskCache) path(key string) string { return filepath.Join(c.dir, key+".ptx") }

// get returns the entry for key: found false when absent or corrupt (a
// corrupt entry is deleted).
func (c diskCache) get(key string) (payload []byte, found bool, err error) {
	if c.dir == "" {
		return nil, false, nil
	}
	b, err := os.ReadFile(c.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p, err := decodeEntry(b)
	if err != nil {
		if rmErr := os.Remove(c.path(key)); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return nil, false, rmErr
		}
		return nil, false, nil
	}
	return p, true, nil
}

// put stores payload under key atomically (write to a temporary file,
// then rename), so readers never see a partial entry from this process.
func (c diskCache) put(key string, payload []byte) error {
	if c.dir == "" {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, key+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := f.Write(encodeEntry(payload))
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(f.Name())
		return errors.Join(werr, cerr)
	}
	if err := os.Rename(f.Name(), c.path(key)); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

package kernels

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rotorkernels/rotor/ops"
)

func TestEntryRoundTrip(t *testing.T) {
	for _, p := range []string{"", "x", ".version 7.8\n.target sm_90\n"} {
		got, err := decodeEntry(encodeEntry([]byte(p)))
		if err != nil || string(got) != p {
			t.Fatalf("decode(encode(%q)) = %q, %v", p, got, err)
		}
	}
}

func TestEntryCorruption(t *testing.T) {
	good := encodeEntry([]byte(".version 7.8\n.entry rope_v8()\n"))
	nl := strings.IndexByte(string(good), '\n')
	flip := append([]byte(nil), good...)
	flip[len(flip)-3] ^= 1
	cases := map[string][]byte{
		"empty":            nil,
		"no header":        []byte(".version 7.8\n"),
		"header only":      good[:nl],
		"truncated":        good[:len(good)-5],
		"payload flipped":  flip,
		"extra byte":       append(append([]byte(nil), good...), 'x'),
		"bad length field": []byte(strings.Replace(string(good), fmt.Sprintf(" %d\n", len(good)-nl-1), fmt.Sprintf(" %d\n", len(good)-nl-2), 1)),
	}
	for name, b := range cases {
		if _, err := decodeEntry(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeEntry = %v, want ErrCorrupt", name, err)
		}
	}
}

func TestCacheKeySensitivity(t *testing.T) {
	hs := []Header{{"a.cuh", "x"}}
	base := CacheKey("src", hs, []string{"-DA=1"}, "nvrtc 11.8")
	for name, k := range map[string]string{
		"source":  CacheKey("src2", hs, []string{"-DA=1"}, "nvrtc 11.8"),
		"header":  CacheKey("src", []Header{{"a.cuh", "y"}}, []string{"-DA=1"}, "nvrtc 11.8"),
		"name":    CacheKey("src", []Header{{"b.cuh", "x"}}, []string{"-DA=1"}, "nvrtc 11.8"),
		"flags":   CacheKey("src", hs, []string{"-DA=2"}, "nvrtc 11.8"),
		"version": CacheKey("src", hs, []string{"-DA=1"}, "nvrtc 12.4"),
		"split":   CacheKey("sr", []Header{{"ca.cuh", "x"}}, []string{"-DA=1"}, "nvrtc 11.8"),
	} {
		if k == base {
			t.Errorf("changing the %s does not change the key", name)
		}
	}
}

// fakeNVRTC counts compilations and returns PTX naming the flags.
type fakeNVRTC struct{ calls atomic.Int32 }

func (f *fakeNVRTC) compile(name, src string, _ []Header, flags []string) (string, string, error) {
	f.calls.Add(1)
	return "// " + name + " " + strings.Join(flags, " ") + "\n.entry attn_merge2()\x00", "warning: none", nil
}

func TestCompilerCaches(t *testing.T) {
	dir := t.TempDir()
	f := &fakeNVRTC{}
	o := Options{DType: ops.BF16}
	c := newCompiler(dir, f.compile, "fake 1.0")
	m1, err := c.Compile(AttnMerge, o, Arch{9, 0})
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(m1.PTX, "\x00") || m1.Log == "" || f.calls.Load() != 1 {
		t.Fatalf("fresh compile: PTX %q log %q calls %d", m1.PTX, m1.Log, f.calls.Load())
	}
	if _, err := c.Compile(AttnMerge, o, Arch{9, 0}); err != nil || f.calls.Load() != 1 {
		t.Fatalf("memory cache miss: calls %d, %v", f.calls.Load(), err)
	}
	// A new compiler over the same directory reads the disk cache.
	c2 := newCompiler(dir, f.compile, "fake 1.0")
	m2, err := c2.Compile(AttnMerge, o, Arch{9, 0})
	if err != nil || f.calls.Load() != 1 || m2.PTX != m1.PTX || m2.Log != "" {
		t.Fatalf("disk cache miss: calls %d, %v", f.calls.Load(), err)
	}
	// Another architecture, NVRTC version or option is another entry.
	if _, err := c2.Compile(AttnMerge, o, Arch{8, 0}); err != nil || f.calls.Load() != 2 {
		t.Fatalf("arch 8.0 was served from the 9.0 entry: calls %d, %v", f.calls.Load(), err)
	}
	if _, err := newCompiler(dir, f.compile, "fake 2.0").Compile(AttnMerge, o, Arch{9, 0}); err != nil || f.calls.Load() != 3 {
		t.Fatalf("a new NVRTC version was served from the cache: calls %d, %v", f.calls.Load(), err)
	}
}

func TestCompilerRebuildsCorruptEntries(t *testing.T) {
	o := Options{DType: ops.F16}
	for name, damage := range map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)-7] },
		"flipped":   func(b []byte) []byte { b[len(b)-2] ^= 0x20; return b },
		"garbage":   func([]byte) []byte { return []byte("not a cache entry") },
		"empty":     func([]byte) []byte { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			f := &fakeNVRTC{}
			m, err := newCompiler(dir, f.compile, "fake").Compile(AttnMerge, o, Arch{9, 0})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, m.Key+".ptx")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			m2, err := newCompiler(dir, f.compile, "fake").Compile(AttnMerge, o, Arch{9, 0})
			if err != nil {
				t.Fatal(err)
			}
			if f.calls.Load() != 2 || m2.PTX != m.PTX {
				t.Fatalf("corrupt entry not rebuilt: calls %d", f.calls.Load())
			}
			b2, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if p, err := decodeEntry(b2); err != nil || string(p) != m.PTX {
				t.Fatalf("rebuilt entry is not valid: %v", err)
			}
			if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmp) != 0 {
				t.Fatalf("temporary files left: %v", tmp)
			}
		})
	}
}

func TestCompilerConcurrentCompilesOnce(t *testing.T) {
	f := &fakeNVRTC{}
	c := newCompiler("", f.compile, "fake")
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Compile(Criticality, Options{}, Arch{9, 0}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d compilations of one module, want 1", n)
	}
}

func TestCompilerErrors(t *testing.T) {
	f := &fakeNVRTC{}
	c := newCompiler("", f.compile, "fake")
	if _, err := c.Compile(AttnPrefill, Options{DType: ops.F32, HeadDim: 64, VDim: 64}, Arch{9, 0}); !errors.Is(err, ops.ErrDType) {
		t.Errorf("f32 prefill: %v, want ErrDType", err)
	}
	if _, err := c.Compile(AttnDecode, Options{DType: ops.BF16, HeadDim: 60, VDim: 64}, Arch{9, 0}); !errors.Is(err, ops.ErrUnsupported) {
		t.Errorf("head dim 60: %v, want ErrUnsupported", err)
	}
	if _, err := c.Compile(Family("nope"), Options{}, Arch{9, 0}); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("unknown family: %v, want ErrConfig", err)
	}
	if _, err := c.Compile(TopK, Options{}, Arch{7, 5}); !errors.Is(err, ops.ErrUnsupported) {
		t.Errorf("arch 7.5: %v, want ErrUnsupported", err)
	}
	failing := newCompiler("", func(string, string, []Header, []string) (string, string, error) {
		return "", "error: x", ops.Errorf(ops.ErrConfig, "nvrtc", "topk.cu", "boom")
	}, "fake")
	if _, err := failing.Compile(TopK, Options{}, Arch{9, 0}); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("failing NVRTC: %v", err)
	}
	if f.calls.Load() != 0 {
		t.Errorf("invalid requests reached NVRTC %d times", f.calls.Load())
	}
}

func TestPrecompile(t *testing.T) {
	f := &fakeNVRTC{}
	c := newCompiler(t.TempDir(), f.compile, "fake")
	vs := Variants([]int{64})
	if err := c.Precompile(vs, Arch{9, 0}, 3); err != nil {
		t.Fatal(err)
	}
	if int(f.calls.Load()) != len(vs) {
		t.Fatalf("%d compilations for %d variants", f.calls.Load(), len(vs))
	}
	if err := c.Precompile(vs, Arch{9, 0}, 0); err != nil || int(f.calls.Load()) != len(vs) {
		t.Fatalf("second Precompile recompiled: %d, %v", f.calls.Load(), err)
	}
}

// TestEachVariant: every variant is visited once, never by more than
// workers calls at a time, and an error of any call is returned after all
// calls have ended.
func TestEachVariant(t *testing.T) {
	vs := Variants([]int{64})
	for _, workers := range []int{1, 3} {
		var mu sync.Mutex
		seen, running, most := map[Variant]int{}, 0, 0
		bad := vs[len(vs)/2]
		err := EachVariant(vs, workers, func(v Variant) error {
			mu.Lock()
			seen[v]++
			running++
			most = max(most, running)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			if v == bad {
				return errors.New("bad variant")
			}
			return nil
		})
		if err == nil || err.Error() != "bad variant" {
			t.Errorf("workers %d: error %v, want the failing call's", workers, err)
		}
		if len(seen) != len(vs) || most > workers || running != 0 {
			t.Errorf("workers %d: %d of %d variants visited, at most %d at a time, %d still running", workers, len(seen), len(vs), most, running)
		}
		for v, n := range seen {
			if n != 1 {
				t.Errorf("workers %d: %v visited %d times", workers, v, n)
			}
		}
	}
}

func TestNoCUDABuildFailsCleanly(t *testing.T) {
	if _, v := nvrtcCompiler(); v != "none" {
		t.Skip("built with the cuda tag")
	}
	if _, err := NewCompiler("").Compile(TopK, Options{}, Arch{9, 0}); !errors.Is(err, ops.ErrUnsupported) {
		t.Fatalf("Compile without the cuda tag: %v, want ErrUnsupported", err)
	}
	if _, err := SupportedArchs(); !errors.Is(err, ops.ErrUnsupported) {
		t.Fatalf("SupportedArchs without the cuda tag: %v", err)
	}
}

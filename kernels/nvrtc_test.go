//go:build cuda

package kernels

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNoDriverLinked proves that compiling kernels needs no GPU: the test
// binary links libnvrtc but not libcuda, and the package imports
// gorgonia.org/cu/nvrtc but not the driver package gorgonia.org/cu (whose
// init exits without a GPU).
func TestNoDriverLinked(t *testing.T) {
	f, err := elf.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if strings.HasPrefix(l, "libcuda.") {
			t.Fatalf("the test binary needs %s (imported libraries %v)", l, libs)
		}
	}
	if !slices.ContainsFunc(libs, func(l string) bool { return strings.HasPrefix(l, "libnvrtc.") }) {
		t.Fatalf("the test binary does not link libnvrtc (imported libraries %v)", libs)
	}
	out, err := exec.Command("go", "list", "-tags", "cuda", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "gorgonia.org/cu" {
			t.Fatal("package kernels depends on gorgonia.org/cu (the driver package)")
		}
	}
}

func TestSupportedArchs(t *testing.T) {
	as, err := SupportedArchs()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range CIArchs {
		if !slices.Contains(as, want) {
			t.Fatalf("NVRTC supports %v, not %v", as, want)
		}
	}
	if a, err := ClampArch(Arch{9, 0}, as); err != nil || a != (Arch{9, 0}) {
		t.Fatalf("ClampArch(9.0) = %v, %v", a, err)
	}
}

var (
	reEntryParams = regexp.MustCompile(`\.entry\s+(\w+)\s*\(([^)]*)\)`)
	reParamType   = regexp.MustCompile(`\.param\s+\.(\w+)`)
)

// ptxParams returns every entry of a PTX module with its parameter types.
func ptxParams(ptx string) map[string][]string {
	out := map[string][]string{}
	for _, m := range reEntryParams.FindAllStringSubmatch(ptx, -1) {
		var ts []string
		for _, p := range reParamType.FindAllStringSubmatch(m[2], -1) {
			ts = append(ts, p[1])
		}
		out[m[1]] = ts
	}
	return out
}

func ptxType(k ArgKind) string {
	switch k {
	case ArgI32:
		return "u32"
	case ArgF32:
		return "f32"
	case ArgF64:
		return "f64"
	}
	return "u64"
}

// TestCompileAllVariants compiles every variant with NVRTC for sm_80 and
// sm_90, checks each module's kernels and their parameter types against
// the launch planners' table, and runs ptxas -v on the PTX: it fails on a
// compile error, on a register count over budget, on spills or stack in
// a hot kernel, and on more than 48 KB of static shared memory.
func TestCompileAllVariants(t *testing.T) {
	ptxas, err := exec.LookPath("ptxas")
	if err != nil {
		// CI sets ROTOR_REQUIRE_PTXAS=1 (scripts/ci-cuda); a GPU machine
		// without the toolkit skips the check.
		if os.Getenv("ROTOR_REQUIRE_PTXAS") == "1" {
			t.Fatal("ptxas not found: install the CUDA toolkit (scripts/install-cuda-toolkit)")
		}
		t.Skip("ptxas not found: the register and spill checks need the CUDA toolkit")
	}
	vs := Variants(nil)
	if testing.Short() {
		vs = slices.DeleteFunc(vs, func(v Variant) bool { return v.Options.HeadDim != 0 && v.Options.HeadDim != 128 })
	}
	c := NewCompiler("")
	dir := t.TempDir()
	type result struct {
		v      Variant
		arch   Arch
		usage  []Usage
		errors []string
		took   time.Duration
	}
	var (
		mu      sync.Mutex
		results []result
	)
	jobs := make(chan struct {
		v    Variant
		arch Arch
	})
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := range jobs {
				r := result{v: j.v, arch: j.arch}
				t0 := time.Now()
				r.errors, r.usage = checkVariant(c, j.v, j.arch, ptxas, filepath.Join(dir, fmt.Sprintf("w%d.ptx", w)))
				r.took = time.Since(t0)
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		}(w)
	}
	for _, arch := range CIArchs {
		for _, v := range vs {
			jobs <- struct {
				v    Variant
				arch Arch
			}{v, arch}
		}
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)

	sort.Slice(results, func(i, j int) bool {
		if results[i].arch != results[j].arch {
			return results[i].arch.Less(results[j].arch)
		}
		return results[i].v.String() < results[j].v.String()
	})
	var report strings.Builder
	fmt.Fprintf(&report, "%d modules (%d variants × %d architectures) compiled and checked in %v with %d workers\n",
		len(results), len(vs), len(CIArchs), took.Round(time.Second), runtime.GOMAXPROCS(0))
	maxRegs := map[string]Usage{}
	for _, r := range results {
		for _, e := range r.errors {
			t.Errorf("%s for %v: %s", r.v, r.arch, e)
		}
		for _, u := range r.usage {
			if !u.Entry {
				continue
			}
			key := BaseKernel(u.Function) + " " + u.Arch
			if m, ok := maxRegs[key]; !ok || u.Registers > m.Registers || u.SpillStores > m.SpillStores {
				maxRegs[key] = u
			}
		}
	}
	var keys []string
	for k := range maxRegs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(&report, "%-18s %-6s %9s %7s %8s %6s %10s\n", "kernel", "arch", "max regs", "budget", "spill B", "stack", "smem B")
	for _, k := range keys {
		u := maxRegs[k]
		fmt.Fprintf(&report, "%-18s %-6s %9d %7d %8d %6d %10d\n", BaseKernel(u.Function), u.Arch, u.Registers,
			RegisterBudgets[BaseKernel(u.Function)], u.SpillStores+u.SpillLoads, u.StackBytes, u.SharedBytes)
	}
	t.Log("\n" + report.String())
	if p := os.Getenv("ROTOR_PTXAS_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(report.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// checkVariant compiles one variant for arch and checks it.
func checkVariant(c *Compiler, v Variant, arch Arch, ptxas, path string) ([]string, []Usage) {
	m, err := c.Compile(v.Family, v.Options, arch)
	if err != nil {
		return []string{err.Error()}, nil
	}
	var errs []string
	params := ptxParams(m.PTX)
	for _, k := range m.Kernels() {
		got, ok := params[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("kernel %s missing from the PTX (entries %v)", k, mapKeys(params)))
			continue
		}
		want := ParamKinds(k)
		var wt []string
		for _, a := range want {
			wt = append(wt, ptxType(a))
		}
		if !slices.Equal(got, wt) {
			errs = append(errs, fmt.Sprintf("kernel %s: PTX parameters %v, the planners pass %v", k, got, wt))
		}
	}
	if len(params) != len(m.Kernels()) {
		errs = append(errs, fmt.Sprintf("PTX entries %v, family lists %v", mapKeys(params), m.Kernels()))
	}
	if err := os.WriteFile(path, []byte(m.PTX), 0o644); err != nil {
		return append(errs, err.Error()), nil
	}
	out, err := exec.Command(ptxas, "-v", "-arch="+arch.SM(), path, "-o", os.DevNull).CombinedOutput()
	if err != nil {
		return append(errs, fmt.Sprintf("ptxas: %v\n%s", err, out)), nil
	}
	us, err := ParsePtxasInfo(string(out))
	if err != nil {
		return append(errs, err.Error()), nil
	}
	for _, u := range us {
		errs = append(errs, CheckUsage(v.Family, u)...)
	}
	return errs, us
}

func mapKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestCompileCache compiles one module through a disk cache twice and
// checks the second compilation comes from the cache.
func TestCompileCache(t *testing.T) {
	dir := t.TempDir()
	o := Options{DType: 2}
	m1, err := NewCompiler(dir).Compile(AttnMerge, o, Arch{9, 0})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := NewCompiler(dir).Compile(AttnMerge, o, Arch{9, 0})
	if err != nil {
		t.Fatal(err)
	}
	if m1.PTX != m2.PTX || m2.Log != "" || !strings.Contains(m2.PTX, ".entry attn_merge2") {
		t.Fatalf("the second compilation did not come from the disk cache")
	}
}

package kernels

import (
	"runtime"
	"strings"
	"sync"

	"github.com/rotorkernels/rotor/ops"
)

// Module is a compiled kernel family: PTX for one architecture, ready for
// cuModuleLoadData (gorgonia.org/cu's LoadData).
type Module struct {
	Family  Family
	Options Options
	Arch    Arch
	// Key is the cache key (see CacheKey).
	Key string
	// PTX is the module text, without a terminating NUL.
	PTX string
	// Log is NVRTC's log for a fresh compilation (warnings), empty when
	// the module came from a cache.
	Log string
}

// Kernels returns the names of the kernels in the module.
func (m *Module) Kernels() []string { return m.Family.Kernels(m.Options) }

// nvrtcFunc compiles src with headers and flags to PTX, returning the
// program log too.
type nvrtcFunc func(name, src string, headers []Header, flags []string) (ptx, log string, err error)

// Compiler compiles kernel families with NVRTC and caches the modules in
// memory and, when it has a directory, on disk. It is safe for concurrent
// use; concurrent requests for one module compile it once.
type Compiler struct {
	disk    diskCache
	compile nvrtcFunc
	version string

	mu       sync.Mutex
	mem      map[string]*Module
	inflight map[string]*compileCall
}

type compileCall struct {
	done chan struct{}
	mod  *Module
	err  error
}

// NewCompiler returns a compiler caching on disk in dir ("" = memory
// only). Without the cuda build tag its Compile returns ErrUnsupported.
func NewCompiler(dir string) *Compiler {
	c, v := nvrtcCompiler()
	return newCompiler(dir, c, v)
}

func newCompiler(dir string, c nvrtcFunc, version string) *Compiler {
	return &Compiler{disk: diskCache{dir}, compile: c, version: version, mem: map[string]*Module{}, inflight: map[string]*compileCall{}}
}

// Flags returns the NVRTC options for family f with options o for arch:
// the architecture, C++17, the -D defines, and --fmad=false for the
// bit-exact RoPE families.
func Flags(f Family, o Options, arch Arch) []string {
	fl := []string{"--gpu-architecture=" + arch.Compute(), "--std=c++17", "-default-device"}
	if s, err := f.spec(); err == nil && s.noFMAD {
		fl = append(fl, "--fmad=false")
	}
	return append(fl, o.Defines(f)...)
}

// Compile returns the module of family f specialised by o for arch, from
// the memory cache, the disk cache or a fresh NVRTC compilation.
func (c *Compiler) Compile(f Family, o Options, arch Arch) (*Module, error) {
	if err := o.Validate(f); err != nil {
		return nil, err
	}
	if arch.Less(MinArch) {
		return nil, ops.Errorf(ops.ErrUnsupported, "arch", arch.String(), "the kernels need compute capability %v or newer", MinArch)
	}
	o = o.Normalize(f)
	src, err := Source(f)
	if err != nil {
		return nil, err
	}
	headers := Headers()
	flags := Flags(f, o, arch)
	key := CacheKey(src, headers, flags, c.version)

	c.mu.Lock()
	if m, ok := c.mem[key]; ok {
		c.mu.Unlock()
		return m, nil
	}
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-call.done
		return call.mod, call.err
	}
	call := &compileCall{done: make(chan struct{})}
	c.inflight[key] = call
	c.mu.Unlock()

	call.mod, call.err = c.build(f, o, arch, key, src, headers, flags)

	c.mu.Lock()
	delete(c.inflight, key)
	if call.err == nil {
		c.mem[key] = call.mod
	}
	c.mu.Unlock()
	close(call.done)
	return call.mod, call.err
}

func (c *Compiler) build(f Family, o Options, arch Arch, key, src string, headers []Header, flags []string) (*Module, error) {
	m := &Module{Family: f, Options: o, Arch: arch, Key: key}
	if p, ok, err := c.disk.get(key); err != nil {
		return nil, ops.Errorf(ops.ErrDevice, "kernel_cache", c.disk.dir, "reading the cache: %v", err)
	} else if ok {
		m.PTX = string(p)
		return m, nil
	}
	spec, _ := f.spec()
	ptx, log, err := c.compile(spec.file, src, headers, flags)
	if err != nil {
		return nil, err
	}
	m.PTX, m.Log = strings.TrimRight(ptx, "\x00"), log
	if err := c.disk.put(key, []byte(m.PTX)); err != nil {
		return nil, ops.Errorf(ops.ErrDevice, "kernel_cache", c.disk.dir, "writing the cache: %v", err)
	}
	return m, nil
}

// Precompile compiles every variant for arch with up to workers
// concurrent NVRTC compilations (GOMAXPROCS when workers ≤ 0), so that
// later Compile calls hit the cache. It returns the first error.
func (c *Compiler) Precompile(vs []Variant, arch Arch, workers int) error {
	return EachVariant(vs, workers, func(v Variant) error {
		_, err := c.Compile(v.Family, v.Options, arch)
		return err
	})
}

// EachVariant calls do for every variant of vs from up to workers
// goroutines at a time (GOMAXPROCS when workers ≤ 0), and returns the
// first error a call returned once every call has ended.
func EachVariant(vs []Variant, workers int, do func(Variant) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan Variant)
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, max(len(vs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range jobs {
				if err := do(v); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, v := range vs {
		jobs <- v
	}
	close(jobs)
	wg.Wait()
	return first
}

var (
	defaultOnce     sync.Once
	defaultCompiler *Compiler
)

// Default returns the process-wide compiler, caching on disk in
// DefaultCacheDir (memory only when there is no user cache directory).
func Default() *Compiler {
	defaultOnce.Do(func() {
		dir, err := DefaultCacheDir()
		if err != nil {
			dir = ""
		}
		defaultCompiler = NewCompiler(dir)
	})
	return defaultCompiler
}

// Compile compiles with the Default compiler.
func Compile(f Family, o Options, arch Arch) (*Module, error) { return Default().Compile(f, o, arch) }

// Precompile compiles variants with the Default compiler.
func Precompile(vs []Variant, arch Arch) error { return Default().Precompile(vs, arch, 0) }

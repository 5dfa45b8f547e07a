package cuda

import (
	"runtime"
	"sync"

	"github.com/rotorkernels/rotor/kernels"
)

// Precompile compiles kernel variants for the backend's device, several
// NVRTC compilations at a time (through the kernels package's memory and
// disk cache), and loads their modules, so that no later op waits for
// NVRTC or the driver's JIT. kernels.Variants lists every variant; an
// engine passes the ones its models use.
func (b *Backend) Precompile(vs []kernels.Variant) error {
	if err := b.dev.compileAll(vs); err != nil {
		return err
	}
	if err := b.enter(); err != nil {
		return err
	}
	defer b.exit()
	for _, v := range vs {
		names := v.Family.Kernels(v.Options)
		if len(names) == 0 {
			continue
		}
		if _, err := b.dev.function(b.drv, v.Family, v.Options, names[0]); err != nil {
			return b.note(err)
		}
	}
	return nil
}

// compileAll compiles vs with GOMAXPROCS concurrent compilations and
// returns the first error.
func (d *device) compileAll(vs []kernels.Variant) error {
	jobs := make(chan kernels.Variant)
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(vs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range jobs {
				if _, err := d.compile(v.Family, v.Options.Normalize(v.Family), d.info.CompileArch); err != nil {
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

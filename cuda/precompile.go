package cuda

import "github.com/rotorkernels/rotor/kernels"

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
	return kernels.EachVariant(vs, 0, func(v kernels.Variant) error {
		_, err := d.compile(v.Family, v.Options.Normalize(v.Family), d.info.CompileArch)
		return err
	})
}

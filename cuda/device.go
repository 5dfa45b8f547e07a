package cuda

import (
	"sync"

	"github.com/rotorkernels/rotor/cuda/internal/devkern"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// DeviceInfo describes the CUDA device a Backend runs on.
type DeviceInfo struct {
	// Ordinal is the device number (cuda:N).
	Ordinal int
	// Name is the device's name, e.g. "NVIDIA H200".
	Name string
	// Arch is the device's compute capability; CompileArch the one NVRTC
	// compiles the kernels for (Arch, or the newest older one the linked
	// NVRTC supports: the driver JIT-compiles that PTX for the device).
	Arch, CompileArch kernels.Arch
	// SMs is the number of streaming multiprocessors.
	SMs int
	// SmemOptin is the most dynamic shared memory one block may use
	// after opting in (cuFuncSetAttribute).
	SmemOptin int
	// TotalMem is the device memory in bytes.
	TotalMem int
	// DriverVersion is the CUDA driver's version, e.g. 12040 for 12.4.
	DriverVersion int
}

// compileFunc compiles a kernel family variant to PTX for arch
// (kernels.Compile in production).
type compileFunc func(f kernels.Family, o kernels.Options, arch kernels.Arch) (string, error)

// device is what the backends of one device share: the modules loaded
// into its context and the functions looked up in them. Backends acquire
// it on Open and release it on Close; the last release unloads the
// modules.
type device struct {
	key     any // the registry key: the ordinal, or a fake device in tests
	info    DeviceInfo
	compile compileFunc
	utilPTX func(compute string) (string, error)

	mu   sync.Mutex
	refs int
	fns  map[fnKey]*kfunc
	mods []handle
	util *utilFuncs
}

// fnKey names one kernel of one compiled variant.
type fnKey struct {
	fam  kernels.Family
	opt  kernels.Options
	name string
}

// kfunc is a loaded kernel.
type kfunc struct {
	h    handle
	smem int // dynamic shared memory opted in so far (0: the 48 KiB default)
}

// utilFuncs are the backend's own kernels (package devkern).
type utilFuncs struct {
	validate, fmaPeak handle
}

var registry = struct {
	sync.Mutex
	devs map[any]*device
}{devs: map[any]*device{}}

// acquireDevice returns the shared state of the device called key,
// creating it with info, compile and utilPTX on first use.
func acquireDevice(key any, info DeviceInfo, compile compileFunc, utilPTX func(string) (string, error)) *device {
	registry.Lock()
	defer registry.Unlock()
	d := registry.devs[key]
	if d == nil {
		d = &device{key: key, info: info, compile: compile, utilPTX: utilPTX, fns: map[fnKey]*kfunc{}}
		registry.devs[key] = d
	}
	d.refs++
	return d
}

// release drops one reference. The last one unloads every module through
// drv, whose context must be current.
func (d *device) release(drv driver) error {
	registry.Lock()
	d.refs--
	last := d.refs == 0
	if last {
		delete(registry.devs, d.key)
	}
	registry.Unlock()
	if !last {
		return nil
	}
	d.mu.Lock()
	mods := d.mods
	d.mods, d.fns, d.util = nil, map[fnKey]*kfunc{}, nil
	d.mu.Unlock()
	var first error
	for _, m := range mods {
		if err := drv.unload(m); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// function returns kernel name of family f specialised by o, compiling
// and loading the family's module on first use.
func (d *device) function(drv driver, f kernels.Family, o kernels.Options, name string) (*kfunc, error) {
	k := fnKey{f, o.Normalize(f), name}
	d.mu.Lock()
	fn, ok := d.fns[k]
	d.mu.Unlock()
	if ok {
		return fn, nil
	}
	ptx, err := d.compile(f, k.opt, d.info.CompileArch) // slow: outside the lock
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if fn, ok := d.fns[k]; ok { // loaded by another backend meanwhile
		return fn, nil
	}
	m, err := drv.load(ptx)
	if err != nil {
		return nil, err
	}
	d.mods = append(d.mods, m)
	for _, kn := range f.Kernels(k.opt) {
		h, err := drv.function(m, kn)
		if err != nil {
			return nil, err
		}
		d.fns[fnKey{f, k.opt, kn}] = &kfunc{h: h}
	}
	if fn, ok = d.fns[k]; !ok {
		return nil, ops.Errorf(ops.ErrConfig, "kernel", name, "family %s defines %v", f, f.Kernels(k.opt))
	}
	return fn, nil
}

// utilities returns the backend's own kernels, loading them on first use.
func (d *device) utilities(drv driver) (*utilFuncs, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.util != nil {
		return d.util, nil
	}
	ptx, err := d.utilPTX(d.info.CompileArch.Compute())
	if err != nil {
		return nil, err
	}
	m, err := drv.load(ptx)
	if err != nil {
		return nil, err
	}
	d.mods = append(d.mods, m)
	u := &utilFuncs{}
	if u.validate, err = drv.function(m, devkern.Validate); err != nil {
		return nil, err
	}
	if u.fmaPeak, err = drv.function(m, devkern.FMAPeak); err != nil {
		return nil, err
	}
	d.util = u
	return u, nil
}

// optIn raises fn's dynamic shared memory limit to smem bytes when a
// launch needs more than the 48 KiB every kernel may use.
func (d *device) optIn(drv driver, fn *kfunc, smem int) error {
	const defaultSmem = 48 << 10
	if smem <= defaultSmem {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if fn.smem >= smem {
		return nil
	}
	if err := drv.setMaxDynamicSmem(fn.h, smem); err != nil {
		return err
	}
	fn.smem = smem
	return nil
}

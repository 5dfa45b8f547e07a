package cuda

import "github.com/rotorkernels/rotor/ops"

// ctxSwitch makes a backend's CUDA context current on the calling OS
// thread for one call and afterwards restores the context the caller had
// current there (or none), so that a backend never changes an engine's
// current context behind its back. get and set are cuCtxGetCurrent and
// cuCtxSetCurrent (or a fake's).
type ctxSwitch struct {
	prev     uintptr
	switched bool
}

// enter records the current context and makes own current unless it
// already is.
func (s *ctxSwitch) enter(own uintptr, get func() (uintptr, Result), set func(uintptr) Result) error {
	prev, r := get()
	if r != 0 {
		return driverError("cuCtxGetCurrent", r)
	}
	s.prev, s.switched = prev, prev != own
	if s.switched {
		if r := set(own); r != 0 {
			s.switched = false
			return driverError("cuCtxSetCurrent", r)
		}
	}
	return nil
}

// exit makes the recorded context current again. A failure to restore it
// cannot be reported to anyone who could act on it: the next enter on
// this thread reads whatever is current.
func (s *ctxSwitch) exit(set func(uintptr) Result) {
	if s.switched {
		set(s.prev)
		s.switched = false
	}
}

// captureGuard is the driver as a backend uses it during one op on a
// stream that is being captured into a CUDA graph: every call that
// would wait for the device, allocate or free memory, load a module or
// copy between host and device fails with ErrUnsupported before it
// reaches the driver, so that nothing stray enters the graph and the
// capture stays valid. Kernel launches, device-to-device copies and
// memsets pass through.
type captureGuard struct {
	driver
	on bool
}

// errCapture is the error of call during a capture.
func errCapture(call string) error {
	return ops.Errorf(ops.ErrUnsupported, "stream", "capturing",
		"the op needs %s, which a stream being captured into a CUDA graph does not allow: run it once with the same shapes and schedule before capturing, with SetValueChecks(false)", call)
}

func (g *captureGuard) alloc(n int) (uint64, error) {
	if g.on {
		return 0, errCapture("cuMemAlloc")
	}
	return g.driver.alloc(n)
}

func (g *captureGuard) free(p uint64) error {
	if g.on {
		return errCapture("cuMemFree")
	}
	return g.driver.free(p)
}

func (g *captureGuard) hostAlloc(n int) ([]byte, uint64, error) {
	if g.on {
		return nil, 0, errCapture("cuMemHostAlloc")
	}
	return g.driver.hostAlloc(n)
}

func (g *captureGuard) hostFree(h []byte) error {
	if g.on {
		return errCapture("cuMemFreeHost")
	}
	return g.driver.hostFree(h)
}

func (g *captureGuard) copy(c copy2D) error {
	if g.on && c.kind != deviceToDevice {
		return errCapture("a copy between host and device")
	}
	return g.driver.copy(c)
}

func (g *captureGuard) sync() error {
	if g.on {
		return errCapture("cuStreamSynchronize")
	}
	return g.driver.sync()
}

func (g *captureGuard) waitEvent(e handle) error {
	if g.on {
		return errCapture("cuEventSynchronize")
	}
	return g.driver.waitEvent(e)
}

func (g *captureGuard) load(ptx string) (handle, error) {
	if g.on {
		return 0, errCapture("cuModuleLoadData (a kernel not loaded yet)")
	}
	return g.driver.load(ptx)
}

func (g *captureGuard) unload(m handle) error {
	if g.on {
		return errCapture("cuModuleUnload")
	}
	return g.driver.unload(m)
}

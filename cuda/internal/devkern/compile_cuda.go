//go:build cuda

package devkern

import (
	"strings"
	"sync"

	"gorgonia.org/cu/nvrtc"

	"github.com/rotorkernels/rotor/ops"
)

var (
	ptxMu    sync.Mutex
	ptxCache = map[string]string{}
)

// PTX compiles the kernels with NVRTC for the virtual architecture
// compute (e.g. "compute_90") and returns the PTX text, caching it for the
// life of the process. This links NVRTC only, never the driver: it needs
// no GPU.
func PTX(compute string) (string, error) {
	ptxMu.Lock()
	defer ptxMu.Unlock()
	if p, ok := ptxCache[compute]; ok {
		return p, nil
	}
	prog, err := nvrtc.CreateProgram(source, Name)
	if err != nil {
		return "", ops.Errorf(ops.ErrDevice, "nvrtc", Name, "creating the program: %v", err)
	}
	defer prog.Destroy()
	flags := []string{"--gpu-architecture=" + compute, "--std=c++17", "-default-device"}
	if err := prog.Compile(flags...); err != nil {
		log, _ := prog.GetLog()
		return "", ops.Errorf(ops.ErrConfig, "nvrtc", Name, "compiling with %v: %v\n%s", flags, err, strings.TrimRight(log, "\x00\n"))
	}
	p, err := prog.GetPTX()
	if err != nil {
		return "", ops.Errorf(ops.ErrDevice, "nvrtc", Name, "reading the PTX: %v", err)
	}
	p = strings.TrimRight(p, "\x00")
	ptxCache[compute] = p
	return p, nil
}

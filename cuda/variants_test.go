package cuda

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/crosscheck"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/ops/opstest"
)

// variantRecorder is a compile function for the fake device that records
// every kernel variant requested.
type variantRecorder struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *variantRecorder) compile(f kernels.Family, o kernels.Options, arch kernels.Arch) (string, error) {
	r.mu.Lock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[kernels.Variant{Family: f, Options: o}.String()] = true
	r.mu.Unlock()
	return fakeCompile(f, o, arch)
}

// lines returns the recorded variants, sorted.
func (r *variantRecorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for v := range r.seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// openRecording opens a fake backend of 132 SMs (as many as an H100 or
// H200, so that the planners split attention as they will there and ask
// for the split-KV merge) that records the variants it compiles.
func openRecording(t testing.TB, r *variantRecorder) *Backend {
	t.Helper()
	g := newFakeGPU(0)
	info := fakeInfo(0)
	info.SMs = 132
	dev := acquireDevice(fakeCtxKey{g, fakePrimaryCtx}, info, r.compile, fakeUtilPTX)
	b, err := newBackend(&fakeDriver{g: g, ctx: fakePrimaryCtx, stream: fakeOwnStream}, dev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// planOnly is a backend whose Sync fails with ErrUnsupported: each
// cross-backend check plans and queues its op (compiling what it needs),
// then reports the case as unsupported instead of computing its float64
// reference.
type planOnly struct{ *Backend }

func (planOnly) Sync() error {
	return ops.Errorf(ops.ErrUnsupported, "backend", "recording", "the recording device computes nothing")
}

// TestRecordVariants writes to the file $ROTOR_RECORD_VARIANTS the kernel
// variants the GPU check's runs request, one kernels.ParseVariant line
// each, for the warm-up that precompiles them (scripts/gpu-build calls
// it; skipped when the variable is unset): every RoPE and RoPE+append
// variant (the device tests use them all), the conformance suite's and
// every cross-backend check's (quick and full). The ops run on the
// simulated device, whose kernels other than RoPE compute nothing, so
// only the modules they ask for count; the conformance suite, whose
// verdicts there are meaningless, runs in a child process whose outcome
// is ignored.
func TestRecordVariants(t *testing.T) {
	if out := os.Getenv("ROTOR_RECORD_CHILD"); out != "" {
		var r variantRecorder
		b := openRecording(t, &r)
		t.Cleanup(func() {
			b.Close()
			os.WriteFile(out, []byte(strings.Join(r.lines(), "\n")+"\n"), 0o644)
		})
		opstest.Run(t, b)
		return
	}
	out := os.Getenv("ROTOR_RECORD_VARIANTS")
	if out == "" {
		t.Skip("set ROTOR_RECORD_VARIANTS=FILE to record the kernel variants of the GPU check")
	}
	var r variantRecorder
	for _, v := range kernels.Variants(nil) {
		if v.Family == kernels.RoPE || v.Family == kernels.RoPEAppend {
			r.compile(v.Family, v.Options, kernels.Arch{Major: 9})
		}
	}
	b := openRecording(t, &r)
	for _, quick := range []bool{true, false} {
		if _, err := crosscheck.Run(&crosscheck.Ctx{Test: planOnly{b}, Seed: 1, Quick: quick}, "all"); err != nil {
			t.Fatalf("cross-backend checks on the recording device: %v", err)
		}
	}
	b.Close()
	child := out + ".conformance"
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecordVariants$")
	cmd.Env = append(os.Environ(), "ROTOR_RECORD_CHILD="+child)
	cmd.Run() // its verdicts do not matter; its variants do
	conf, err := os.ReadFile(child)
	if err != nil {
		t.Fatalf("the conformance run recorded nothing: %v", err)
	}
	os.Remove(child)
	all := r.lines()
	for _, l := range strings.Split(strings.TrimSpace(string(conf)), "\n") {
		if l != "" && !slices.Contains(all, l) {
			all = append(all, l)
		}
	}
	slices.Sort(all)
	for _, l := range all {
		if _, err := kernels.ParseVariant(l); err != nil {
			t.Fatalf("recorded variant %q does not parse: %v", l, err)
		}
	}
	if err := os.WriteFile(out, []byte(strings.Join(all, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d variants written to %s", len(all), out)
}

package bench

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rotorkernels/rotor/ops"
)

// OpFunc measures one op over the Ctx's workloads and returns its rows.
// A row that cannot run (for example an ErrUnsupported from the backend)
// is returned with Skipped set rather than as an error; an error aborts
// the op.
type OpFunc func(ctx *Ctx) ([]Result, error)

var (
	registryMu sync.Mutex
	registry   = map[string]OpFunc{}
)

// Register adds op to the ops Run knows. Ops register from init in their
// own file (rope.go, attend.go, select.go). Registering a name twice
// panics, as it is a programming error.
func Register(op string, fn OpFunc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[op]; dup {
		panic("bench: op " + op + " registered twice")
	}
	registry[op] = fn
}

// Ops returns the registered op names, sorted.
func Ops() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckOp returns nil when op is a registered op or "all", else an
// ErrConfig naming the ops there are.
func CheckOp(op string) error {
	if op == "all" || op == "" || slices.Contains(Ops(), op) {
		return nil
	}
	return ops.Errorf(ops.ErrConfig, "op", op, "want one of %s or all", strings.Join(Ops(), ", "))
}

// Options configure a benchmark run.
type Options struct {
	// Model restricts the workloads to one model name (see Models); ""
	// means every model.
	Model string
	// Quick shortens the run: fewer sizes, a shorter minimum time per
	// row, smaller peak measurements.
	Quick bool
	// MinTime is the minimum measuring time per row; 0 means 300 ms
	// (60 ms when Quick).
	MinTime time.Duration
	// Log, when non-nil, receives one progress line per row.
	Log io.Writer
}

// Ctx is what an OpFunc receives: the backend, the peaks measured for this
// run and the options.
type Ctx struct {
	// Backend is the backend the ops run on.
	Backend ops.Backend
	Options
	// PeakGBps is the copy bandwidth (read plus write bytes) measured by
	// NewCtx; Run raises it to the best of that and a second measurement
	// after the rows.
	PeakGBps float64
	// PeakGFlops is the fp32 FMA peak, measured like PeakGBps.
	PeakGFlops float64
	// PeakSource says how the peaks were measured, e.g.
	// "memcpy 256 MiB; fma avx2+fma".
	PeakSource string

	// remeasure measures the peaks again (nil when they came from fixed
	// values); Run keeps the larger of the two measurements.
	remeasure func() (gbps, gflops float64, isa string, err error)
	// stream is the host's sequential read bandwidth (StreamGBps), measured
	// by the first row that needs it; 0 until then.
	stream float64
}

// streamPeak returns StreamGBps for this run, measured once.
func (c *Ctx) streamPeak() float64 {
	if c.stream == 0 {
		c.stream = StreamGBps(c.Quick)
	}
	return c.stream
}

// NewCtx measures the peaks for backend b (its own PeakMeasurer and
// FlopsPeakMeasurer when it implements them, else MemcpyGBps and
// FMAPeakGFlops on the host) and returns the context ops run in.
func NewCtx(b ops.Backend, opt Options) (*Ctx, error) {
	if b == nil {
		return nil, ops.Errorf(ops.ErrConfig, "backend", nil, "a backend is required")
	}
	if opt.Model != "" {
		if _, err := LookupModel(opt.Model); err != nil {
			return nil, err
		}
	}
	if opt.MinTime <= 0 {
		opt.MinTime = 300 * time.Millisecond
		if opt.Quick {
			opt.MinTime = 60 * time.Millisecond
		}
	}
	c := &Ctx{Backend: b, Options: opt}
	measure, src := peakMeasure(b, opt.Quick)
	g, f, isa, err := measure()
	if err != nil {
		return nil, err
	}
	c.PeakGBps, c.PeakGFlops, c.remeasure = g, f, measure
	c.PeakSource = src + isa
	return c, nil
}

// peakMeasure returns a function measuring b's copy and FMA peaks (the
// backend's own when it implements PeakMeasurer or FlopsPeakMeasurer,
// else the host's, with the instruction set used) and a description of
// the method.
func peakMeasure(b ops.Backend, quick bool) (func() (float64, float64, string, error), string) {
	pm, devCopy := b.(PeakMeasurer)
	fm, devFMA := b.(FlopsPeakMeasurer)
	var src string
	if devCopy {
		src = b.Name() + " copy; "
	} else {
		size := memcpyBytes
		if quick {
			size = memcpyBytesQuick
		}
		src = fmt.Sprintf("memcpy %d MiB; ", size>>20)
	}
	if devFMA {
		src += b.Name() + " fma"
	} else {
		src += "fma "
	}
	return func() (g, f float64, isa string, err error) {
		if devCopy {
			if g, err = pm.PeakGBps(); err != nil {
				return 0, 0, "", fmt.Errorf("bench: %s copy peak: %w", b.Name(), err)
			}
		} else {
			g = MemcpyGBps(quick)
		}
		if devFMA {
			if f, err = fm.PeakGFlops(); err != nil {
				return 0, 0, "", fmt.Errorf("bench: %s flops peak: %w", b.Name(), err)
			}
		} else {
			f, isa = FMAPeakGFlops(quick)
		}
		return g, f, isa, nil
	}, src
}

// Time measures fn with the context's minimum time, synchronising the
// backend after each batch. See the package's Timing section.
func (c *Ctx) Time(fn func() error) (Timing, error) {
	return Time(fn, c.Backend.Sync, c.MinTime)
}

// Models returns the workloads selected by the context's Model option.
func (c *Ctx) Models() []Model {
	if c.Model == "" {
		return Models()
	}
	m, err := LookupModel(c.Model)
	if err != nil {
		return nil
	}
	return []Model{m}
}

// Finish fills r's backend name and derived rates from the context's
// peaks, logs it, and returns it.
func (c *Ctx) Finish(r Result) Result {
	r.Backend = c.Backend.Name()
	r.Derive(c.PeakGBps, c.PeakGFlops)
	if c.Log != nil {
		if r.Skipped {
			fmt.Fprintf(c.Log, "%s %s %s %s: skipped: %s\n", r.Op, r.Model, r.DType, r.Shape, r.Notes)
		} else {
			fmt.Fprintf(c.Log, "%s %s %s %s: %.3g s, %.2f GB/s\n", r.Op, r.Model, r.DType, r.Shape, r.Seconds, r.GBps)
		}
	}
	return r
}

// Run runs op ("all" runs every registered op in name order) and returns
// the rows. The peaks are measured again after the rows (on a shared
// machine a single measurement may catch a busy moment); the larger of the
// two measurements is kept and every row's ratios are derived from it.
func Run(c *Ctx, op string) ([]Result, error) {
	names := []string{op}
	if op == "all" || op == "" {
		names = Ops()
	}
	var out []Result
	for _, n := range names {
		registryMu.Lock()
		fn, ok := registry[n]
		registryMu.Unlock()
		if !ok {
			return out, CheckOp(n)
		}
		rows, err := fn(c)
		out = append(out, rows...)
		if err != nil {
			return out, fmt.Errorf("bench %s: %w", n, err)
		}
	}
	if c.remeasure != nil && len(out) > 0 {
		g, f, _, err := c.remeasure()
		if err != nil {
			return out, err
		}
		c.PeakGBps, c.PeakGFlops = max(c.PeakGBps, g), max(c.PeakGFlops, f)
		for i := range out {
			out[i].Derive(c.PeakGBps, c.PeakGFlops)
		}
	}
	return out, nil
}

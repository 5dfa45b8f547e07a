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
	// Peaks holds the copy and FMA peaks measured by NewCtx and, on a
	// host backend, the read peak, measured when the first row that
	// reads in address order finishes. Run raises each to the better of
	// that and a second measurement after the rows.
	Peaks Peaks

	// measure measures the copy and FMA peaks (nil when the context was
	// built with fixed peaks, as in tests).
	measure func() (Peaks, error)
	// gather holds GatherGBps by row size, measured once per run.
	gather map[int]float64
	// evictor displaces the host's caches for TimeCold (nil until used).
	evictor *evictor
}

// host reports whether the backend computes on the host, so that the
// host's read and gather peaks bound it (a backend measuring its own
// copy peak is a device).
func (c *Ctx) host() bool {
	_, dev := c.Backend.(PeakMeasurer)
	return !dev
}

// readPeak measures the host's read peak into c.Peaks unless it is
// known or the backend is a device.
func (c *Ctx) readPeak() {
	if c.Peaks.ReadGBps == 0 && c.host() {
		c.Peaks.ReadGBps, c.Peaks.ReadMethod = ReadGBps(c.Quick)
	}
}

// GatherPeak returns the host's gather peak for rows of rowBytes bytes
// (GatherGBps), measured once per row size and run; 0 on a device
// backend.
func (c *Ctx) GatherPeak(rowBytes int) float64 {
	if !c.host() || rowBytes <= 0 {
		return 0
	}
	if g, ok := c.gather[rowBytes]; ok {
		return g
	}
	if c.gather == nil {
		c.gather = map[int]float64{}
	}
	c.gather[rowBytes] = GatherGBps(rowBytes, c.Quick)
	return c.gather[rowBytes]
}

// NewCtx measures the peaks for backend b (its own PeakMeasurer and
// FlopsPeakMeasurer when it implements them, else CopyGBps and
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
	c := &Ctx{Backend: b, Options: opt, measure: peakMeasure(b, opt.Quick)}
	p, err := c.measure()
	if err != nil {
		return nil, err
	}
	c.Peaks = p
	return c, nil
}

// peakMeasure returns a function measuring b's copy and FMA peaks: the
// backend's own when it implements PeakMeasurer or FlopsPeakMeasurer,
// else the host's.
func peakMeasure(b ops.Backend, quick bool) func() (Peaks, error) {
	return func() (p Peaks, err error) {
		if pm, ok := b.(PeakMeasurer); ok {
			if p.CopyGBps, err = pm.PeakGBps(); err != nil {
				return p, fmt.Errorf("bench: %s copy peak: %w", b.Name(), err)
			}
			p.CopyMethod = b.Name() + " copy"
		} else {
			p.CopyGBps, p.CopyMethod = CopyGBps(quick)
		}
		if fm, ok := b.(FlopsPeakMeasurer); ok {
			if p.GFlops, err = fm.PeakGFlops(); err != nil {
				return p, fmt.Errorf("bench: %s flops peak: %w", b.Name(), err)
			}
			p.FMAISA = b.Name() + " fma"
		} else {
			p.GFlops, p.FMAISA = FMAPeakGFlops(quick)
		}
		return p, nil
	}
}

// Time measures fn with the context's minimum time, synchronising the
// backend after each batch. See the package's Timing section.
func (c *Ctx) Time(fn func() error) (Timing, error) {
	return Time(fn, c.Backend.Sync, c.MinTime)
}

// TimeCold measures fn like Time but from cold caches on a host backend:
// every call is timed alone after an untimed eviction of the host's
// caches, as a decode step of one layer finds its KV rows evicted by the
// steps of the other layers. Decode and policy-step rows use it, so that
// a selection small enough for the last-level cache is not read from it
// call after call. On a device backend it is Time.
func (c *Ctx) TimeCold(fn func() error) (Timing, error) {
	if !c.host() {
		return c.Time(fn)
	}
	if c.evictor == nil {
		c.evictor = newEvictor()
	}
	return TimeCold(fn, c.evictor.evict, c.Backend.Sync, c.MinTime)
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

// Finish fills r's backend name and SIMD level, its peaks (measuring the read peak and
// the gather peak of its row size the first time a row needs them) and
// its derived rates, logs it, and returns it.
func (c *Ctx) Finish(r Result) Result {
	r.Backend = c.Backend.Name()
	if l, ok := c.Backend.(SIMDLimiter); ok {
		r.SIMD = l.SIMD()
	}
	if r.ReadBytes > 0 {
		c.readPeak()
	}
	if r.GatherBytes > 0 {
		r.GatherPeakGBps = c.GatherPeak(r.GatherRowBytes)
	}
	r.Derive(c.Peaks)
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
// the rows. The copy, read and FMA peaks are measured again after the
// rows (on a shared machine a single measurement may catch a busy
// moment); the larger of the two measurements of each is kept and every
// row's ratios and roofline are derived from them.
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
	if c.measure != nil && len(out) > 0 {
		p, err := c.measure()
		if err != nil {
			return out, err
		}
		if c.Peaks.ReadGBps > 0 {
			p.ReadGBps, p.ReadMethod = ReadGBps(c.Quick)
		}
		c.Peaks.raise(p)
		for i := range out {
			out[i].Derive(c.Peaks)
		}
	}
	return out, nil
}

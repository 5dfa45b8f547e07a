package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// bundledConfigs are model configs shipped inside the binary, so --model
// (and the demo) work from any directory.
//
//go:embed configs/*.json
var bundledConfigs embed.FS

func init() {
	register(&command{
		name:    "audit",
		summary: "RoPE precision audit: bf16/fp32 rotation error and relative-position invariance per position bucket",
		run:     runAudit,
	})
	demoAuditArgs = []string{"--model", "llama-3.1-8b", "--metrics", "angle,mismatch,dev"}
}

// bundledModels lists the names --model accepts.
func bundledModels() []string {
	ents, _ := bundledConfigs.ReadDir("configs")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// auditFlags are rotor audit's own flags.
type auditFlags struct {
	model     string
	maxPos    int
	dtype     string
	backend   *string
	angles    string
	metrics   string
	asJSON    bool
	asCSV     bool
	plot      string
	failAbove failAboveFlags
	failGates bool
	progress  bool
	seed      uint64
	positions int
	vectors   int
	study     bool
	studyT    int
}

// auditArgNames maps precision.AuditOptions' argument names to rotor
// audit's flags.
var auditArgNames = map[string]string{"max_pos": "--max-pos", "positions": "--positions", "vectors": "--vectors",
	"positions×vectors": "--positions×--vectors", "study.t": "--study-t", "dtype": "--dtype", "seq_len": "--seq-len"}

// maxStudyT bounds --study-t: the Eq. 4 analogue costs T² dot products
// per shift and pipeline, a few minutes of CPU at 8192 and hours at 65536.
const maxStudyT = 8192

func runAudit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: rotor audit (--hf-config FILE | --model NAME | --head-dim D [--base B] [--scaling TYPE:k=v,...])")
		fmt.Fprintln(w, "         [--max-pos N] [--dtype bf16|f16|f32] [--backend NAME|none] [--angles accurate|compat]")
		fmt.Fprintln(w, "         [--metrics LIST|all] [--json | --csv] [--plot FILE.svg|FILE.png] [--fail-above [PIPELINE:]METRIC=VALUE]...")
		fmt.Fprintln(w, "\nCompares RoPE pipelines (fp64, fp32, hf, accurate, compat and the backend's op) against float64 truth")
		fmt.Fprintln(w, "in log2 position buckets, then runs the synthetic Eq. 4/Eq. 5 attention study and the gates.")
		fmt.Fprintln(w, "Exits 3 when a --fail-above limit or a --fail-gates gate fails.")
		fmt.Fprintln(w, "\nmetrics:")
		for _, m := range precision.Metrics() {
			fmt.Fprintf(w, "  %-13s [%s] %s\n", m.Name, m.Unit, m.Doc)
		}
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
	sched := addScheduleFlags(fs)
	var f auditFlags
	fs.StringVar(&f.model, "model", "", "bundled model config `NAME`: "+strings.Join(bundledModels(), ", "))
	fs.IntVar(&f.maxPos, "max-pos", 0, "highest audited position `N` (default: twice the model's context; 2^20 for explicit schedules without --seq-len)")
	fs.StringVar(&f.dtype, "dtype", "bf16", "dtype inputs and outputs are rounded to: bf16, f16 or f32")
	f.backend = addBackendFlag(fs)
	fs.StringVar(&f.angles, "angles", "accurate", "angle mode of the backend's op: accurate or compat")
	fs.StringVar(&f.metrics, "metrics", strings.Join(precision.DefaultTableMetrics, ","), "comma-separated metrics of the table, or all")
	fs.BoolVar(&f.asJSON, "json", false, "print the whole report (every metric, the study and the gates) as JSON")
	fs.BoolVar(&f.asCSV, "csv", false, "print every value as CSV: metric,unit,pipeline,config,x_lo,x_hi,value,flagged")
	fs.StringVar(&f.plot, "plot", "", "write error-against-position plots to `FILE` (.svg or .png)")
	fs.Var(&f.failAbove, "fail-above", "exit with status 3 when METRIC's largest value exceeds VALUE; `[PIPELINE:]METRIC=VALUE`, "+
		"PIPELINE defaulting to the backend's (repeatable)")
	fs.BoolVar(&f.failGates, "fail-gates", false, "exit with status 3 when a gate fails")
	fs.BoolVar(&f.progress, "progress", false, "always show the progress bar on stderr (default: only on a terminal, after 2 s)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of every random input")
	fs.IntVar(&f.positions, "positions", 0, "positions sampled per bucket (default 16)")
	fs.IntVar(&f.vectors, "vectors", 0, "random vectors rotated per position (default 8)")
	fs.BoolVar(&f.study, "study", true, "run the synthetic Eq. 4/Eq. 5 attention study")
	fs.IntVar(&f.studyT, "study-t", 0, fmt.Sprintf("sequence length of the Eq. 4 analogue (default 512, at most %d)", maxStudyT))
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if f.asJSON && f.asCSV {
		return usagef("--json and --csv are exclusive")
	}
	if f.metrics != "all" {
		for _, m := range strings.Split(f.metrics, ",") {
			if err := checkMetric(m); err != nil {
				return usagef("--metrics %s: %v", f.metrics, err)
			}
		}
	}
	var plotExt string
	var plotOut *outputSet
	if f.plot != "" {
		var err error
		if plotExt, err = plotFormat(f.plot); err != nil {
			return err
		}
		if plotOut, err = newOutputFile("--plot", f.plot); err != nil {
			return err
		}
		defer plotOut.discard()
	}
	opt, pipeName, closeFn, err := f.options(fs, sched, stderr)
	if err != nil {
		return err
	}
	defer closeFn()
	bar := newProgressBar(stderr, f.progress)
	opt.Progress = bar.update
	rep, err := precision.Audit(opt)
	bar.done()
	if err != nil {
		return flagError(err, auditArgNames)
	}
	switch {
	case f.asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(auditJSON{Report: rep, Gates: rep.Gates()})
	case f.asCSV:
		err = rep.WriteCSV(stdout)
	default:
		err = rep.WriteTable(stdout, strings.Split(f.metrics, ",")...)
	}
	if err != nil {
		return err
	}
	if plotOut != nil {
		if err := plotOut.write(filepath.Base(f.plot), func(w io.Writer) error { return plotAudit(rep, plotExt, w) }); err != nil {
			return err
		}
		if _, err := plotOut.commit(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "rotor audit: wrote %s\n", f.plot)
	}
	return f.gate(rep, pipeName)
}

// auditJSON is the --json output: the report and its gates.
type auditJSON struct {
	*precision.Report
	Gates []precision.Gate `json:"gates"`
}

// checkMetric returns an error when name is not one of
// precision.Metrics.
func checkMetric(name string) error {
	var names []string
	for _, m := range precision.Metrics() {
		if m.Name == name {
			return nil
		}
		names = append(names, m.Name)
	}
	return fmt.Errorf("unknown metric %q: want one of %s", name, strings.Join(names, ", "))
}

// options resolves the flags into audit options. pipeName is the
// pipeline --fail-above judges by default; closeFn releases the backend.
// Flag problems are usageErrors.
func (f *auditFlags) options(fs *flag.FlagSet, sched *scheduleFlags, stderr io.Writer) (opt precision.AuditOptions, pipeName string, closeFn func(), err error) {
	closeFn = func() {}
	if f.studyT > maxStudyT {
		return opt, "", closeFn, usageError{ops.Errorf(ops.ErrRange, "--study-t", f.studyT,
			"want at most %d: the attention study costs T² per shift (minutes at %d, hours at 65536)", maxStudyT, maxStudyT)}
	}
	var r *ops.Rotary
	var cfg *ops.HFConfig
	switch {
	case f.model != "":
		if sched.hfConfig != "" || sched.headDim != 0 {
			return opt, "", closeFn, usagef("--model conflicts with --hf-config and --head-dim")
		}
		data, rerr := bundledConfigs.ReadFile("configs/" + f.model + ".json")
		if rerr != nil {
			return opt, "", closeFn, usageError{ops.Errorf(ops.ErrConfig, "--model", f.model, "want one of %s", strings.Join(bundledModels(), ", "))}
		}
		if cfg, err = ops.ReadHFConfig(bytes.NewReader(data)); err != nil {
			return opt, "", closeFn, err
		}
		if r, err = cfg.Rotary(sched.seqLen); err != nil {
			return opt, "", closeFn, flagError(err, auditArgNames)
		}
		opt.Name = f.model
	default:
		if r, cfg, err = sched.resolve(); err != nil {
			return opt, "", closeFn, err
		}
		if sched.hfConfig != "" {
			opt.Name = strings.TrimSuffix(filepath.Base(sched.hfConfig), ".json")
		}
	}
	opt.Rotary = r
	opt.MaxPos = f.maxPos
	if opt.MaxPos == 0 {
		opt.MaxPos = 1 << 20
		if cfg != nil && cfg.ContextLength() > 0 {
			opt.MaxPos = 2 * cfg.ContextLength()
		} else if sched.seqLen > 0 {
			opt.MaxPos = 2 * sched.seqLen
		}
		opt.MaxPos = min(opt.MaxPos, precision.MaxAuditPos)
	}
	if opt.DType, err = ops.ParseDType(f.dtype); err != nil || !opt.DType.IsFloat() {
		return opt, "", closeFn, usageError{ops.Errorf(ops.ErrDType, "--dtype", f.dtype, "want bf16, f16 or f32")}
	}
	mode, err := ops.ParseAngleMode(f.angles)
	if err != nil {
		return opt, "", closeFn, flagError(err, map[string]string{"angles": "--angles"})
	}
	opt.Pipelines = precision.DefaultPipelines()
	pipeName = precision.Rotor(mode).Name()
	opt.Seed, opt.Positions, opt.Vectors = f.seed, f.positions, f.vectors
	opt.Study = precision.StudyOptions{Skip: !f.study, T: f.studyT}
	if *f.backend != "none" {
		b, err := openBackend(*f.backend)
		if err != nil {
			return opt, "", closeFn, err
		}
		closeFn = func() {
			if err := b.Close(); err != nil {
				fmt.Fprintf(stderr, "rotor audit: closing %s: %v\n", b.Name(), err)
			}
		}
		bp := precision.BackendPipeline(b, mode)
		opt.Pipelines = append(opt.Pipelines, bp)
		pipeName = bp.Name()
	}
	for _, c := range f.failAbove {
		if c.pipeline == "" {
			continue
		}
		found := false
		for _, p := range opt.Pipelines {
			found = found || p.Name() == c.pipeline
		}
		if !found {
			closeFn()
			return opt, "", func() {}, usagef("--fail-above: no pipeline %q in this audit", c.pipeline)
		}
	}
	return opt, pipeName, closeFn, nil
}

// gate applies --fail-above and --fail-gates.
func (f *auditFlags) gate(rep *precision.Report, pipeName string) error {
	var bad []string
	for _, c := range f.failAbove {
		p := c.pipeline
		if p == "" {
			p = pipeName
		}
		v := rep.Max(c.metric, p, rep.MaxPos)
		if math.IsNaN(v) || v > c.limit {
			bad = append(bad, fmt.Sprintf("%s %s = %s > %g", p, c.metric, precision.FormatValue(v), c.limit))
		}
	}
	if f.failGates {
		for _, g := range rep.Gates() {
			if !g.Pass {
				bad = append(bad, fmt.Sprintf("gate %s (%s) failed: %s", g.Name, g.Subject, g.Detail))
			}
		}
	}
	if len(bad) > 0 {
		return exitError{code: exitGate, msg: strings.Join(bad, "; ")}
	}
	return nil
}

// failAbove is one --fail-above limit.
type failAbove struct {
	pipeline, metric string
	limit            float64
}

// failAboveFlags collects repeated --fail-above values.
type failAboveFlags []failAbove

func (l *failAboveFlags) String() string {
	var s []string
	for _, c := range *l {
		p := ""
		if c.pipeline != "" {
			p = c.pipeline + ":"
		}
		s = append(s, fmt.Sprintf("%s%s=%g", p, c.metric, c.limit))
	}
	return strings.Join(s, ",")
}

func (l *failAboveFlags) Set(v string) error {
	lhs, val, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want [PIPELINE:]METRIC=VALUE")
	}
	var c failAbove
	c.metric = lhs
	if i := strings.LastIndex(lhs, ":"); i >= 0 {
		c.pipeline, c.metric = lhs[:i], lhs[i+1:]
	}
	if err := checkMetric(c.metric); err != nil {
		return err
	}
	limit, err := strconv.ParseFloat(val, 64)
	if err != nil || math.IsNaN(limit) {
		return fmt.Errorf("limit %q: want a number", val)
	}
	c.limit = limit
	*l = append(*l, c)
	return nil
}

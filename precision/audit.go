package precision

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/rotorkernels/rotor/ops"
)

// AuditOptions configure Audit. Only Rotary is required; every other
// zero field selects the default given in its comment.
type AuditOptions struct {
	// Rotary is the schedule under audit.
	Rotary *ops.Rotary
	// Name labels the report (a model name, say); default: a description
	// of Rotary.
	Name string
	// MaxPos is the highest position audited, at most MaxAuditPos;
	// default 1<<20.
	MaxPos int
	// DType is the dtype inputs and outputs are rounded to: BF16
	// (default), F16 or F32.
	DType ops.DType
	// Pipelines are the columns; default DefaultPipelines(). Names must
	// be unique.
	Pipelines []Pipeline
	// Positions is the number of positions sampled per bucket (both ends
	// of the bucket, the one after its start, the rest log-uniform);
	// default 16.
	Positions int
	// Vectors is the number of random vectors rotated at each sampled
	// position; default 8.
	Vectors int
	// Shifts are the relative distances Δ of the invariance metrics;
	// default {1, 16, 255, 4096}.
	Shifts []int
	// SeqLen is the length of the short sink sequence behind the
	// attn_diff and sink_share metrics; default 64.
	SeqLen int
	// Study configures the synthetic attention study (Eq. 4 and Eq. 5
	// analogues).
	Study StudyOptions
	// Seed makes every random input; equal options give equal reports.
	Seed uint64
	// Workers bounds the goroutines; default GOMAXPROCS. Audit lowers
	// it so that the buckets measured at once fit in MaxMemory.
	Workers int
	// MaxMemory bounds the working memory of the position buckets
	// measured at once, in bytes; default DefaultAuditMemory. A bucket
	// holds about AuditBytesPerValue bytes for each of its Positions ×
	// Vectors × head_dim rotated values; one bucket larger than
	// MaxMemory is an ErrRange naming positions×vectors, before anything
	// is allocated.
	MaxMemory int64
	// Progress, when set, is called after each unit of work with the
	// number of units done and the total (from one goroutine at a time).
	Progress func(done, total int)
}

// StudyOptions configure the synthetic attention study of an audit.
type StudyOptions struct {
	// Skip leaves the study out (Report.Study is nil).
	Skip bool
	// T is the sequence length of the Eq. 4 analogue; default 512.
	T int
	// Delta1 are the position shifts compared with Delta2 in the Eq. 4
	// analogue; default {0, 16, 50, 1000}. Include Delta2 itself to check
	// that D(Δ, Δ) is exactly 0.
	Delta1 []int
	// Delta2 is the reference shift; 0 means 16.
	Delta2 int
	// LogitT are the lengths of the Eq. 5 analogue; default 64, 128, …,
	// 8192.
	LogitT []int
	// Seeds is the number of random sequences the Eq. 5 analogue
	// averages; default 5.
	Seeds int
}

// MaxAuditPos is the largest MaxPos an audit accepts: positions plus
// shifts must stay well inside int32.
const MaxAuditPos = 1 << 30

// DefaultAuditMemory is the default AuditOptions.MaxMemory: 4 GiB.
const DefaultAuditMemory = 4 << 30

// AuditBytesPerValue is the working memory of a position bucket per
// rotated value: the input, its two float64 references, every pipeline's
// output and the invariance metrics' rotations. Measured: 489 MB for a
// bucket of 512 positions × 64 vectors × head_dim 128 with the default
// pipelines (one worker), about 117 bytes a value.
const AuditBytesPerValue = 128

// Report is the result of Audit: per-bucket metrics for each pipeline,
// the buckets each pipeline is flagged in, and the synthetic attention
// study.
type Report struct {
	// Name labels the audited schedule.
	Name string `json:"name"`
	// Schedule describes the Rotary (type, dims, layout, factor).
	Schedule string `json:"schedule"`
	// AttentionFactor is the schedule's factor on cos and sin.
	AttentionFactor float64 `json:"attention_factor"`
	// DType is the dtype inputs and outputs were rounded to.
	DType string `json:"dtype"`
	// MaxPos is the highest audited position.
	MaxPos int `json:"max_pos"`
	// Pipelines names the columns, in order.
	Pipelines []string `json:"pipelines"`
	// Buckets are the position buckets, in order.
	Buckets []Bucket `json:"buckets"`
	// Metrics hold one table of values per metric.
	Metrics []MetricValues `json:"metrics"`
	// Flagged[i][b] reports whether pipeline i failed the flag rule
	// (see Flagged) in bucket b.
	Flagged [][]bool `json:"flagged"`
	// Study is the synthetic attention study, nil when skipped.
	Study *Study `json:"study,omitempty"`
}

// Bucket is a log2 range of positions: [0, 1), then [2^(k-1), 2^k) up to
// the one holding MaxPos (whose Hi is MaxPos+1).
type Bucket struct {
	Lo, Hi    int     // the positions Lo ≤ p < Hi
	Positions []int32 `json:"positions"` // the sampled positions, ascending
	Outputs   int     `json:"outputs"`   // rotated outputs compared per pipeline

}

// String returns "0", "1", "2-3", "4-7", ….
func (b Bucket) String() string {
	if b.Hi-b.Lo == 1 {
		return fmt.Sprint(b.Lo)
	}
	return fmt.Sprintf("%d-%d", b.Lo, b.Hi-1)
}

// MetricValues are one metric's values: Values[i][b] for pipeline i and
// bucket b. NaN marks a value a pipeline could not provide (it is null
// in JSON).
type MetricValues struct {
	MetricInfo
	Values []Series `json:"values"`
}

// Series is a list of values that encodes NaN and ±Inf as JSON null.
type Series []float64

// Audit measures how far each pipeline's RoPE drifts from the float64
// truth across positions 0..MaxPos, in log2 position buckets (see
// Metrics for what is measured), and runs the synthetic attention study.
// Work is spread over Workers goroutines; the report is deterministic.
func Audit(opt AuditOptions) (*Report, error) {
	a, err := newAuditor(opt)
	if err != nil {
		return nil, err
	}
	return a.run()
}

// auditor holds the resolved options of one audit.
type auditor struct {
	opt          AuditOptions
	r            *ops.Rotary
	dt           ops.DType
	pipes        []Pipeline
	buckets      []Bucket
	exact, ref32 Pipeline
	seq          []float32 // the sink sequence of attn_diff, [SeqLen][2][HeadDim]
}

func newAuditor(opt AuditOptions) (*auditor, error) {
	if err := opt.Rotary.Validate(); err != nil {
		return nil, err
	}
	a := &auditor{opt: opt, r: opt.Rotary, exact: refPipe{ExactFreqs}, ref32: refPipe{F32Freqs}}
	o := &a.opt
	if o.MaxPos == 0 {
		o.MaxPos = 1 << 20
	}
	if o.MaxPos < 0 || o.MaxPos > MaxAuditPos {
		return nil, ops.Errorf(ops.ErrRange, "max_pos", o.MaxPos, "want a position in [1, %d]", MaxAuditPos)
	}
	if o.DType == ops.InvalidDType {
		o.DType = ops.BF16
	}
	if o.DType != ops.BF16 && o.DType != ops.F16 && o.DType != ops.F32 {
		return nil, ops.Errorf(ops.ErrDType, "dtype", o.DType, "want bf16, f16 or f32")
	}
	a.dt = o.DType
	if o.Pipelines == nil {
		o.Pipelines = DefaultPipelines()
	}
	if len(o.Pipelines) == 0 {
		return nil, ops.Errorf(ops.ErrConfig, "pipelines", 0, "want at least one pipeline")
	}
	seen := map[string]bool{}
	for i, p := range o.Pipelines {
		if p == nil {
			return nil, ops.Errorf(ops.ErrConfig, fmt.Sprintf("pipelines[%d]", i), nil, "want a pipeline")
		}
		if seen[p.Name()] {
			return nil, ops.Errorf(ops.ErrConfig, fmt.Sprintf("pipelines[%d]", i), p.Name(), "names must be unique")
		}
		seen[p.Name()] = true
	}
	a.pipes = o.Pipelines
	for _, f := range []struct {
		name string
		v    *int
		def  int
		max  int
	}{
		{"positions", &o.Positions, 16, 4096},
		{"vectors", &o.Vectors, 8, 1024},
		{"seq_len", &o.SeqLen, 64, 4096},
		{"study.t", &o.Study.T, 512, 1 << 16},
		{"study.seeds", &o.Study.Seeds, 5, 1000},
		{"workers", &o.Workers, runtime.GOMAXPROCS(0), 1024},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < 1 || *f.v > f.max {
			return nil, ops.Errorf(ops.ErrRange, f.name, *f.v, "want a number in [1, %d]", f.max)
		}
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultAuditMemory
	}
	// bytes per head dimension of one bucket: at most 2^12·2^10·2^7.
	perDim := int64(o.Positions) * int64(o.Vectors) * AuditBytesPerValue
	if o.MaxMemory < 0 || int64(a.r.HeadDim) > o.MaxMemory/perDim {
		return nil, ops.Errorf(ops.ErrRange, "positions×vectors", fmt.Sprintf("%d×%d", o.Positions, o.Vectors),
			"a position bucket of head_dim %d would need %.3g GB of working memory, over the %.3g GB allowed; lower positions or vectors",
			a.r.HeadDim, float64(perDim)*float64(a.r.HeadDim)/1e9, float64(o.MaxMemory)/1e9)
	}
	o.Workers = int(min(int64(o.Workers), max(1, o.MaxMemory/(perDim*int64(a.r.HeadDim)))))
	if o.Shifts == nil {
		o.Shifts = []int{1, 16, 255, 4096}
	}
	if o.Study.Delta1 == nil {
		o.Study.Delta1 = []int{0, 16, 50, 1000}
	}
	if o.Study.Delta2 == 0 {
		o.Study.Delta2 = 16
	}
	if o.Study.LogitT == nil {
		o.Study.LogitT = []int{64, 128, 256, 512, 1024, 2048, 4096, 8192}
	}
	const maxShift = 1 << 24
	if err := checkInts("shifts", o.Shifts, 1, maxShift); err != nil {
		return nil, err
	}
	if err := checkInts("study.delta1", o.Study.Delta1, 0, maxShift); err != nil {
		return nil, err
	}
	if err := checkInts("study.delta2", []int{o.Study.Delta2}, 0, maxShift); err != nil {
		return nil, err
	}
	if err := checkInts("study.logit_t", o.Study.LogitT, 1, 1<<20); err != nil {
		return nil, err
	}
	a.buckets = auditBuckets(o.MaxPos, o.Positions, o.Seed)
	for i := range a.buckets {
		a.buckets[i].Outputs = len(a.buckets[i].Positions) * o.Vectors * a.r.Dim
	}
	a.seq = sinkSequence(auditRand(o.Seed, streamSequence, 0), o.SeqLen, a.r.HeadDim, a.dt, true)
	if o.Name == "" {
		o.Name = describeRotary(a.r)
	}
	return a, nil
}

// checkInts rejects an empty list or an entry outside [lo, hi].
func checkInts(arg string, v []int, lo, hi int) error {
	if len(v) == 0 {
		return ops.Errorf(ops.ErrConfig, arg, v, "want at least one value")
	}
	for i, x := range v {
		if x < lo || x > hi {
			return ops.Errorf(ops.ErrRange, fmt.Sprintf("%s[%d]", arg, i), x, "want a value in [%d, %d]", lo, hi)
		}
	}
	return nil
}

// describeRotary summarises a schedule in one line.
func describeRotary(r *ops.Rotary) string {
	s := fmt.Sprintf("%s rope, head_dim %d", r.Type, r.HeadDim)
	if r.Dim != r.HeadDim {
		s += fmt.Sprintf(", rotary dim %d", r.Dim)
	}
	s += ", " + r.Layout.String()
	if r.AttentionFactor != 1 {
		s += fmt.Sprintf(", attention factor %.4g", r.AttentionFactor)
	}
	return s
}

// run performs every unit of work (one per bucket, then the study's
// jobs) on a pool of goroutines and assembles the report.
func (a *auditor) run() (*Report, error) {
	rep := &Report{
		Name:            a.opt.Name,
		Schedule:        describeRotary(a.r),
		AttentionFactor: a.r.AttentionFactor,
		DType:           a.dt.String(),
		MaxPos:          a.opt.MaxPos,
		Buckets:         a.buckets,
	}
	for _, p := range a.pipes {
		rep.Pipelines = append(rep.Pipelines, p.Name())
	}
	nb, np := len(a.buckets), len(a.pipes)
	vals := make([][][]float64, nb) // [bucket][pipeline][metric]
	var study *studyRun
	jobs := make([]func() error, 0, nb)
	for b := range a.buckets {
		jobs = append(jobs, func() (err error) {
			vals[b], err = a.bucket(b)
			return err
		})
	}
	if !a.opt.Study.Skip {
		study = a.newStudy()
		jobs = append(jobs, study.jobs()...)
	}
	if err := a.parallel(jobs); err != nil {
		return nil, err
	}
	for m, info := range auditMetrics {
		mv := MetricValues{MetricInfo: info, Values: make([]Series, np)}
		for i := range np {
			mv.Values[i] = make(Series, nb)
			for b := range nb {
				mv.Values[i][b] = vals[b][i][m]
			}
		}
		rep.Metrics = append(rep.Metrics, mv)
	}
	rep.Flagged = make([][]bool, np)
	for i, name := range rep.Pipelines {
		rep.Flagged[i] = make([]bool, nb)
		for b := range nb {
			rep.Flagged[i][b] = Flagged(a.dt, rep.Value(MetricMismatch, name, b), rep.Value(MetricNormwise, name, b), rep.Buckets[b].Outputs)
		}
	}
	if study != nil {
		rep.Study = study.result()
	}
	return rep, nil
}

// parallel runs jobs on up to Workers goroutines, reporting progress,
// and returns the first error by job order.
func (a *auditor) parallel(jobs []func() error) error {
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(a.opt.Workers, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				errs[j] = jobs[j]()
				if a.opt.Progress != nil {
					mu.Lock()
					done++
					a.opt.Progress(done, len(jobs))
					mu.Unlock()
				}
			}
		})
	}
	for j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// PipelineIndex returns the column of the named pipeline, or -1.
func (r *Report) PipelineIndex(name string) int { return slices.Index(r.Pipelines, name) }

// Metric returns the named metric's values, or nil.
func (r *Report) Metric(name string) *MetricValues {
	for i := range r.Metrics {
		if r.Metrics[i].Name == name {
			return &r.Metrics[i]
		}
	}
	return nil
}

// Value returns the metric's value for pipeline in bucket b, or NaN when
// any of them is unknown.
func (r *Report) Value(metric, pipeline string, b int) float64 {
	m, i := r.Metric(metric), r.PipelineIndex(pipeline)
	if m == nil || i < 0 || b < 0 || b >= len(m.Values[i]) {
		return auditNaN
	}
	return m.Values[i][b]
}

// Max returns the largest value of metric for pipeline over the buckets
// that start at or below maxPos; NaN values are skipped, and the result is
// NaN when no bucket has a value.
func (r *Report) Max(metric, pipeline string, maxPos int) float64 {
	out := auditNaN
	for b, bk := range r.Buckets {
		if bk.Lo > maxPos {
			break
		}
		v := r.Value(metric, pipeline, b)
		if v == v && (out != out || v > out) {
			out = v
		}
	}
	return out
}

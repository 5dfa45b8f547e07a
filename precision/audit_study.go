package precision

import (
	"fmt"
	"slices"

	"github.com/rotorkernels/rotor/ops"
)

// Study is the synthetic attention study of an audit: weight-free
// analogues of the paper's Eq. 4 (attention difference between two
// position shifts) and Eq. 5 (first-token logit difference against
// sequence length), on one head of N(0, 1) queries and keys rounded to a
// 16-bit dtype.
//
// Variants are pipelines at a dtype, named "PIPELINE/DTYPE" ("fp64" for
// the float64 pipeline): every pipeline of the audit at the 16-bit dtype
// (the audit's, or bf16 for an f32 audit), plus "fp32/f32" (float32 angle,
// float32 outputs: the paper's Float32 condition) and "accurate/f32"
// (float64 angle, float32 outputs).
type Study struct {
	T        int      `json:"t"`       // Eq. 4 sequence length
	Delta1   []int    `json:"delta1"`  // Eq. 4 shifts
	Delta2   int      `json:"delta2"`  // the reference shift
	LogitT   []int    `json:"logit_t"` // Eq. 5 lengths
	Seeds    int      `json:"seeds"`   // Eq. 5 sequences averaged
	Low      string   `json:"low"`     // the 16-bit dtype of the inputs
	Variants []string `json:"variants"`
	// Eq4 has one result per variant and configuration.
	Eq4 []Eq4Result `json:"eq4"`
	// Eq5 has one result per variant.
	Eq5 []Eq5Result `json:"eq5"`
}

// The study's configurations.
const (
	// ConfigIsotropic: queries and keys N(0, 1).
	ConfigIsotropic = "isotropic"
	// ConfigSink: key 0 scaled by 32 and every query given +0.5·k_0/‖k_0‖,
	// an attention sink.
	ConfigSink = "sink"
	// ConfigPacked: the sink inputs packed into studyDocs documents of
	// consecutive tokens with continuous positions, each token attending
	// causally within its own document (intra-document attention); the
	// sink token 0 belongs to the first document only.
	ConfigPacked = "packed"
	// ConfigAnchor: ConfigPacked with token 0 a shared anchor every
	// document sees (AnchorAttention, "When Precision Meets Position").
	ConfigAnchor = "anchor"
)

// studyConfigs are the Eq. 4 configurations, in report order.
var studyConfigs = []string{ConfigIsotropic, ConfigSink, ConfigPacked, ConfigAnchor}

// studyDocs is the number of documents of ConfigPacked and ConfigAnchor.
const studyDocs = 4

// studyDocIDs returns the document of each of T tokens for configuration
// c (nil: one causal sequence): token t in document ⌊t·studyDocs/T⌋, and
// token 0 the anchor (-1) for ConfigAnchor. Visibility follows the
// attention op's rule: the same document, or an anchor.
func studyDocIDs(c string, T int) []int32 {
	if c != ConfigPacked && c != ConfigAnchor {
		return nil
	}
	docs := make([]int32, T)
	for t := range docs {
		docs[t] = int32(t * studyDocs / T)
	}
	if c == ConfigAnchor {
		docs[0] = -1
	}
	return docs
}

// Eq4Result is the Eq. 4 analogue of one variant in one configuration:
// D[i] = D(Delta1[i], Delta2) = Σ_i (1/i) Σ_j |P_Δ1 − P_Δ2| over the causal
// softmax attention of T tokens, and the share of D coming from key
// column 0. D(Δ2, Δ2) is computed from scratch, so it is 0 only if the
// pipeline is deterministic.
type Eq4Result struct {
	Variant   string `json:"variant"`
	Config    string `json:"config"`
	D         Series `json:"d"`
	Col0Share Series `json:"col0_share"`
}

// Eq5Result is the Eq. 5 analogue of one variant: DLogit[i] is
// (1/T) Σ_{i<T} |A_{i,0}(0) − A_{i,0}(Δ2)| for T = LogitT[i], raw q·k
// logits against a sink key (N(0, 1)·32) at position 0 of the sequence,
// averaged over Seeds sequences.
type Eq5Result struct {
	Variant string `json:"variant"`
	DLogit  Series `json:"d_logit"`
}

// Eq4For returns the Eq. 4 result of a variant and configuration, or nil.
func (s *Study) Eq4For(variant, config string) *Eq4Result {
	for i := range s.Eq4 {
		if s.Eq4[i].Variant == variant && s.Eq4[i].Config == config {
			return &s.Eq4[i]
		}
	}
	return nil
}

// Eq5For returns the Eq. 5 result of a variant, or nil.
func (s *Study) Eq5For(variant string) *Eq5Result {
	for i := range s.Eq5 {
		if s.Eq5[i].Variant == variant {
			return &s.Eq5[i]
		}
	}
	return nil
}

// studyVariant is a pipeline at a dtype.
type studyVariant struct {
	p    Pipeline
	dt   ops.DType
	name string
}

// studyRun collects the study's results as its jobs finish.
type studyRun struct {
	a        *auditor
	low      ops.DType
	variants []studyVariant
	eq4      [][]Eq4Result // [variant][config]
	eq5      []Eq5Result
	eq4x     [2][]float32 // Eq. 4 inputs: isotropic, sink (also packed and anchor)
	eq5x     []float32    // Eq. 5 inputs, see eq5Inputs
}

func (a *auditor) newStudy() *studyRun {
	low := a.dt
	if low == ops.F32 {
		low = ops.BF16
	}
	s := &studyRun{a: a, low: low}
	var rest []studyVariant
	for _, p := range a.pipes {
		switch p.Name() {
		case NameFP64:
			s.variants = append(s.variants, studyVariant{p, ops.F32, NameFP64})
		case NameFP32:
			s.variants = append(s.variants, studyVariant{p, ops.F32, NameFP32 + "/f32"})
		case NameAccurate:
			s.variants = append(s.variants, studyVariant{p, ops.F32, NameAccurate + "/f32"})
			rest = append(rest, studyVariant{p, low, NameAccurate + "/" + low.String()})
		case NameCompat:
			// At these lengths compat is fp32 at the 16-bit dtype: both
			// round float32 angles' cos and sin correctly.
		default:
			rest = append(rest, studyVariant{p, low, p.Name() + "/" + low.String()})
		}
	}
	s.variants = append(s.variants, rest...)
	s.eq4 = make([][]Eq4Result, len(s.variants))
	for v := range s.eq4 {
		s.eq4[v] = make([]Eq4Result, len(studyConfigs))
	}
	s.eq5 = make([]Eq5Result, len(s.variants))
	o := a.opt.Study
	for c := range s.eq4x {
		s.eq4x[c] = sinkSequence(auditRand(a.opt.Seed, streamEq4, 0), o.T, a.r.HeadDim, low, c == 1)
	}
	s.eq5x = eq5Inputs(a.opt.Seed, slices.Max(o.LogitT), o.Seeds, a.r.HeadDim, low)
	return s
}

// eq5Inputs returns the Eq. 5 inputs as a [T+1][seeds][hd] array: rows
// 0..T-1 hold each seed's N(0, 1) queries, row T its sink key
// (N(0, 1)·32), all rounded to dt.
func eq5Inputs(seed uint64, T, seeds, hd int, dt ops.DType) []float32 {
	x := make([]float32, (T+1)*seeds*hd)
	for sd := range seeds {
		rng := auditRand(seed, streamEq5, sd)
		for t := range T + 1 {
			row := x[(t*seeds+sd)*hd:][:hd]
			scale := 1.0
			if t == T {
				scale = 32
			}
			for i := range row {
				row[i] = float32(scale * rng.NormFloat64())
			}
		}
	}
	RoundSlice(dt, x, x)
	return x
}

// jobs returns one job per (variant, Eq. 4 configuration) and one per
// variant for Eq. 5.
func (s *studyRun) jobs() []func() error {
	var jobs []func() error
	for v := range s.variants {
		for c := range studyConfigs {
			jobs = append(jobs, func() error { return s.eq4Job(v, c) })
		}
		jobs = append(jobs, func() error { return s.eq5Job(v) })
	}
	return jobs
}

func (s *studyRun) eq4Job(vi, ci int) error {
	a, v, o := s.a, s.variants[vi], s.a.opt.Study
	hd := a.r.HeadDim
	config := studyConfigs[ci]
	x := s.eq4x[min(ci, 1)]                            // packed and anchor take the sink inputs
	shifts := append(slices.Clone(o.Delta1), o.Delta2) // the baseline, last
	qs, ks := make([][]float64, len(shifts)), make([][]float64, len(shifts))
	for i, sh := range shifts {
		y, err := v.p.Rotate(a.r, v.dt, shiftedPositions(sh, o.T), 2, x)
		if auditUnsupported(err) {
			s.eq4[vi][ci] = Eq4Result{Variant: v.name, Config: config,
				D: nanSeries(len(o.Delta1)), Col0Share: nanSeries(len(o.Delta1))}
			return nil
		}
		if err != nil {
			return fmt.Errorf("study eq4 %s: %w", v.name, err)
		}
		qs[i], ks[i] = auditSplitHeads(y, o.T, hd)
	}
	D, col0 := attnDiffs(qs, ks, len(shifts)-1, o.T, hd, studyDocIDs(config, o.T))
	res := Eq4Result{Variant: v.name, Config: config, D: D[:len(o.Delta1)]}
	for i := range o.Delta1 {
		res.Col0Share = append(res.Col0Share, auditShare(col0[i], D[i]))
	}
	s.eq4[vi][ci] = res
	return nil
}

func (s *studyRun) eq5Job(vi int) error {
	a, v, o := s.a, s.variants[vi], s.a.opt.Study
	hd, T := a.r.HeadDim, slices.Max(o.LogitT)
	var rot [2][]float64
	for i, sh := range []int{0, o.Delta2} {
		pos := append(shiftedPositions(sh, T), int32(sh))
		y, err := v.p.Rotate(a.r, v.dt, pos, o.Seeds, s.eq5x)
		if auditUnsupported(err) {
			s.eq5[vi] = Eq5Result{Variant: v.name, DLogit: nanSeries(len(o.LogitT))}
			return nil
		}
		if err != nil {
			return fmt.Errorf("study eq5 %s: %w", v.name, err)
		}
		rot[i] = y
	}
	mean := make([]float64, len(o.LogitT))
	for sd := range o.Seeds {
		for i, d := range logitDiffMeans(rot[0], rot[1], T, o.Seeds, sd, hd, o.LogitT) {
			mean[i] += d / float64(o.Seeds)
		}
	}
	s.eq5[vi] = Eq5Result{Variant: v.name, DLogit: mean}
	return nil
}

func (s *studyRun) result() *Study {
	o := s.a.opt.Study
	st := &Study{T: o.T, Delta1: o.Delta1, Delta2: o.Delta2, LogitT: o.LogitT, Seeds: o.Seeds, Low: s.low.String()}
	for i, v := range s.variants {
		st.Variants = append(st.Variants, v.name)
		st.Eq4 = append(st.Eq4, s.eq4[i]...)
		st.Eq5 = append(st.Eq5, s.eq5[i])
	}
	return st
}

// nanSeries returns n NaNs: the results of a variant whose pipeline does
// not support the study's dtype.
func nanSeries(n int) Series {
	s := make(Series, n)
	for i := range s {
		s[i] = auditNaN
	}
	return s
}

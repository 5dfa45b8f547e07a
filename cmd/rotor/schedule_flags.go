package main

import (
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// scheduleFlags are the flags every subcommand uses to choose a RoPE
// schedule: a Hugging Face config.json (--hf-config, --seq-len), an
// explicit --head-dim, --base and --scaling, or a caller's table
// (--inv-freq, --attention-factor, --head-dim); plus --rotary-dim and
// --layout.
type scheduleFlags struct {
	hfConfig   string
	seqLen     int
	headDim    int
	rotaryDim  int
	base       float64
	scaling    string
	layout     string
	invFreq    string
	attnFactor float64
	fs         *flag.FlagSet
}

// scalingHelp documents --scaling.
const scalingHelp = `RoPE scaling TYPE[:key=value,...] with --head-dim: ` +
	`default; linear:factor=F; ntk:alpha=A; dynamic:factor=F,max_position_embeddings=L; ` +
	`yarn:factor=F,original_max_position_embeddings=Lo[,beta_fast=,beta_slow=,mscale=,mscale_all_dim=,attention_factor=,truncate=false,max_position_embeddings=]; ` +
	`llama3:factor=F,low_freq_factor=,high_freq_factor=,original_max_position_embeddings=Lo; ` +
	`longrope:short_factor=a/b/...,long_factor=a/b/...,original_max_position_embeddings=Lo[,factor=,max_position_embeddings=,attention_factor=]; ` +
	`proportional[:factor=F,partial_rotary_factor=P]; ` +
	`giraffe-power:scale_power=K[,scale=S]; ` +
	`giraffe-truncate:truncate=L[,scale=S,scale_power=K] or giraffe-truncate:a=A,b=B,rho=R[,scale=S,scale_power=K]`

// addScheduleFlags registers the schedule flags on fs.
func addScheduleFlags(fs *flag.FlagSet) *scheduleFlags {
	s := &scheduleFlags{fs: fs}
	fs.StringVar(&s.hfConfig, "hf-config", "", "Hugging Face config.json `FILE` giving the RoPE schedule")
	fs.IntVar(&s.seqLen, "seq-len", 0, "current sequence length `N` (dynamic NTK, LongRoPE); 0 = the model's context")
	fs.IntVar(&s.headDim, "head-dim", 0, "head dimension `D` of an explicit schedule")
	fs.IntVar(&s.rotaryDim, "rotary-dim", 0, "rotated dimensions (partial rotary); 0 = the whole head")
	fs.Float64Var(&s.base, "base", ops.DefaultTheta, "RoPE base θ (rope_theta) of an explicit schedule")
	fs.StringVar(&s.scaling, "scaling", "default", scalingHelp)
	fs.StringVar(&s.layout, "layout", "", "pair layout neox|gptj (default: the config's, else neox)")
	fs.StringVar(&s.invFreq, "inv-freq", "", invFreqHelp)
	fs.Float64Var(&s.attnFactor, "attention-factor", 1, "factor `F` multiplying cos and sin of an --inv-freq table (Hugging Face's attention_scaling)")
	return s
}

// resolve returns the chosen schedule and, with --hf-config, the parsed
// config (nil otherwise). Flag problems (conflicts, bad values, an
// explicit schedule the ops reject) are usageErrors naming the flag; a
// config file that cannot be read or resolved is a plain error.
func (s *scheduleFlags) resolve() (*ops.Rotary, *ops.HFConfig, error) {
	set := map[string]bool{}
	if s.fs != nil {
		s.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	}
	var layout ops.Layout
	if s.layout != "" {
		var err error
		if layout, err = ops.ParseLayout(s.layout); err != nil {
			return nil, nil, badUsage(renameArgs(err, map[string]string{"layout": "--layout"}))
		}
	}
	if set["attention-factor"] && s.invFreq == "" {
		return nil, nil, usagef("--attention-factor applies to an --inv-freq table only")
	}
	if s.invFreq != "" {
		r, err := s.tableSchedule(set, layout)
		return r, nil, err
	}
	if s.hfConfig != "" {
		for _, name := range []string{"head-dim", "base", "scaling", "rotary-dim"} {
			if set[name] {
				return nil, nil, usagef("--%s conflicts with --hf-config", name)
			}
		}
		cfg, err := ops.ReadHFConfigFile(s.hfConfig)
		if err != nil {
			return nil, nil, renameArgs(err, map[string]string{"hf-config": "--hf-config", "config.json": "--hf-config " + s.hfConfig})
		}
		if s.layout != "" {
			cfg.Layout = layout
		}
		r, err := cfg.Rotary(s.seqLen)
		if err != nil {
			return nil, nil, flagError(err, map[string]string{"seq_len": "--seq-len"})
		}
		return r, cfg, nil
	}
	if s.headDim == 0 {
		return nil, nil, usagef("a schedule needs --hf-config FILE, --head-dim D or --inv-freq FILE")
	}
	p := ops.RoPEParams{HeadDim: s.headDim, RotaryDim: s.rotaryDim, Base: s.base, Layout: layout}
	r, err := explicitSchedule(p, s.scaling, s.seqLen)
	if err != nil {
		return nil, nil, badUsage(err)
	}
	return r, nil, nil
}

// explicitSchedule builds the schedule a --scaling spec names.
func explicitSchedule(p ops.RoPEParams, spec string, seqLen int) (*ops.Rotary, error) {
	kv, err := parseScaling(spec)
	if err != nil {
		return nil, err
	}
	r, err := kv.build(p, seqLen)
	names := map[string]string{"head_dim": "--head-dim", "rotary_dim": "--rotary-dim", "rope_theta": "--base",
		"base": "--base", "seq_len": "--seq-len", "layout": "--layout", "type": "--scaling"}
	for k := range kv.vals {
		names[k] = "--scaling " + k
	}
	return r, renameArgs(err, names)
}

// build constructs the schedule of a parsed --scaling spec.
func (kv *scalingArgs) build(p ops.RoPEParams, seqLen int) (*ops.Rotary, error) {
	typ := kv.typ
	var r *ops.Rotary
	var err error
	switch typ {
	case "default", "none", "":
		r, err = ops.Default(p)
	case "linear":
		r, err = ops.Linear(ops.LinearParams{RoPEParams: p, Factor: kv.num("factor", true)})
	case "ntk":
		r, err = ops.NTKAware(ops.NTKParams{RoPEParams: p, Alpha: kv.num("alpha", true)})
	case "dynamic":
		r, err = ops.DynamicNTK(ops.DynamicParams{RoPEParams: p, Factor: kv.num("factor", true),
			MaxPositionEmbeddings: kv.int("max_position_embeddings", true), SeqLen: seqLen})
	case "yarn":
		y := ops.YaRNParams{
			RoPEParams:                    p,
			Factor:                        kv.num("factor", false),
			OriginalMaxPositionEmbeddings: kv.int("original_max_position_embeddings", true),
			BetaFast:                      kv.num("beta_fast", false),
			BetaSlow:                      kv.num("beta_slow", false),
			Mscale:                        kv.num("mscale", false),
			MscaleAllDim:                  kv.num("mscale_all_dim", false),
			AttentionFactor:               kv.num("attention_factor", false),
			NoTruncate:                    !kv.bool("truncate", true),
		}
		if maxPos := kv.int("max_position_embeddings", false); y.Factor == 0 && maxPos > 0 && y.OriginalMaxPositionEmbeddings > 0 {
			y.Factor = float64(maxPos) / float64(y.OriginalMaxPositionEmbeddings)
		}
		r, err = ops.YaRN(y)
	case "llama3":
		r, err = ops.Llama3(ops.Llama3Params{RoPEParams: p, Factor: kv.num("factor", true),
			LowFreqFactor: kv.num("low_freq_factor", true), HighFreqFactor: kv.num("high_freq_factor", true),
			OriginalMaxPositionEmbeddings: kv.int("original_max_position_embeddings", true)})
	case "longrope":
		r, err = ops.LongRoPE(ops.LongRoPEParams{RoPEParams: p,
			ShortFactor: kv.list("short_factor"), LongFactor: kv.list("long_factor"),
			OriginalMaxPositionEmbeddings: kv.int("original_max_position_embeddings", true),
			Factor:                        kv.num("factor", false), MaxPositionEmbeddings: kv.int("max_position_embeddings", false),
			AttentionFactor: kv.num("attention_factor", false), SeqLen: seqLen})
	case "proportional":
		if p.RotaryDim != 0 {
			return nil, ops.Errorf(ops.ErrConfig, "--rotary-dim", p.RotaryDim, "does not apply to proportional scaling; use --scaling proportional:partial_rotary_factor=P")
		}
		r, err = ops.Proportional(ops.ProportionalParams{HeadDim: p.HeadDim, Base: p.Base, Layout: p.Layout,
			Factor: kv.num("factor", false), PartialRotaryFactor: kv.num("partial_rotary_factor", false)})
	case "giraffe-power":
		r, err = ops.GiraffePower(ops.GiraffePowerParams{RoPEParams: p,
			ScalePower: kv.num("scale_power", true), Scale: kv.num("scale", false)})
	case "giraffe-truncate":
		r, err = ops.GiraffeTruncate(ops.GiraffeTruncateParams{RoPEParams: p, Truncate: kv.int("truncate", false),
			A: kv.num("a", false), B: kv.num("b", false), Rho: kv.num("rho", false),
			Scale: kv.num("scale", false), ScalePower: kv.num("scale_power", false)})
	default:
		return nil, ops.Errorf(ops.ErrConfig, "--scaling", typ,
			"unknown type; want default, linear, ntk, dynamic, yarn, llama3, longrope, proportional, giraffe-power or giraffe-truncate")
	}
	if kv.err != nil {
		return nil, kv.err
	}
	if err != nil {
		return nil, err
	}
	return r, kv.unused()
}

// scalingArgs are the key=value pairs of a --scaling spec. Getters record
// the first problem in err and mark keys used.
type scalingArgs struct {
	typ  string
	vals map[string]string
	used map[string]bool
	err  error
}

// parseScaling splits a --scaling spec TYPE[:key=value,...] into its type
// and pairs; a pair without '=', an empty key or value, or a key given
// twice is an ErrConfig naming --scaling.
func parseScaling(spec string) (*scalingArgs, error) {
	typ, rest, _ := strings.Cut(spec, ":")
	typ = strings.TrimSpace(typ)
	kv := &scalingArgs{typ: typ, vals: map[string]string{}, used: map[string]bool{}}
	if rest == "" {
		return kv, nil
	}
	for _, pair := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, ops.Errorf(ops.ErrConfig, "--scaling", pair, "want key=value")
		}
		if _, dup := kv.vals[k]; dup {
			return nil, ops.Errorf(ops.ErrConfig, "--scaling "+k, v, "given twice")
		}
		kv.vals[k] = v
	}
	return kv, nil
}

func (a *scalingArgs) get(key string, required bool) (string, bool) {
	a.used[key] = true
	v, ok := a.vals[key]
	if !ok && required && a.err == nil {
		a.err = ops.Errorf(ops.ErrConfig, "--scaling "+key, "missing", "%s scaling requires it", a.typ)
	}
	return v, ok
}

func (a *scalingArgs) num(key string, required bool) float64 {
	v, ok := a.get(key, required)
	if !ok {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil && a.err == nil {
		a.err = ops.Errorf(ops.ErrConfig, "--scaling "+key, v, "want a number")
	}
	return f
}

func (a *scalingArgs) int(key string, required bool) int {
	v, ok := a.get(key, required)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil && a.err == nil {
		a.err = ops.Errorf(ops.ErrConfig, "--scaling "+key, v, "want an integer")
	}
	return n
}

func (a *scalingArgs) bool(key string, def bool) bool {
	v, ok := a.get(key, false)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil && a.err == nil {
		a.err = ops.Errorf(ops.ErrConfig, "--scaling "+key, v, "want true or false")
	}
	return b
}

func (a *scalingArgs) list(key string) []float64 {
	v, ok := a.get(key, true)
	if !ok {
		return nil
	}
	parts := strings.Split(v, "/")
	out := make([]float64, len(parts))
	for i, s := range parts {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && a.err == nil {
			a.err = ops.Errorf(ops.ErrConfig, fmt.Sprintf("--scaling %s[%d]", key, i), s, "want a number")
		}
		out[i] = f
	}
	return out
}

// unused returns ErrConfig for a key the scaling type does not read.
func (a *scalingArgs) unused() error {
	keys := make([]string, 0, len(a.vals))
	for k := range a.vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !a.used[k] {
			return ops.Errorf(ops.ErrConfig, "--scaling "+k, a.vals[k], "not a parameter of %s scaling", a.typ)
		}
	}
	return nil
}

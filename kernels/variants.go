package kernels

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// Variant is one compilable specialisation of a kernel family.
type Variant struct {
	Family  Family
	Options Options
}

// String names the variant.
func (v Variant) String() string { return v.Options.String(v.Family) }

// HeadDims are the head dimensions compiled ahead of time: those of the
// models rotor benchmarks (gpt-oss 64, Phi-2 80, Phi-3 96, Llama and Qwen
// 128, Gemma 256). Others compile on first use.
var HeadDims = []int{64, 80, 96, 128, 256}

// Variants returns every variant the launch planners can choose for the
// head dimensions given (HeadDims when nil): every dtype, layout and
// angle mode of rope and rope_append; every dtype, head dimension and
// key-RoPE setting of the attention and selection kernels, with Dv = D.
// (Vector widths
// and GQA group tiles are separate kernels inside each module.) CI compiles all of them; engines pass the ones they
// will use to Precompile.
func Variants(headDims []int) []Variant {
	if headDims == nil {
		headDims = HeadDims
	}
	var vs []Variant
	for _, f := range []Family{RoPE, RoPEAppend} {
		for _, dt := range allFloat {
			for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
				for _, m := range []ops.AngleMode{ops.Accurate, ops.Compat} {
					vs = append(vs, Variant{f, Options{DType: dt, Layout: l, Angles: m}})
				}
			}
		}
	}
	for _, dt := range allFloat {
		for _, d := range headDims {
			for _, kr := range []bool{false, true} {
				vs = append(vs, Variant{AttnDecode, Options{DType: dt, HeadDim: d, VDim: d, KeyRoPE: kr}})
			}
			vs = append(vs, Variant{Scores, Options{DType: dt, HeadDim: d}})
			vs = append(vs, Variant{Quest, Options{DType: dt, HeadDim: d}})
			if dt != ops.F32 && d%16 == 0 {
				vs = append(vs, Variant{AttnPrefill, Options{DType: dt, HeadDim: d, VDim: d}})
			}
		}
		vs = append(vs, Variant{AttnMerge, Options{DType: dt}})
	}
	vs = append(vs, Variant{Criticality, Options{}}, Variant{TopK, Options{}})
	return vs
}

// ParseVariant parses the text of Variant.String ("attn_decode dtype=bf16
// d=128 dv=128 keyrope"): the family, then the options it is specialised
// on. Lists of variants to precompile are written this way, one a line.
func ParseVariant(s string) (Variant, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return Variant{}, ops.Errorf(ops.ErrConfig, "variant", s, "want a family name and its options")
	}
	v := Variant{Family: Family(fields[0])}
	if !slices.Contains(Families(), v.Family) {
		return Variant{}, ops.Errorf(ops.ErrConfig, "variant", s, "unknown family %q", fields[0])
	}
	for _, f := range fields[1:] {
		key, val, _ := strings.Cut(f, "=")
		var err error
		switch key {
		case "dtype":
			v.Options.DType, err = ops.ParseDType(val)
		case "layout":
			v.Options.Layout, err = ops.ParseLayout(val)
		case "angles":
			v.Options.Angles, err = ops.ParseAngleMode(val)
		case "d":
			v.Options.HeadDim, err = strconv.Atoi(val)
		case "dv":
			v.Options.VDim, err = strconv.Atoi(val)
		case "keyrope":
			v.Options.KeyRoPE = val == ""
			if val != "" {
				err = fmt.Errorf("keyrope takes no value")
			}
		default:
			err = fmt.Errorf("unknown option")
		}
		if err != nil {
			return Variant{}, ops.Errorf(ops.ErrConfig, "variant", s, "option %q: %v", f, err)
		}
	}
	if err := v.Options.Validate(v.Family); err != nil {
		return Variant{}, err
	}
	if v.String() != strings.Join(fields, " ") {
		return Variant{}, ops.Errorf(ops.ErrConfig, "variant", s, "not in canonical form (%q)", v.String())
	}
	return v, nil
}

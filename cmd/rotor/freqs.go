package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/rotorkernels/rotor/ops"
)

func init() {
	register(&command{
		name:    "freqs",
		summary: "print a resolved RoPE schedule: inverse frequencies (exact and HF fp32), attention factor",
		run:     runFreqs,
	})
}

// freqsJSON is the --json output of rotor freqs.
type freqsJSON struct {
	RopeType        string    `json:"rope_type"`
	HeadDim         int       `json:"head_dim"`
	RotaryDim       int       `json:"rotary_dim"`
	Layout          string    `json:"layout"`
	AttentionFactor float64   `json:"attention_factor"`
	InvFreq         []float64 `json:"inv_freq"`
	InvFreqF32      []float32 `json:"inv_freq_f32"`
}

func runFreqs(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("freqs", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rotor freqs (--hf-config FILE [--seq-len N] | --head-dim D [--base B] [--scaling TYPE:k=v,...]) [--json]")
		fs.PrintDefaults()
	}
	sched := addScheduleFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON: rope_type, head_dim, rotary_dim, layout, attention_factor, inv_freq, inv_freq_f32")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	r, cfg, err := sched.resolve()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(freqsJSON{
			RopeType:        r.Type,
			HeadDim:         r.HeadDim,
			RotaryDim:       r.Dim,
			Layout:          r.Layout.String(),
			AttentionFactor: r.AttentionFactor,
			InvFreq:         r.InvFreq,
			InvFreqF32:      r.F32(),
		})
	}
	return printFreqsTable(stdout, r, cfg, sched.seqLen)
}

// printFreqsTable prints the schedule header and one row per pair: the
// exact and fp32 inverse frequencies, their relative difference and the
// wavelength in tokens.
func printFreqsTable(w io.Writer, r *ops.Rotary, cfg *ops.HFConfig, seqLen int) error {
	if cfg != nil {
		if seqLen == 0 {
			seqLen = cfg.ContextLength()
		}
		fmt.Fprintf(w, "model_type %s, context %d, seq_len %d\n", cfg.ModelType, cfg.ContextLength(), seqLen)
	}
	fmt.Fprintf(w, "rope_type %s, head_dim %d, rotary_dim %d, layout %s, attention_factor %.17g\n\n",
		r.Type, r.HeadDim, r.Dim, r.Layout, r.AttentionFactor)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pair\tinv_freq\tinv_freq_f32\tf32 rel diff\twavelength\t")
	f32 := r.F32()
	for j, f := range r.InvFreq {
		wl, diff := "inf", "-"
		if f != 0 {
			wl = fmt.Sprintf("%.6g", 2*math.Pi/f)
			diff = fmt.Sprintf("%.2e", math.Abs(float64(f32[j])-f)/f)
		}
		fmt.Fprintf(tw, "%d\t%.17g\t%.9g\t%s\t%s\t\n", j, f, f32[j], diff, wl)
	}
	return tw.Flush()
}

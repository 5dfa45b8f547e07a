package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "benchmark ops on real model shapes against the machine's peaks measured in the same run",
		run:     runBench,
	})
}

// benchColumnsHelp explains the table's columns in rotor bench -h.
const benchColumnsHelp = `
Columns: time is the best time of one call; GB/s counts bytes read plus written.
Each ratio is to a peak measured in the same run: %copy to the best copy (read plus
write bytes), %read to a sequential read, %gather to a random read of rows of the
row's size, %fma to the fp32 FMA peak. roofline is the least time the row's bytes
(each at the peak of its access pattern) and flops allow, with the bound that sets
it; %roof is roofline over time. ×naive is the speed-up over the op's naive baseline.
`

// maxMinTime bounds --min-time: a full run times about a hundred rows.
const maxMinTime = time.Minute

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rotor bench [--op OP|all] [--backend NAME] [--model NAME] [--quick] [--json | --benchfmt]")
		io.WriteString(fs.Output(), benchColumnsHelp)
		fs.PrintDefaults()
	}
	op := fs.String("op", "all", "op to run: "+strings.Join(bench.Ops(), ", ")+" or all")
	backend := addBackendFlag(fs)
	model := fs.String("model", "", "only this model: "+strings.Join(bench.ModelNames(), ", "))
	quick := fs.Bool("quick", false, "fewer sizes, shorter timing, smaller peak measurements")
	minTime := fs.Duration("min-time", 0, fmt.Sprintf("minimum measuring time per row (default 300ms, 60ms with --quick; at most %v)", maxMinTime))
	asJSON := fs.Bool("json", false, "print a JSON list of rows (op, backend, model, shape, dtype, seconds, gbps, peak_gbps, ratio_to_peak, tflops, …)")
	benchfmt := fs.Bool("benchfmt", false, "print Go benchmark lines that benchstat reads")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *asJSON && *benchfmt {
		return usagef("--json and --benchfmt are exclusive")
	}
	names := map[string]string{"op": "--op", "model": "--model"}
	if err := bench.CheckOp(*op); err != nil {
		return flagError(err, names)
	}
	if *model != "" {
		if _, err := bench.LookupModel(*model); err != nil {
			return flagError(err, names)
		}
	}
	if *minTime < 0 || *minTime > maxMinTime {
		return usageError{ops.Errorf(ops.ErrRange, "--min-time", *minTime, "want a duration in [0, %v]", maxMinTime)}
	}
	b, err := openBackend(*backend)
	if err != nil {
		return err
	}
	defer b.Close()
	opt := bench.Options{Model: *model, Quick: *quick, MinTime: *minTime}
	if !*quiet {
		opt.Log = stderr
		fmt.Fprintf(stderr, "measuring peaks on %s…\n", b.Name())
	}
	start := time.Now()
	ctx, err := bench.NewCtx(b, opt)
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stderr, "peaks: %s\n", ctx.Peaks)
	}
	rows, err := bench.Run(ctx, *op)
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stderr, "%d rows in %.1fs\n", len(rows), time.Since(start).Seconds())
	}
	switch {
	case *asJSON:
		return bench.WriteJSON(stdout, rows)
	case *benchfmt:
		return bench.WriteBenchfmt(stdout, rows)
	}
	return bench.WriteTable(stdout, rows)
}

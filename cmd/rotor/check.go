package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rotorkernels/rotor"
	"github.com/rotorkernels/rotor/crosscheck"
	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

func init() {
	register(&command{
		name:    "check",
		summary: "compare every op of a backend with the fallback and float64 references on random inputs",
		run:     runCheck,
	})
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: rotor check [--backend NAME] [--op OP|all] [--seed N] [--quick] [--json] [--list]")
		fmt.Fprintln(w, "\nEvery op (RoPE, RoPE+append, attention, merge, scores, criticality, top-k, page")
		fmt.Fprintln(w, "metadata and page scores) is compared with float64 references within the bounds")
		fmt.Fprintln(w, "its float32 arithmetic allows, and a GPU backend also with the fallback: bit for")
		fmt.Fprintln(w, "bit where the contract makes the op exact (RoPE and RoPE+append in accurate mode,")
		fmt.Fprintln(w, "top-k, page metadata), else within the sum of both backends' bounds.")
		fmt.Fprintln(w, "Exits 1 when any case fails.")
		fs.PrintDefaults()
	}
	backend := addBackendFlag(fs)
	op := fs.String("op", "all", "op to check: "+strings.Join(crosscheck.Ops(), ", ")+" or all")
	seed := fs.Uint64("seed", 1, "seed of the random inputs")
	quick := fs.Bool("quick", false, "check fewer cases")
	asJSON := fs.Bool("json", false, "print the results as a JSON list")
	list := fs.Bool("list", false, "print the ops that have checks, one a line, and exit")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *op != "all" && !slices.Contains(crosscheck.Ops(), *op) {
		return usageError{ops.Errorf(ops.ErrConfig, "--op", *op, "want one of %s or all", strings.Join(crosscheck.Ops(), ", "))}
	}
	if *list {
		_, err := fmt.Fprintln(stdout, strings.Join(crosscheck.Ops(), "\n"))
		return err
	}
	name := *backend
	if name == "" && slices.Contains(rotor.Backends(), "cuda") {
		name = "cuda"
	}
	test, err := openBackend(name)
	if err != nil {
		return err
	}
	defer test.Close()
	c := &crosscheck.Ctx{Test: test, Seed: *seed, Quick: *quick}
	if test.Name() == fallback.Name {
		fmt.Fprintln(stderr, "only the fallback backend is checked here: comparing it with float64 references")
	} else {
		c.Ref = fallback.New()
		fmt.Fprintf(stderr, "comparing %s with the fallback backend and float64 references\n", test.Name())
	}
	rs, err := crosscheck.Run(c, *op)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if rs == nil {
			rs = []crosscheck.Result{}
		}
		if err := enc.Encode(rs); err != nil {
			return err
		}
	} else if err := crosscheck.WriteTable(stdout, rs); err != nil {
		return err
	}
	if n := crosscheck.Failed(rs); n > 0 {
		return exitError{code: exitFailure, msg: fmt.Sprintf("%d of %d cases failed", n, len(rs))}
	}
	return nil
}

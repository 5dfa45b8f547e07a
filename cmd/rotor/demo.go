package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "what rotor runs with no command: a short audit of a bundled model config and a quick benchmark on the fallback backend",
		run:     runDemo,
	})
}

// demoAuditArgs are the arguments the demo gives "rotor audit": a short
// audit of a bundled model config. The audit command sets them when it
// registers; while they are nil the demo runs the benchmark only.
var demoAuditArgs []string

// demoBenchArgs are the arguments the demo gives "rotor bench".
var demoBenchArgs = []string{"--quick", "--op", "rope", "--model", "llama-3.1-8b", "--backend", "fallback"}

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rotor [demo]")
		fmt.Fprintln(fs.Output(), "\nRuns rotor audit on a bundled model config, then rotor bench "+strings.Join(demoBenchArgs, " ")+".")
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if audit, ok := commands["audit"]; ok && demoAuditArgs != nil {
		fmt.Fprintf(stdout, "$ rotor audit %s\n", strings.Join(demoAuditArgs, " "))
		if err := audit.run(demoAuditArgs, stdout, stderr); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		fmt.Fprintln(stdout)
	} else {
		fmt.Fprintln(stderr, "rotor audit is not in this build; running the benchmark only")
	}
	fmt.Fprintf(stdout, "$ rotor bench %s\n", strings.Join(demoBenchArgs, " "))
	if err := runBench(demoBenchArgs, stdout, stderr); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintln(stdout, "\nMore: rotor help; rotor bench (every model and size); rotor check; rotor info.")
	return nil
}

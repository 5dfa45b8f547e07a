// Command rotor runs rotor's kernels from the command line: precision
// audits, benchmarks, RoPE schedules, RoPE and attention on .npy files,
// selection policies, cross-backend checks and backend information.
//
// Run "rotor help" for the list of subcommands and "rotor CMD -h" for the
// flags of one.
//
// Every command checks all of its flags before it reads an input or
// computes anything. Exit statuses: 0 success; 1 the command ran and
// failed (an unreadable or malformed input, a backend error, an output it
// could not write, failed rotor check cases); 2 the command line is
// wrong (an unknown command or flag, a bad flag value, a missing or
// conflicting flag, a combination that cannot finish); 3 a rotor audit
// gate failed. Commands that write files write each to a temporary file
// beside it and rename them all only once every one was written.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. Each lives in its own file and registers
// itself from init.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// defaultCommand runs when rotor is called with no subcommand.
var defaultCommand = "demo"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	name := defaultCommand
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "rotor: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	err := c.run(args, stdout, stderr)
	code := exitStatus(err)
	if code != exitOK {
		fmt.Fprintf(stderr, "rotor %s: %s\n", name, message(err))
		if code == exitUsage {
			fmt.Fprintf(stderr, "Run 'rotor %s -h' for its flags.\n", name)
		}
	}
	return code
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rotor <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'rotor <command> -h' for a command's flags.")
}

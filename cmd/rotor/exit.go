package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// Exit statuses of rotor, documented in the README.
const (
	exitOK      = 0 // the command succeeded
	exitFailure = 1 // the command ran and failed: an unreadable or malformed input, a backend error, an output it could not write, rotor check cases that failed
	exitUsage   = 2 // the command line is wrong: an unknown command or flag, a bad flag value, a missing or conflicting flag
	exitGate    = 3 // rotor audit: a --fail-above limit or a --fail-gates gate failed
)

// usageError is an error in the command line (exit status 2), found
// before any computation.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// badUsage marks err, if any, as an error in the command line.
func badUsage(err error) error {
	if err == nil {
		return nil
	}
	var u usageError
	if errors.As(err, &u) {
		return err
	}
	return usageError{err}
}

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errHelp is returned when -h printed a command's usage (exit status 0).
var errHelp = errors.New("help printed")

// exitError carries a specific exit status (a failed --fail-above gate,
// failed rotor check cases).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// parseFlags parses args into fs. -h prints the command's usage to
// stdout and returns errHelp; a flag the set does not define or cannot
// parse returns a usageError with the flag package's reason (fs prints
// nothing itself).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == flag.ErrHelp {
		fs.SetOutput(stdout)
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return usageError{errors.New(dashes.ReplaceAllString(err.Error(), "$1--$2"))}
	}
	return nil
}

// dashes finds the flag names in the flag package's messages ("flag
// provided but not defined: -x", "invalid value … for flag -x: …"), which
// the README and the usage text write with two dashes.
var dashes = regexp.MustCompile(`(: |for flag |for )-([A-Za-z])`)

// requireFlags returns a usageError naming the first required flag left
// empty: pairs of flag name and value.
func requireFlags(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return usagef("--%s is required", pairs[i])
		}
	}
	return nil
}

// noArgs returns a usageError for a positional argument left over.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// exitStatus returns the exit status for a command's error.
func exitStatus(err error) int {
	var u usageError
	var e exitError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &e):
		return e.code
	}
	return exitFailure
}

// sentinels are the ops error kinds, whose texts start with "rotor: ".
var sentinels = []error{ops.ErrShape, ops.ErrDType, ops.ErrStride, ops.ErrRange, ops.ErrBuffer,
	ops.ErrConfig, ops.ErrUnsupported, ops.ErrDevice}

// message returns err's text for "rotor CMD: …" lines: the ops kinds
// lose their own "rotor: " prefix, which the line already has.
func message(err error) string {
	s := err.Error()
	for _, k := range sentinels {
		s = strings.ReplaceAll(s, k.Error()+":", strings.TrimPrefix(k.Error(), "rotor: ")+":")
	}
	return s
}

// renameArgs rewrites the argument an *ops.ArgError in err names, from
// an op's name for it to the flag the user typed: names maps an argument
// ("positions", "sel.indices") to a flag ("--pos"); the longest name that
// is the argument or its start before a '.' or '[' wins, and the rest
// is kept ("[3]"; ".shape" becomes " shape"). err is returned, changed
// in place.
func renameArgs(err error, names map[string]string) error {
	var ae *ops.ArgError
	if !errors.As(err, &ae) {
		return err
	}
	best := ""
	for name := range names {
		if len(name) <= len(best) || !strings.HasPrefix(ae.Arg, name) {
			continue
		}
		if rest := ae.Arg[len(name):]; rest == "" || rest[0] == '.' || rest[0] == '[' {
			best = name
		}
	}
	if best != "" {
		rest := ae.Arg[len(best):]
		if strings.HasPrefix(rest, ".") {
			rest = " " + rest[1:]
		}
		ae.Arg = names[best] + rest
	}
	return err
}

// flagError renames err's argument to the flag the user typed, as
// renameArgs does, and marks err as a usageError when the argument then
// is one of the flags in names: the op rejected that flag's value.
func flagError(err error, names map[string]string) error {
	var ae *ops.ArgError
	if !errors.As(err, &ae) {
		return err
	}
	renameArgs(err, names)
	for _, flagName := range names {
		if rest, ok := strings.CutPrefix(ae.Arg, flagName); ok && (rest == "" || rest[0] == ' ' || rest[0] == '[') {
			return badUsage(err)
		}
	}
	return err
}

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print rotor's module version, the Go version it was built with and its VCS revision",
		run:     runVersion,
	})
}

// versionJSON is rotor version's report.
type versionJSON struct {
	Module    string `json:"module"`
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Revision  string `json:"vcs_revision,omitempty"`
	Time      string `json:"vcs_time,omitempty"`
	Modified  bool   `json:"vcs_modified,omitempty"`
	Tags      string `json:"build_tags,omitempty"`
}

// buildVersion reads the build information the Go toolchain embeds: the
// main module's version ("(devel)" for a build from a checkout), the Go
// version and, for a build inside a VCS checkout, the revision, its time
// and whether the tree was modified.
func buildVersion() versionJSON {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionFrom(bi)
}

// versionFrom reads the build information bi (nil when the binary has
// none).
func versionFrom(bi *debug.BuildInfo) versionJSON {
	v := versionJSON{Module: "github.com/rotorkernels/rotor", Version: "unknown", GoVersion: runtime.Version()}
	if bi == nil {
		return v
	}
	if bi.Main.Path != "" {
		v.Module, v.Version = bi.Main.Path, bi.Main.Version
	}
	v.GoVersion = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "-tags":
			v.Tags = s.Value
		}
	}
	return v
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rotor version [--json]")
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print JSON: module, version, go_version, vcs_revision, vcs_time, vcs_modified, build_tags")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	v := buildVersion()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	fmt.Fprintf(stdout, "rotor %s (%s)\n", v.Version, v.Module)
	fmt.Fprintf(stdout, "go:       %s\n", v.GoVersion)
	if v.Revision != "" {
		mod := ""
		if v.Modified {
			mod = " (modified)"
		}
		fmt.Fprintf(stdout, "revision: %s%s %s\n", v.Revision, mod, v.Time)
	}
	if v.Tags != "" {
		fmt.Fprintf(stdout, "tags:     %s\n", v.Tags)
	}
	return nil
}

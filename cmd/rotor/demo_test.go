package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestDemoIsTheDefault(t *testing.T) {
	if defaultCommand != "demo" {
		t.Fatalf("defaultCommand = %q", defaultCommand)
	}
	cliOp()
	savedBench, savedAuditArgs, savedAudit := demoBenchArgs, demoAuditArgs, commands["audit"]
	defer func() {
		demoBenchArgs, demoAuditArgs = savedBench, savedAuditArgs
		if savedAudit != nil {
			commands["audit"] = savedAudit
		} else {
			delete(commands, "audit")
		}
	}()
	demoBenchArgs = []string{"--quick", "--quiet", "--op", "zz-cli", "--model", "llama-3.1-8b"}

	// Without an audit the demo runs the benchmark alone and says so.
	delete(commands, "audit")
	code, out, stderr := runCLI()
	if code != 0 || !strings.Contains(out, "$ rotor bench --quick") || !strings.Contains(out, "zz-cli") ||
		!strings.Contains(stderr, "audit is not in this build") {
		t.Errorf("demo without audit: exit %d\n%s\n%s", code, out, stderr)
	}

	// With an audit registered, the demo runs it first with its args.
	var got []string
	register(&command{name: "audit", summary: "test", run: func(args []string, stdout, _ io.Writer) error {
		got = args
		_, err := io.WriteString(stdout, "AUDIT TABLE\n")
		return err
	}})
	demoAuditArgs = []string{"--model", "x"}
	code, out, _ = runCLI()
	if code != 0 || !slices.Equal(got, demoAuditArgs) || strings.Index(out, "AUDIT TABLE") > strings.Index(out, "zz-cli") {
		t.Errorf("demo with audit: exit %d, audit args %v\n%s", code, got, out)
	}
}

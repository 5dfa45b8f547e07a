package main

import (
	"flag"
	"strings"

	"github.com/rotorkernels/rotor"
	"github.com/rotorkernels/rotor/ops"
)

// addBackendFlag registers --backend on fs. The empty default means the
// build's default backend (rotor.Open).
func addBackendFlag(fs *flag.FlagSet) *string {
	return fs.String("backend", "", "`NAME` of the backend: fallback, cuda or cuda:N (available here: "+
		strings.Join(rotor.Backends(), ", ")+"; default: cuda when built with -tags cuda, else fallback)")
}

// openBackend opens the backend called name, or the build's default when
// name is "". Callers Close it.
func openBackend(name string) (ops.Backend, error) {
	if name == "" {
		return rotor.Open()
	}
	return rotor.OpenBackend(name)
}

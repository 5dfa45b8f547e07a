package main

import (
	"errors"
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
// name is "". Callers Close it. A name that is not a backend, or one this
// build lacks, is a usageError naming --backend; a device that fails to
// open is a plain error.
func openBackend(name string) (ops.Backend, error) {
	var b ops.Backend
	var err error
	if name == "" {
		b, err = rotor.Open()
	} else {
		b, err = rotor.OpenBackend(name)
	}
	if err != nil {
		err = renameArgs(err, map[string]string{"backend": "--backend"})
		if errors.Is(err, ops.ErrConfig) || errors.Is(err, ops.ErrUnsupported) {
			err = badUsage(err)
		}
	}
	return b, err
}

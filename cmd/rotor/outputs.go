package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/rotorkernels/rotor/internal/npy"
	"github.com/rotorkernels/rotor/ops"
)

// outputSet is the files one command writes into one folder. Each is
// written to a temporary file in that folder; commit renames them all to
// their names once every one was written, then removes the files the
// command owns but did not write this time (a k.npy left by an earlier
// rope run with --k beside a new q.npy without one). discard removes the
// temporary files: a command that fails leaves the folder as it was, with
// no partial or truncated output.
type outputSet struct {
	flag    string   // the flag naming the folder or file, for errors
	dir     string   // the folder
	owned   []string // the file names the command may write
	written []string // names written, in order
	temps   map[string]string
}

// newOutputSet checks an output folder before any computation: it is
// created if missing and must accept a new file. owned lists the names
// the command writes there. A problem is a usageError naming flagName.
func newOutputSet(flagName, dir string, owned ...string) (*outputSet, error) {
	bad := func(err error) error {
		return usageError{ops.Errorf(ops.ErrConfig, flagName, dir, "%v", unwrapPath(err))}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, bad(err)
	}
	probe, err := os.CreateTemp(dir, ".rotor-probe-*")
	if err != nil {
		return nil, bad(err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return &outputSet{flag: flagName, dir: dir, owned: owned, temps: map[string]string{}}, nil
}

// newOutputFile checks an output file's flag (--plot FILE): its folder
// as newOutputSet does; the file is the set's one owned name.
func newOutputFile(flagName, file string) (*outputSet, error) {
	return newOutputSet(flagName, filepath.Dir(file), filepath.Base(file))
}

// unwrapPath drops the operation and path of an *os.PathError: the
// message already names the flag and its value.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// write writes one output, name, through fn into a temporary file.
func (o *outputSet) write(name string, fn func(w io.Writer) error) (err error) {
	f, err := os.CreateTemp(o.dir, "."+name+".tmp-*")
	if err != nil {
		return ops.Errorf(ops.ErrConfig, o.flag, o.dir, "creating %s: %v", name, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = ops.Errorf(ops.ErrConfig, o.flag, o.dir, "writing %s: %v", name, unwrapPath(err))
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fn(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if old, ok := o.temps[name]; ok {
		os.Remove(old)
	} else {
		o.written = append(o.written, name)
	}
	o.temps[name] = f.Name()
	return nil
}

// writeNPY writes data (a []float32 or []int32) as a C-order .npy array
// of the given shape.
func (o *outputSet) writeNPY(name string, data any, shape ...int) error {
	return o.write(name, func(w io.Writer) error { return npy.Write(w, data, shape...) })
}

// commit renames every written file to its name and removes the owned
// files not written. It returns the paths written.
func (o *outputSet) commit() ([]string, error) {
	var paths []string
	for i, name := range o.written {
		p := filepath.Join(o.dir, name)
		if err := os.Rename(o.temps[name], p); err != nil {
			for _, rest := range o.written[i:] {
				os.Remove(o.temps[rest])
			}
			return paths, ops.Errorf(ops.ErrConfig, o.flag, o.dir, "renaming into %s: %v", name, err)
		}
		paths = append(paths, p)
	}
	for _, name := range o.owned {
		if !slices.Contains(o.written, name) {
			if err := os.Remove(filepath.Join(o.dir, name)); err != nil && !os.IsNotExist(err) {
				return paths, ops.Errorf(ops.ErrConfig, o.flag, o.dir, "removing the stale %s: %v", name, unwrapPath(err))
			}
		}
	}
	o.written, o.temps = nil, map[string]string{}
	return paths, nil
}

// discard removes the temporary files not committed; it is a no-op after
// commit, so commands defer it.
func (o *outputSet) discard() {
	for _, t := range o.temps {
		os.Remove(t)
	}
	o.written, o.temps = nil, map[string]string{}
}

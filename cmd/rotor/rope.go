package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
)

func init() {
	register(&command{
		name:    "rope",
		summary: "rotate q (and k) from .npy files with a RoPE schedule; write the results as .npy",
		run:     runRoPE,
	})
}

// ropeFlags are the flags of rotor rope besides the schedule's.
type ropeFlags struct {
	q, k, pos, out string
	angles, dtype  string
	backend        *string
}

// ropeArgNames maps the RoPE op's argument names to rotor rope's flags.
var ropeArgNames = map[string]string{"q": "--q", "k": "--k", "positions": "--pos", "angles": "--angles"}

func runRoPE(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rope", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: rotor rope --q q.npy [--k k.npy] --pos pos.npy (--hf-config FILE [--seq-len N] | --head-dim D ...) --out DIR")
		fmt.Fprintln(w, "\nq is [T, Hq, D] and k [T, Hk, D] (float32 or float64), pos [T] (int32 or int64).")
		fmt.Fprintln(w, "Inputs are rounded to --dtype first; DIR/q.npy and DIR/k.npy receive the rotated")
		fmt.Fprintln(w, "values as float32 (exactly the --dtype values). Both are written only when the run")
		fmt.Fprintln(w, "succeeds; a run without --k removes an older DIR/k.npy.")
		fs.PrintDefaults()
	}
	var f ropeFlags
	sched := addScheduleFlags(fs)
	fs.StringVar(&f.q, "q", "", "queries [T, Hq, D] as a .npy `FILE` (required)")
	fs.StringVar(&f.k, "k", "", "keys [T, Hk, D] as a .npy `FILE`")
	fs.StringVar(&f.pos, "pos", "", "positions [T] as a .npy `FILE` of int32 or int64 (required)")
	fs.StringVar(&f.out, "out", "", "output `DIR` for q.npy and k.npy (required; created if missing)")
	fs.StringVar(&f.angles, "angles", "accurate", "angle pipeline: accurate (float64 reduction) or compat (Hugging Face's float32 pos*inv_freq)")
	fs.StringVar(&f.dtype, "dtype", "f32", "element type the op runs in: f32, bf16 or f16")
	f.backend = addBackendFlag(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := requireFlags("q", f.q, "pos", f.pos, "out", f.out); err != nil {
		return err
	}
	mode, err := ops.ParseAngleMode(f.angles)
	if err != nil {
		return badUsage(renameArgs(err, ropeArgNames))
	}
	dt, err := parseFloatDType(f.dtype)
	if err != nil {
		return err
	}
	rot, _, err := sched.resolve()
	if err != nil {
		return err
	}
	out, err := newOutputSet("--out", f.out, "q.npy", "k.npy")
	if err != nil {
		return err
	}
	defer out.discard()
	b, err := openBackend(*f.backend)
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := f.run(b, rot, mode, dt, out)
	if err != nil {
		return renameArgs(err, ropeArgNames)
	}
	fmt.Fprintf(stdout, "rotated q %v", res.qShape)
	if res.kShape != nil {
		fmt.Fprintf(stdout, " and k %v", res.kShape)
	}
	fmt.Fprintf(stdout, " on %s: %s, %s angles, %s, %s\n", b.Name(), rot.Type, mode, rot.Layout, dt)
	for _, p := range res.files {
		fmt.Fprintln(stdout, "wrote", p)
	}
	return nil
}

// ropeResult describes what runRoPE did.
type ropeResult struct {
	qShape, kShape []int
	files          []string
}

// run reads the inputs, rotates them on b and writes the outputs into
// out.
func (f *ropeFlags) run(b ops.Backend, rot *ops.Rotary, mode ops.AngleMode, dt ops.DType, out *outputSet) (*ropeResult, error) {
	qa, err := readNPY("--q", f.q)
	if err != nil {
		return nil, err
	}
	if err := qa.checkRank(3, "[T, Hq, D]"); err != nil {
		return nil, err
	}
	T := qa.shape[0]
	var ka *npyArray
	if f.k != "" {
		if ka, err = readNPY("--k", f.k); err != nil {
			return nil, err
		}
		if err := ka.checkRank(3, "[T, Hk, D]"); err != nil {
			return nil, err
		}
		if ka.shape[0] != T || ka.shape[2] != qa.shape[2] {
			return nil, ops.Errorf(ops.ErrShape, "--k shape", ka.shape, "want [%d, Hk, %d] to match --q %v", T, qa.shape[2], qa.shape)
		}
	}
	pa, err := readNPY("--pos", f.pos)
	if err != nil {
		return nil, err
	}
	if err := pa.checkRank(1, "[T]"); err != nil {
		return nil, err
	}
	if pa.shape[0] != T {
		return nil, ops.Errorf(ops.ErrShape, "--pos shape", pa.shape, "want [%d], one position per token of --q", T)
	}
	pos, err := pa.int32s()
	if err != nil {
		return nil, err
	}
	if err := ops.CheckPositions("--pos", pos); err != nil {
		return nil, err
	}
	if T == 0 {
		return nil, ops.Errorf(ops.ErrShape, "--q shape", qa.shape, "want at least one token")
	}
	q, err := qa.roundedTo(dt)
	if err != nil {
		return nil, err
	}
	res := &ropeResult{qShape: qa.shape}
	qt, err := uploadFloat(b, dt, q, qa.shape)
	if err != nil {
		return nil, err
	}
	defer b.Free(qt)
	args := &ops.RoPEArgs{Q: qt, Rotary: rot, Angles: mode}
	if ka != nil {
		k, err := ka.roundedTo(dt)
		if err != nil {
			return nil, err
		}
		res.kShape = ka.shape
		if args.K, err = uploadFloat(b, dt, k, ka.shape); err != nil {
			return nil, err
		}
		defer b.Free(args.K)
	}
	if args.Positions, err = b.Alloc(ops.I32, T); err != nil {
		return nil, err
	}
	defer b.Free(args.Positions)
	if err := b.Write(args.Positions, ops.Bytes(pos)); err != nil {
		return nil, err
	}
	if err := b.RoPE(args); err != nil {
		return nil, err
	}
	type output struct {
		name  string
		t     *ops.Tensor
		shape []int
	}
	outs := []output{{"q.npy", qt, qa.shape}}
	if args.K != nil {
		outs = append(outs, output{"k.npy", args.K, ka.shape})
	}
	for _, o := range outs {
		vals, err := bench.Download(b, o.t)
		if err != nil {
			return nil, err
		}
		if err := out.writeNPY(o.name, vals, o.shape...); err != nil {
			return nil, err
		}
	}
	res.files, err = out.commit()
	return res, err
}

// uploadFloat allocates a tensor of dtype dt and shape on b and writes x
// (dt values widened to float32) into it.
func uploadFloat(b ops.Backend, dt ops.DType, x []float32, shape []int) (*ops.Tensor, error) {
	t, err := b.Alloc(dt, shape...)
	if err != nil {
		return nil, err
	}
	if err := b.Write(t, bench.EncodeFloat32(dt, x)); err != nil {
		b.Free(t)
		return nil, err
	}
	return t, nil
}

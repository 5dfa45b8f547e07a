package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
)

func init() {
	register(&command{
		name:    "attend",
		summary: "exact softmax attention of q over selected KV slots from .npy files; write o.npy and lse.npy",
		run:     runAttend,
	})
}

// attendFlags are the flags of rotor attend.
type attendFlags struct {
	q, k, v, indices, gran string
	qpos, kpos, sinks      string
	scale, softcap         float64
	dtype, out             string
	backend                *string
}

func runAttend(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("attend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rotor attend --q q.npy --k k.npy --v v.npy [--indices idx.npy [--granularity request|kvhead|query]]")
		fmt.Fprintln(stderr, "                    [--q-pos qpos.npy --k-pos kpos.npy] [--scale s] [--softcap c] [--sinks sinks.npy]")
		fmt.Fprintln(stderr, "                    [--dtype f32|bf16|f16] --out DIR")
		fmt.Fprintln(stderr, "\nq is [Tq, Hq, D], k [S, Hk, D] and v [S, Hk, Dv] (float32 or float64) with Hk dividing Hq;")
		fmt.Fprintln(stderr, "query head h reads kv head h/(Hq/Hk). Index arrays (int32 or int64, -1 = padding) are [W]")
		fmt.Fprintln(stderr, "(request: one row for every head and token), [Hk, W] (kvhead) or [Tq, Hk, W] (query);")
		fmt.Fprintln(stderr, "without --indices every slot is attended. With --q-pos [Tq] and --k-pos [S], slot s is")
		fmt.Fprintln(stderr, "visible to query t iff k_pos[s] <= q_pos[t]. Inputs are rounded to --dtype first;")
		fmt.Fprintln(stderr, "DIR/o.npy [Tq, Hq, Dv] receives O as float32 (exactly the --dtype values) and DIR/lse.npy")
		fmt.Fprintln(stderr, "[Tq, Hq] the natural-log log-sum-exp of the logits (-inf for a row with no visible key).")
		fs.PrintDefaults()
	}
	var f attendFlags
	fs.StringVar(&f.q, "q", "", "queries [Tq, Hq, D] as a .npy `FILE` (required)")
	fs.StringVar(&f.k, "k", "", "key slot pool [S, Hk, D] as a .npy `FILE` (required)")
	fs.StringVar(&f.v, "v", "", "value slot pool [S, Hk, Dv] as a .npy `FILE` (required)")
	fs.StringVar(&f.indices, "indices", "", "selected slots as a .npy `FILE`: [W], [Hk, W] or [Tq, Hk, W], -1 padding")
	fs.StringVar(&f.gran, "granularity", "", "granularity of --indices: request, kvhead or query (default: from its rank)")
	fs.StringVar(&f.qpos, "q-pos", "", "query positions [Tq] as a .npy `FILE` (with --k-pos: causal masking)")
	fs.StringVar(&f.kpos, "k-pos", "", "slot positions [S] as a .npy `FILE`")
	fs.Float64Var(&f.scale, "scale", 0, "softmax scale multiplying q·k (0: 1/sqrt(D))")
	fs.Float64Var(&f.softcap, "softcap", 0, "logit soft-cap c: x -> c·tanh(x/c) after scaling (0: off)")
	fs.StringVar(&f.sinks, "sinks", "", "per-head sink logits [Hq] as a .npy `FILE`")
	fs.StringVar(&f.dtype, "dtype", "f32", "element type the op runs in: f32, bf16 or f16")
	fs.StringVar(&f.out, "out", "", "output `DIR` for o.npy and lse.npy (required; created if missing)")
	f.backend = addBackendFlag(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, req := range []struct{ name, val string }{{"q", f.q}, {"k", f.k}, {"v", f.v}, {"out", f.out}} {
		if req.val == "" {
			fs.Usage()
			return fmt.Errorf("--%s is required", req.name)
		}
	}
	res, err := f.run()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "attended q %v over %s on %s, %s\n", res.qShape, res.sel, res.backend, res.dtype)
	for _, p := range res.files {
		fmt.Fprintln(stdout, "wrote", p)
	}
	return nil
}

// attendResult describes what runAttend did.
type attendResult struct {
	backend string
	dtype   ops.DType
	qShape  []int
	sel     string
	files   []string
}

// attendInputs are the host arrays of one call.
type attendInputs struct {
	q, k, v          *npyArray
	idx              *npyArray
	gran             ops.Granularity
	qpos, kpos, sink *npyArray
}

// read reads and checks the shapes of every input file.
func (f *attendFlags) read() (*attendInputs, error) {
	in := &attendInputs{}
	var err error
	for _, x := range []struct {
		arg, path, want string
		dst             **npyArray
	}{{"q", f.q, "[Tq, Hq, D]", &in.q}, {"k", f.k, "[S, Hk, D]", &in.k}, {"v", f.v, "[S, Hk, Dv]", &in.v}} {
		if *x.dst, err = readNPY(x.arg, x.path); err != nil {
			return nil, err
		}
		if err := (*x.dst).checkRank(3, x.want); err != nil {
			return nil, err
		}
	}
	if f.indices != "" {
		if in.idx, err = readNPY("indices", f.indices); err != nil {
			return nil, err
		}
		rank := len(in.idx.shape)
		if rank < 1 || rank > 3 {
			return nil, ops.Errorf(ops.ErrShape, "indices.shape", in.idx.shape, "want [W], [Hk, W] or [Tq, Hk, W]")
		}
		in.gran = ops.Granularity(rank - 1)
		if f.gran != "" {
			if in.gran, err = ops.ParseGranularity(f.gran); err != nil {
				return nil, err
			}
		}
	} else if f.gran != "" {
		return nil, ops.Errorf(ops.ErrConfig, "granularity", f.gran, "needs --indices")
	}
	if (f.qpos == "") != (f.kpos == "") {
		return nil, ops.Errorf(ops.ErrConfig, "q-pos/k-pos", f.qpos+f.kpos, "give both --q-pos and --k-pos, or neither")
	}
	if f.qpos != "" {
		if in.qpos, err = readNPY("q-pos", f.qpos); err != nil {
			return nil, err
		}
		if in.kpos, err = readNPY("k-pos", f.kpos); err != nil {
			return nil, err
		}
	}
	if f.sinks != "" {
		if in.sink, err = readNPY("sinks", f.sinks); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// run reads the inputs, runs Attention on the chosen backend and writes
// the outputs.
func (f *attendFlags) run() (*attendResult, error) {
	dt, err := ops.ParseDType(f.dtype)
	if err != nil {
		return nil, err
	}
	if !dt.IsFloat() {
		return nil, ops.Errorf(ops.ErrDType, "dtype", f.dtype, "want f32, bf16 or f16")
	}
	in, err := f.read()
	if err != nil {
		return nil, err
	}
	b, err := openBackend(*f.backend)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var owned []*ops.Tensor
	defer func() {
		for _, t := range owned {
			b.Free(t)
		}
	}()
	upFloat := func(a *npyArray, dt ops.DType) (*ops.Tensor, error) {
		x, err := a.roundedTo(dt)
		if err != nil {
			return nil, err
		}
		t, err := uploadFloat(b, dt, x, a.shape)
		if err == nil {
			owned = append(owned, t)
		}
		return t, err
	}
	ints := func(a *npyArray) (*ops.Tensor, error) {
		x, err := a.int32s()
		if err != nil {
			return nil, err
		}
		t, err := b.Alloc(ops.I32, a.shape...)
		if err != nil {
			return nil, err
		}
		owned = append(owned, t)
		return t, b.Write(t, ops.Bytes(x))
	}
	a := &ops.AttentionArgs{Scale: float32(f.scale), SoftCap: float32(f.softcap)}
	if a.Q, err = upFloat(in.q, dt); err != nil {
		return nil, err
	}
	if a.K, err = upFloat(in.k, dt); err != nil {
		return nil, err
	}
	if a.V, err = upFloat(in.v, dt); err != nil {
		return nil, err
	}
	res := &attendResult{backend: b.Name(), dtype: dt, qShape: in.q.shape,
		sel: fmt.Sprintf("all %d slots", in.k.shape[0])}
	if in.idx != nil {
		if a.Sel.Indices, err = ints(in.idx); err != nil {
			return nil, err
		}
		a.Sel.Granularity = in.gran
		res.sel = fmt.Sprintf("%v selection %v", in.gran, in.idx.shape)
	}
	if in.qpos != nil {
		if a.QPos, err = ints(in.qpos); err != nil {
			return nil, err
		}
		if a.KPos, err = ints(in.kpos); err != nil {
			return nil, err
		}
		res.sel += ", causal"
	}
	if in.sink != nil {
		if a.Sinks, err = upFloat(in.sink, ops.F32); err != nil {
			return nil, err
		}
	}
	Tq, Hq := in.q.shape[0], in.q.shape[1]
	if a.O, err = b.Alloc(dt, Tq, Hq, in.v.shape[2]); err != nil {
		return nil, err
	}
	owned = append(owned, a.O)
	if a.LSE, err = b.Alloc(ops.F32, Tq, Hq); err != nil {
		return nil, err
	}
	owned = append(owned, a.LSE)
	if err := b.Attention(a); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return nil, err
	}
	for _, o := range []struct {
		name string
		t    *ops.Tensor
	}{{"o.npy", a.O}, {"lse.npy", a.LSE}} {
		vals, err := bench.Download(b, o.t)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(f.out, o.name)
		if err := writeNPYFloat32(p, vals, o.t.Shape...); err != nil {
			return nil, err
		}
		res.files = append(res.files, p)
	}
	return res, nil
}

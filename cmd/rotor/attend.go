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
		name:    "attend",
		summary: "exact softmax attention of q over selected KV slots from .npy files; write o.npy and lse.npy",
		run:     runAttend,
	})
}

// attendFlags are the flags of rotor attend.
type attendFlags struct {
	q, k, v, indices, gran string
	qpos, kpos, sinks      string
	scale, softcap         *float32Flag
	dtype, out             string
	backend                *string
	methods                *attendMethodFlags
}

// attendArgNames maps the Attention op's argument names to rotor attend's
// flags.
var attendArgNames = map[string]string{"q": "--q", "k": "--k", "v": "--v", "sel.indices": "--indices",
	"sel.granularity": "--granularity", "sel": "--indices", "q_pos": "--q-pos", "k_pos": "--k-pos",
	"q_pos/k_pos": "--q-pos/--k-pos", "sinks": "--sinks", "scale": "--scale", "softcap": "--softcap",
	"q_doc": "--q-doc", "k_doc": "--k-doc", "q_doc/k_doc": "--q-doc/--k-doc", "logn": "--logn",
	"rope.key_pos": "--key-rope", "rope.cap": "--key-rope", "rope.chunk": "--key-rope",
	"rope.rotary.head_dim": "the schedule's head dimension", "angles": "--angles"}

func runAttend(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("attend", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: rotor attend --q q.npy --k k.npy --v v.npy [--indices idx.npy [--granularity request|kvhead|query]]")
		fmt.Fprintln(w, "                    [--q-pos qpos.npy --k-pos kpos.npy] [--scale s] [--softcap c] [--sinks sinks.npy]")
		fmt.Fprintln(w, "                    [--key-rope rank|original|capped:CAP|dual-chunk:CHUNK_SIZE,LOCAL_SIZE")
		fmt.Fprintln(w, "                     (--hf-config FILE | --head-dim D [--base B] [--scaling S] | --inv-freq FILE) [--angles A]]")
		fmt.Fprintln(w, "                    [--q-doc qdoc.npy --k-doc kdoc.npy] [--logn L] [--dtype f32|bf16|f16] --out DIR")
		fmt.Fprintln(w, "\nq is [Tq, Hq, D], k [S, Hk, D] and v [S, Hk, Dv] (float32 or float64) with Hk dividing Hq;")
		fmt.Fprintln(w, "query head h reads kv head h/(Hq/Hk). Index arrays (int32 or int64, -1 = padding) are [W]")
		fmt.Fprintln(w, "(request: one row for every head and token), [Hk, W] (kvhead) or [Tq, Hk, W] (query);")
		fmt.Fprintln(w, "without --indices every slot is attended. With --q-pos [Tq] and --k-pos [S], slot s is")
		fmt.Fprintln(w, "visible to query t iff k_pos[s] <= q_pos[t]; with --q-doc [Tq] and --k-doc [S] (int32 or")
		fmt.Fprintln(w, "int64) also only if k_doc[s] == q_doc[t] or k_doc[s] == -1 (an anchor). --key-rope rotates")
		fmt.Fprintln(w, "keys stored pre-RoPE, and the query, inside the op with the schedule flags (those of")
		fmt.Fprintln(w, "rotor rope); an --hf-config with dual_chunk_attention_config turns Dual Chunk Attention")
		fmt.Fprintln(w, "on by itself and scales the query by its length factor over L = --seq-len, or the largest")
		fmt.Fprintln(w, "query position + 1. --logn L multiplies the logits of the query at q_pos p by")
		fmt.Fprintln(w, "max(1, log_L(p+1)). Inputs are rounded to --dtype first;")
		fmt.Fprintln(w, "DIR/o.npy [Tq, Hq, Dv] receives O as float32 (exactly the --dtype values) and DIR/lse.npy")
		fmt.Fprintln(w, "[Tq, Hq] the natural-log log-sum-exp of the logits (-inf for a row with no visible key).")
		fmt.Fprintln(w, "Both are written only when the run succeeds.")
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
	f.scale = addFloat32Flag(fs, "scale", "softmax scale multiplying q·k (0: 1/sqrt(D))")
	f.softcap = addFloat32Flag(fs, "softcap", "logit soft-cap c: x -> c·tanh(x/c) after scaling (0: off)")
	fs.StringVar(&f.sinks, "sinks", "", "per-head sink logits [Hq] as a .npy `FILE`")
	f.methods = addAttendMethodFlags(fs)
	fs.StringVar(&f.dtype, "dtype", "f32", "element type the op runs in: f32, bf16 or f16")
	fs.StringVar(&f.out, "out", "", "output `DIR` for o.npy and lse.npy (required; created if missing)")
	f.backend = addBackendFlag(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := requireFlags("q", f.q, "k", f.k, "v", f.v, "out", f.out); err != nil {
		return err
	}
	dt, err := parseFloatDType(f.dtype)
	if err != nil {
		return err
	}
	var gran ops.Granularity
	if f.gran != "" {
		if f.indices == "" {
			return usagef("--granularity needs --indices")
		}
		if gran, err = ops.ParseGranularity(f.gran); err != nil {
			return badUsage(renameArgs(err, map[string]string{"granularity": "--granularity"}))
		}
	}
	if (f.qpos == "") != (f.kpos == "") {
		return usagef("give both --q-pos and --k-pos, or neither")
	}
	if (f.methods.qdoc == "") != (f.methods.kdoc == "") {
		return usagef("give both --q-doc and --k-doc, or neither")
	}
	rope, err := f.methods.resolve(fs)
	if err != nil {
		return err
	}
	out, err := newOutputSet("--out", f.out, "o.npy", "lse.npy")
	if err != nil {
		return err
	}
	defer out.discard()
	b, err := openBackend(*f.backend)
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := f.run(b, dt, gran, rope, out)
	if err != nil {
		// The op judges --scale and --softcap: its verdict is on a flag.
		return flagError(renameArgs(err, attendArgNames), map[string]string{"scale": "--scale", "softcap": "--softcap"})
	}
	fmt.Fprintf(stdout, "attended q %v over %s on %s, %s\n", res.qShape, res.sel, b.Name(), dt)
	for _, p := range res.files {
		fmt.Fprintln(stdout, "wrote", p)
	}
	return nil
}

// attendResult describes what runAttend did.
type attendResult struct {
	qShape []int
	sel    string
	files  []string
}

// attendInputs are the host arrays of one call.
type attendInputs struct {
	q, k, v          *npyArray
	idx              *npyArray
	gran             ops.Granularity
	qpos, kpos, sink *npyArray
	qdoc, kdoc       *npyArray
}

// read reads and checks the shapes of every input file.
func (f *attendFlags) read(gran ops.Granularity) (*attendInputs, error) {
	in := &attendInputs{}
	var err error
	for _, x := range []struct {
		arg, path, want string
		dst             **npyArray
	}{{"--q", f.q, "[Tq, Hq, D]", &in.q}, {"--k", f.k, "[S, Hk, D]", &in.k}, {"--v", f.v, "[S, Hk, Dv]", &in.v}} {
		if *x.dst, err = readNPY(x.arg, x.path); err != nil {
			return nil, err
		}
		if err := (*x.dst).checkRank(3, x.want); err != nil {
			return nil, err
		}
	}
	if f.indices != "" {
		if in.idx, err = readNPY("--indices", f.indices); err != nil {
			return nil, err
		}
		rank := len(in.idx.shape)
		if rank < 1 || rank > 3 {
			return nil, ops.Errorf(ops.ErrShape, "--indices shape", in.idx.shape, "want [W], [Hk, W] or [Tq, Hk, W]")
		}
		in.gran = ops.Granularity(rank - 1)
		if f.gran != "" {
			in.gran = gran
		}
	}
	if f.qpos != "" {
		if in.qpos, err = readNPY("--q-pos", f.qpos); err != nil {
			return nil, err
		}
		if in.kpos, err = readNPY("--k-pos", f.kpos); err != nil {
			return nil, err
		}
	}
	if f.sinks != "" {
		if in.sink, err = readNPY("--sinks", f.sinks); err != nil {
			return nil, err
		}
	}
	if f.methods.qdoc != "" {
		if in.qdoc, err = readNPY("--q-doc", f.methods.qdoc); err != nil {
			return nil, err
		}
		if in.kdoc, err = readNPY("--k-doc", f.methods.kdoc); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// run reads the inputs, runs Attention on b and writes the outputs into
// out.
func (f *attendFlags) run(b ops.Backend, dt ops.DType, gran ops.Granularity, rope *attendRoPE, out *outputSet) (*attendResult, error) {
	in, err := f.read(gran)
	if err != nil {
		return nil, err
	}
	// O in dt and its float32 copy for o.npy, LSE and its copy.
	oShape := []int{in.q.shape[0], in.q.shape[1], in.v.shape[2]}
	rows := float64(oShape[0]) * float64(oShape[1])
	if err := checkMemory("--q/--v", oShape, rows*float64(oShape[2])*float64(dt.Size()+4)+8*rows); err != nil {
		return nil, err
	}
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
	var qpos []int32 // the query positions, for DCA's length scaling
	ints := func(a *npyArray) (*ops.Tensor, error) {
		x, err := a.int32s()
		if err != nil {
			return nil, err
		}
		if a == in.qpos {
			qpos = x
		}
		t, err := b.Alloc(ops.I32, a.shape...)
		if err != nil {
			return nil, err
		}
		owned = append(owned, t)
		return t, b.Write(t, ops.Bytes(x))
	}
	a := &ops.AttentionArgs{Scale: f.scale.v, SoftCap: f.softcap.v}
	if a.Q, err = upFloat(in.q, dt); err != nil {
		return nil, err
	}
	if a.K, err = upFloat(in.k, dt); err != nil {
		return nil, err
	}
	if a.V, err = upFloat(in.v, dt); err != nil {
		return nil, err
	}
	res := &attendResult{qShape: in.q.shape,
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
	if in.qdoc != nil {
		if a.QDoc, err = ints(in.qdoc); err != nil {
			return nil, err
		}
		if a.KDoc, err = ints(in.kdoc); err != nil {
			return nil, err
		}
		res.sel += ", document masks"
	}
	if f.methods.logn != 0 {
		if int(int32(f.methods.logn)) != f.methods.logn {
			return nil, ops.Errorf(ops.ErrRange, "logn", f.methods.logn, "want a training length that fits in int32")
		}
		a.LogN = int32(f.methods.logn)
		res.sel += fmt.Sprintf(", log-n at L = %d", f.methods.logn)
	}
	if rope != nil {
		a.RoPE = rope.rope
		res.sel += rope.describe()
		if ls, L := rope.lengthScale(qpos); ls != 1 {
			a.Scale = float32(ls * defaultScale(a.Scale, in.q.shape[2]))
			res.sel += fmt.Sprintf(", length scale %.6g at L = %d", ls, L)
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
	for _, o := range []struct {
		name string
		t    *ops.Tensor
	}{{"o.npy", a.O}, {"lse.npy", a.LSE}} {
		vals, err := bench.Download(b, o.t)
		if err != nil {
			return nil, err
		}
		if err := out.writeNPY(o.name, vals, o.t.Shape...); err != nil {
			return nil, err
		}
	}
	res.files, err = out.commit()
	return res, err
}

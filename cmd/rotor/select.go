package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/sparse"
)

func init() {
	register(&command{
		name:    "select",
		summary: "run a selection policy (tokenselect, quest, squeezed, window) on .npy q and k; write indices.npy",
		run:     runSelect,
	})
}

// selectPolicies are the policies rotor select knows.
var selectPolicies = []string{"tokenselect", "quest", "squeezed", "window"}

// selectFlags are the flags of rotor select.
type selectFlags struct {
	policy                        string
	q, k, out, granularity, dtype string
	budget, sink, local, window   int
	pageSize, clusters, maxIter   int
	threshold                     float64
	scale                         *float32Flag
	seed                          uint64
	backend                       *string
}

// selectArgNames maps the policies' argument names to rotor select's
// flags.
var selectArgNames = map[string]string{"q": "--q", "k": "--k", "budget": "--budget", "sink": "--sink",
	"local": "--local", "window": "--window", "page_size": "--page-size", "clusters": "--clusters",
	"threshold": "--threshold", "max_iter": "--max-iter", "scale": "--scale", "granularity": "--granularity",
	"policy": "policy"}

func runSelect(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("select", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: rotor select tokenselect|quest|squeezed|window --q q.npy --k k.npy [flags] --out DIR")
		fmt.Fprintln(w, "\nq is [Hq, D] or [1, Hq, D] (squeezed also [Tq, Hq, D]: estimates are averaged over the tokens),")
		fmt.Fprintln(w, "k is [S, Hk, D]; both float32 or float64, rounded to --dtype. The context is all S slots.")
		fmt.Fprintln(w, "DIR/indices.npy receives int32 slot indices, -1 padded: [W] for request granularity,")
		fmt.Fprintln(w, "[Hk, W] for kvhead (the index layouts of rotor attend --indices).")
		fmt.Fprintln(w, "\n  tokenselect  --budget (voted tokens) --sink --local [--granularity request|kvhead] [--scale]")
		fmt.Fprintln(w, "  quest        --budget (tokens; budget/page-size pages) --page-size; per kv head")
		fmt.Fprintln(w, "  squeezed     --clusters and --threshold and/or --budget, --local [--seed --max-iter]; per kv head")
		fmt.Fprintln(w, "  window       --sink --window [--granularity request|kvhead] (StreamingLLM / LM-Infinite)")
		fmt.Fprintln(w)
		fs.PrintDefaults()
	}
	var f selectFlags
	fs.StringVar(&f.q, "q", "", "query as a .npy `FILE` (required)")
	fs.StringVar(&f.k, "k", "", "keys [S, Hk, D] as a .npy `FILE` (required)")
	fs.StringVar(&f.out, "out", "", "output `DIR` for indices.npy (required; created if missing)")
	fs.IntVar(&f.budget, "budget", 0, "token budget (tokenselect: voted tokens beyond sink and local; quest, squeezed: tokens)")
	fs.IntVar(&f.sink, "sink", 0, "first tokens always kept (tokenselect, window)")
	fs.IntVar(&f.local, "local", 0, "last tokens always kept (tokenselect, squeezed)")
	fs.IntVar(&f.window, "window", 0, "recent tokens kept (window)")
	fs.IntVar(&f.pageSize, "page-size", 16, "slots per page (quest)")
	fs.IntVar(&f.clusters, "clusters", 0, "k-means clusters per kv head (squeezed)")
	fs.Float64Var(&f.threshold, "threshold", 0, "keep clusters whose estimated per-key attention probability exceeds `x` (squeezed)")
	fs.IntVar(&f.maxIter, "max-iter", 0, "k-means round cap (squeezed; 0 = default)")
	fs.Uint64Var(&f.seed, "seed", 0, "k-means++ seed (squeezed)")
	f.scale = addFloat32Flag(fs, "scale", "multiplier of q·k in the scores (0 = 1/sqrt(D))")
	fs.StringVar(&f.granularity, "granularity", "", "request or kvhead (default: request for tokenselect and window; quest and squeezed are kvhead)")
	fs.StringVar(&f.dtype, "dtype", "f32", "element type the policy runs in: f32, bf16 or f16")
	f.backend = addBackendFlag(fs)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		f.policy, args = args[0], args[1:]
	}
	// The policy may come first, last or between flags.
	for {
		if err := parseFlags(fs, args, stdout); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		if f.policy != "" {
			return usagef("unexpected argument %q", fs.Arg(0))
		}
		f.policy, args = fs.Arg(0), fs.Args()[1:]
	}
	if f.policy == "" {
		return usagef("a policy is required: %s", strings.Join(selectPolicies, ", "))
	}
	if !slices.Contains(selectPolicies, f.policy) {
		return usagef("unknown policy %q: want %s", f.policy, strings.Join(selectPolicies, ", "))
	}
	if err := requireFlags("q", f.q, "k", f.k, "out", f.out); err != nil {
		return err
	}
	dt, err := parseFloatDType(f.dtype)
	if err != nil {
		return err
	}
	out, err := newOutputSet("--out", f.out, "indices.npy")
	if err != nil {
		return err
	}
	defer out.discard()
	b, err := openBackend(*f.backend)
	if err != nil {
		return err
	}
	defer b.Close()
	var pol sparse.Policy
	if f.policy != "squeezed" { // squeezed clusters the keys as it is built
		if pol, err = f.policyFor(b, sparse.Context{}); err != nil {
			return err
		}
	}
	res, err := f.run(b, dt, pol, out)
	if err != nil {
		return renameArgs(err, selectArgNames)
	}
	fmt.Fprintf(stdout, "%s on %s: %s selection %v over %d slots, %d of %d entries used\n",
		f.policy, b.Name(), res.granularity, res.shape, res.slots, res.used, res.total)
	fmt.Fprintln(stdout, "wrote", res.file)
	return nil
}

// checkWidth rejects, before any selection row is allocated, a count
// flag larger than the S slots of --k: rows are sink + budget + local
// (tokenselect), sink + window (window), budget (quest) or budget + local
// (squeezed) wide, so each part beyond S would only add padding, and a
// budget of 10^8 over 16 slots would allocate gigabytes of it.
func (f *selectFlags) checkWidth(S int) error {
	for _, c := range []struct {
		name string
		v    int
	}{{"budget", f.budget}, {"sink", f.sink}, {"local", f.local}, {"window", f.window}} {
		if c.v > S {
			return usageError{ops.Errorf(ops.ErrRange, "--"+c.name, c.v, "more than the %d slots of --k", S)}
		}
	}
	return nil
}

// selectResult describes what runSelect did.
type selectResult struct {
	granularity ops.Granularity
	shape       []int
	slots       int
	used, total int
	file        string
}

// policyFor builds the chosen policy on b; ctx is the keys' context
// (squeezed only). Its argument errors are usageErrors naming the flag.
func (f *selectFlags) policyFor(b ops.Backend, ctx sparse.Context) (sparse.Policy, error) {
	p, err := f.newPolicy(b, ctx)
	var ae *ops.ArgError
	if err != nil && errors.As(err, &ae) && !errors.Is(err, ops.ErrDevice) && !strings.HasPrefix(ae.Arg, "ctx") {
		return nil, badUsage(renameArgs(err, selectArgNames))
	}
	return p, err
}

// newPolicy builds the chosen policy on b.
func (f *selectFlags) newPolicy(b ops.Backend, ctx sparse.Context) (sparse.Policy, error) {
	var g ops.Granularity
	if f.granularity != "" {
		var err error
		if g, err = ops.ParseGranularity(f.granularity); err != nil {
			return nil, err
		}
	}
	scale := f.scale.v // NaN, Inf and negative scales fail in the policies
	perHead := func() error {
		if f.granularity != "" && g != ops.PerKVHead {
			return ops.Errorf(ops.ErrConfig, "granularity", f.granularity, "%s selects per kv head: want kvhead", f.policy)
		}
		return nil
	}
	switch f.policy {
	case "tokenselect":
		return sparse.NewTokenSelect(b, sparse.TokenSelectConfig{Budget: f.budget, Sink: f.sink, Local: f.local,
			Granularity: g, Scale: scale, NoCache: true})
	case "quest":
		if err := perHead(); err != nil {
			return nil, err
		}
		return sparse.NewQuest(b, sparse.QuestConfig{PageSize: f.pageSize, Budget: f.budget, Scale: scale})
	case "squeezed":
		if err := perHead(); err != nil {
			return nil, err
		}
		return sparse.NewSqueezed(b, ctx, sparse.SqueezedConfig{Clusters: f.clusters, Threshold: f.threshold,
			Budget: f.budget, Local: f.local, Scale: scale, Seed: f.seed, MaxIter: f.maxIter})
	case "window":
		return sparse.NewWindow(b, sparse.WindowConfig{Sink: f.sink, Window: f.window, Granularity: g})
	}
	return nil, ops.Errorf(ops.ErrConfig, "policy", f.policy, "want one of %s", strings.Join(selectPolicies, ", "))
}

// run reads q and k, selects on b with pol (nil: build the squeezed
// policy from k) and writes indices.npy into out.
func (f *selectFlags) run(b ops.Backend, dt ops.DType, pol sparse.Policy, out *outputSet) (*selectResult, error) {
	ka, err := readNPY("--k", f.k)
	if err != nil {
		return nil, err
	}
	if err := ka.checkRank(3, "[S, Hk, D]"); err != nil {
		return nil, err
	}
	if err := f.checkWidth(ka.shape[0]); err != nil {
		return nil, err
	}
	qa, err := readNPY("--q", f.q)
	if err != nil {
		return nil, err
	}
	qShape := qa.shape
	switch {
	case len(qShape) == 2:
	case len(qShape) == 3 && (qShape[0] == 1 || f.policy == "squeezed"):
	default:
		return nil, ops.Errorf(ops.ErrShape, "--q shape", qShape, "want [Hq, D] or [1, Hq, D]")
	}
	if d := qShape[len(qShape)-1]; d != ka.shape[2] {
		return nil, ops.Errorf(ops.ErrShape, "--q shape", qShape, "want head dim %d to match --k %v", ka.shape[2], ka.shape)
	}
	// The policies score every query head against every slot: Hq × S
	// float32 scores (and as many again for their softmax and votes).
	hq := qShape[len(qShape)-2]
	if err := checkMemory("--q/--k", []int{hq, ka.shape[0]}, 8*float64(hq)*float64(ka.shape[0])); err != nil {
		return nil, err
	}
	q, err := qa.roundedTo(dt)
	if err != nil {
		return nil, err
	}
	k, err := ka.roundedTo(dt)
	if err != nil {
		return nil, err
	}

	kt, err := uploadFloat(b, dt, k, ka.shape)
	if err != nil {
		return nil, err
	}
	defer b.Free(kt)
	qt, err := uploadFloat(b, dt, q, qShape)
	if err != nil {
		return nil, err
	}
	defer b.Free(qt)
	ctx := sparse.Context{K: kt, Len: ka.shape[0]}
	if pol == nil {
		if pol, err = f.policyFor(b, ctx); err != nil {
			return nil, err
		}
	}
	sel, err := pol.Select(qt, ctx)
	if err != nil {
		return nil, err
	}
	idx := make([]int32, sel.Indices.Len())
	if err := b.Read(ops.Bytes(idx), sel.Indices); err != nil {
		return nil, err
	}
	res := &selectResult{granularity: sel.Granularity, shape: sel.Indices.Shape,
		slots: ka.shape[0], total: len(idx)}
	for _, s := range idx {
		if s >= 0 {
			res.used++
		}
	}
	if err := out.writeNPY("indices.npy", idx, res.shape...); err != nil {
		return nil, err
	}
	files, err := out.commit()
	if len(files) > 0 {
		res.file = files[0]
	}
	return res, err
}

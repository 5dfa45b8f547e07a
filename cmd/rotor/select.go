package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	scale                         float64
	seed                          uint64
	backend                       *string
}

func runSelect(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("select", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rotor select tokenselect|quest|squeezed|window --q q.npy --k k.npy [flags] --out DIR")
		fmt.Fprintln(stderr, "\nq is [Hq, D] or [1, Hq, D] (squeezed also [Tq, Hq, D]: estimates are averaged over the tokens),")
		fmt.Fprintln(stderr, "k is [S, Hk, D]; both float32 or float64, rounded to --dtype. The context is all S slots.")
		fmt.Fprintln(stderr, "DIR/indices.npy receives int32 slot indices, -1 padded: [W] for request granularity,")
		fmt.Fprintln(stderr, "[Hk, W] for kvhead (the index layouts of rotor attend --indices).")
		fmt.Fprintln(stderr, "\n  tokenselect  --budget (voted tokens) --sink --local [--granularity request|kvhead] [--scale]")
		fmt.Fprintln(stderr, "  quest        --budget (tokens; budget/page-size pages) --page-size; per kv head")
		fmt.Fprintln(stderr, "  squeezed     --clusters and --threshold and/or --budget, --local [--seed --max-iter]; per kv head")
		fmt.Fprintln(stderr, "  window       --sink --window [--granularity request|kvhead] (StreamingLLM / LM-Infinite)")
		fmt.Fprintln(stderr)
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
	fs.Float64Var(&f.scale, "scale", 0, "multiplier of q·k in the scores (0 = 1/sqrt(D))")
	fs.StringVar(&f.granularity, "granularity", "", "request or kvhead (default: request for tokenselect and window; quest and squeezed are kvhead)")
	fs.StringVar(&f.dtype, "dtype", "f32", "element type the policy runs in: f32, bf16 or f16")
	f.backend = addBackendFlag(fs)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		f.policy, args = args[0], args[1:]
	}
	// The policy may come first, last or between flags.
	for {
		if err := fs.Parse(args); err != nil {
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		if f.policy != "" {
			return fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		f.policy, args = fs.Arg(0), fs.Args()[1:]
	}
	if f.policy == "" {
		fs.Usage()
		return fmt.Errorf("a policy is required: %s", strings.Join(selectPolicies, ", "))
	}
	for _, req := range []struct{ name, val string }{{"q", f.q}, {"k", f.k}, {"out", f.out}} {
		if req.val == "" {
			fs.Usage()
			return fmt.Errorf("--%s is required", req.name)
		}
	}
	res, err := f.run()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s on %s: %s selection %v over %d slots, %d of %d entries used\n",
		f.policy, res.backend, res.granularity, res.shape, res.slots, res.used, res.total)
	fmt.Fprintln(stdout, "wrote", res.file)
	return nil
}

// selectResult describes what runSelect did.
type selectResult struct {
	backend     string
	granularity ops.Granularity
	shape       []int
	slots       int
	used, total int
	file        string
}

// policyFor builds the chosen policy on b; ctx is the keys' context.
func (f *selectFlags) policyFor(b ops.Backend, ctx sparse.Context) (sparse.Policy, error) {
	var g ops.Granularity
	if f.granularity != "" {
		var err error
		if g, err = ops.ParseGranularity(f.granularity); err != nil {
			return nil, err
		}
	}
	scale := float32(f.scale) // NaN, Inf and negative scales fail in the policies
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

// run reads q and k, selects on the chosen backend and writes indices.npy.
func (f *selectFlags) run() (*selectResult, error) {
	dt, err := ops.ParseDType(f.dtype)
	if err != nil {
		return nil, err
	}
	if !dt.IsFloat() {
		return nil, ops.Errorf(ops.ErrDType, "dtype", f.dtype, "want f32, bf16 or f16")
	}
	ka, err := readNPY("k", f.k)
	if err != nil {
		return nil, err
	}
	if err := ka.checkRank(3, "[S, Hk, D]"); err != nil {
		return nil, err
	}
	qa, err := readNPY("q", f.q)
	if err != nil {
		return nil, err
	}
	qShape := qa.shape
	switch {
	case len(qShape) == 2:
	case len(qShape) == 3 && (qShape[0] == 1 || f.policy == "squeezed"):
	default:
		return nil, ops.Errorf(ops.ErrShape, "q.shape", qShape, "want [Hq, D] or [1, Hq, D]")
	}
	if d := qShape[len(qShape)-1]; d != ka.shape[2] {
		return nil, ops.Errorf(ops.ErrShape, "q.shape", qShape, "want head dim %d to match k %v", ka.shape[2], ka.shape)
	}
	q, err := qa.roundedTo(dt)
	if err != nil {
		return nil, err
	}
	k, err := ka.roundedTo(dt)
	if err != nil {
		return nil, err
	}

	b, err := openBackend(*f.backend)
	if err != nil {
		return nil, err
	}
	defer b.Close()
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
	pol, err := f.policyFor(b, ctx)
	if err != nil {
		return nil, err
	}
	sel, err := pol.Select(qt, ctx)
	if err != nil {
		return nil, err
	}
	idx := make([]int32, sel.Indices.Len())
	if err := b.Read(ops.Bytes(idx), sel.Indices); err != nil {
		return nil, err
	}
	res := &selectResult{backend: b.Name(), granularity: sel.Granularity, shape: sel.Indices.Shape,
		slots: ka.shape[0], total: len(idx)}
	for _, s := range idx {
		if s >= 0 {
			res.used++
		}
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return nil, err
	}
	res.file = filepath.Join(f.out, "indices.npy")
	return res, writeNPYInt32(res.file, idx, res.shape...)
}

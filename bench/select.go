package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/rotorkernels/rotor/ops"
)

func init() { Register("select", benchSelect) }

// Selection rows, per model, over the same 128k-slot bf16 pool as the
// attention rows (one query token): Scores against every slot (the scan
// TokenSelect makes each step; bytes are K read, q read, the float32
// scores written), Criticality of those scores (bytes: scores read
// once, the vote written), TopK of 2048 from the vote (scores read,
// indices written), PageMeta of the whole pool in pages of 16 slots (K
// read, min and max written) and PageScores of every page (min and max
// read, scores written). Every row reads its main input once in address
// order (ReadBytes: the roofline reads it at the read peak); what it
// writes is costed at the copy peak.
const (
	selectTopK     = 2048
	selectPageSize = 16
)

func benchSelect(c *Ctx) ([]Result, error) {
	var rows []Result
	for _, m := range c.Models() {
		r, err := selectModel(c, m)
		rows = append(rows, r...)
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// selectModel measures the selection primitives of model m.
func selectModel(c *Ctx, m Model) ([]Result, error) {
	b := c.Backend
	pool, err := newAttendPool(b, m, attendPoolSlots)
	if err != nil {
		return nil, fmt.Errorf("select %s: pool: %w", m.Name, err)
	}
	defer pool.free(b)
	ts := &tensorSet{b: b}
	defer ts.free()
	alloc := ts.alloc
	S, Hq, Hk, D := pool.slots, m.QHeads, m.KVHeads, m.HeadDim
	P := ops.PageCount(S, selectPageSize)
	q, err := alloc(ops.BF16, Hq, D)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(Hq), 11))
	qh := make([]uint16, Hq*D)
	for i := range qh {
		qh[i] = uint16(rng.Uint32())&0x807f | 0x3f00
	}
	if err := b.Write(q, ops.Bytes(qh)); err != nil {
		return nil, err
	}
	scores, err := alloc(ops.F32, Hq, S)
	if err != nil {
		return nil, err
	}
	vote, err := alloc(ops.F32, S)
	if err != nil {
		return nil, err
	}
	top, err := alloc(ops.I32, 1, selectTopK)
	if err != nil {
		return nil, err
	}
	mn, err := alloc(ops.F32, P, Hk, D)
	if err != nil {
		return nil, err
	}
	mx, err := alloc(ops.F32, P, Hk, D)
	if err != nil {
		return nil, err
	}
	pageOut, err := alloc(ops.F32, Hq, P)
	if err != nil {
		return nil, err
	}
	calls := map[string]func() error{
		"scores": func() error { return b.Scores(&ops.ScoresArgs{Q: q, K: pool.k, Out: scores}) },
		"criticality": func() error {
			return b.Criticality(&ops.CriticalityArgs{Scores: scores, Out: vote})
		},
		"topk": func() error {
			return b.TopK(&ops.TopKArgs{Scores: vote.Sub(0, []int{1, S}, 0), K: selectTopK, Out: top})
		},
		"pagemeta": func() error {
			return b.PageMeta(&ops.PageMetaArgs{K: pool.k, PageSize: selectPageSize, To: S, Min: mn, Max: mx})
		},
		"pagescores": func() error {
			return b.PageScores(&ops.PageScoresArgs{Q: q, Min: mn, Max: mx, Pages: P, Out: pageOut})
		},
	}
	var rows []Result
	for _, r := range selectTraffic(S, Hq, Hk, D) {
		name := r.Op
		r.Op, r.Model, r.DType, r.Notes = "select", m.Name, ops.BF16.String(), name+pool.note
		tm, err := c.Time(calls[name])
		switch {
		case errors.Is(err, ops.ErrUnsupported):
			r.Skipped, r.Notes = true, err.Error()
		case err != nil:
			return rows, fmt.Errorf("select %s %s: %w", m.Name, name, err)
		default:
			r.Seconds, r.MedianSeconds, r.Calls = tm.Seconds(), tm.Median.Seconds(), tm.Calls
		}
		rows = append(rows, c.Finish(r))
	}
	return rows, nil
}

// selectTraffic returns, for each selection row over S bf16 slots of Hk
// kv heads (Hq query heads, head dim D), a Result holding the primitive's
// name in Op, its shape and its traffic (see the *Traffic functions).
func selectTraffic(S, Hq, Hk, D int) []Result {
	P := ops.PageCount(S, selectPageSize)
	named := func(op, shape string, r Result) Result {
		r.Op, r.Shape = op, op+" "+shape
		return r
	}
	return []Result{
		named("scores", fmt.Sprintf("S=%d Hq=%d Hk=%d D=%d", S, Hq, Hk, D), scoresTraffic(S, Hq, Hk, D)),
		named("criticality", fmt.Sprintf("N=%d Hq=%d", S, Hq), criticalityTraffic(S, Hq, 1)),
		named("topk", fmt.Sprintf("N=%d k=%d", S, selectTopK), topKTraffic(S, 1, selectTopK)),
		named("pagemeta", fmt.Sprintf("S=%d P=%d Hk=%d D=%d", S, selectPageSize, Hk, D), pageMetaTraffic(S, Hk, D)),
		named("pagescores", fmt.Sprintf("pages=%d Hq=%d Hk=%d D=%d", P, Hq, Hk, D), pageScoresTraffic(P, Hq, Hk, D)),
	}
}

// scoresTraffic is the traffic of Scores over S bf16 slots: K read in
// slot order, q read, the float32 scores [Hq, S] written; 2·D flops per
// query head and slot.
func scoresTraffic(S, Hq, Hk, D int) Result {
	k := float64(S * Hk * D * 2)
	return Result{Bytes: k + float64(Hq*D*2) + float64(Hq*S*4), ReadBytes: k, Flops: 2 * float64(Hq) * float64(S) * float64(D)}
}

// criticalityTraffic is the traffic of Criticality votes over N
// candidates for Hq query heads into rows vote rows: the scores read in
// order, the votes written (the exponentials are not counted as flops).
func criticalityTraffic(N, Hq, rows int) Result {
	in := float64(Hq * N * 4)
	return Result{Bytes: in + float64(rows*N*4), ReadBytes: in}
}

// topKTraffic is the traffic of TopK of k from rows rows of N votes: the
// votes read in order, the indices written.
func topKTraffic(N, rows, k int) Result {
	in := float64(rows * N * 4)
	return Result{Bytes: in + float64(rows*k*4), ReadBytes: in}
}

// pageMetaTraffic is the traffic of PageMeta over S bf16 slots: K read in
// slot order, the float32 min and max of every page written.
func pageMetaTraffic(S, Hk, D int) Result {
	k := float64(S * Hk * D * 2)
	return Result{Bytes: k + 2*float64(ops.PageCount(S, selectPageSize)*Hk*D*4), ReadBytes: k}
}

// pageScoresTraffic is the traffic of PageScores over P pages: their
// float32 min and max read in order, a bound per query head and page
// written; 4·D flops per bound (two products, a max and a sum per
// element).
func pageScoresTraffic(P, Hq, Hk, D int) Result {
	meta := 2 * float64(P*Hk*D*4)
	return Result{Bytes: meta + float64(Hq*P*4), ReadBytes: meta, Flops: 4 * float64(Hq) * float64(P) * float64(D)}
}

// addTraffic returns the traffic of a followed by b: bytes, in-order
// reads, gathered bytes and flops summed; b's gathered row size, else
// a's.
func addTraffic(a, b Result) Result {
	r := Result{Bytes: a.Bytes + b.Bytes, ReadBytes: a.ReadBytes + b.ReadBytes,
		GatherBytes: a.GatherBytes + b.GatherBytes, GatherRowBytes: a.GatherRowBytes, Flops: a.Flops + b.Flops}
	if b.GatherRowBytes > 0 {
		r.GatherRowBytes = b.GatherRowBytes
	}
	return r
}

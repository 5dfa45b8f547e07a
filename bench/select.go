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
	pool, err := newAttendPool(b, m)
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
// name in Op, its shape, the bytes it moves, the part of them read once
// in address order, and its flops: Scores reads K (the q·k products: 2·D
// flops per query head and slot) and writes the float32 scores;
// Criticality reads the scores and writes the vote (its exponentials are
// not counted as flops); TopK reads the vote and writes selectTopK
// indices; PageMeta reads K and writes the float32 min and max of every
// page; PageScores reads them and writes a bound per query head and page
// (4·D flops each: two products, a max and a sum).
func selectTraffic(S, Hq, Hk, D int) []Result {
	P := ops.PageCount(S, selectPageSize)
	k := float64(S * Hk * D * 2)
	meta := float64(P * Hk * D * 4) // one of min and max
	scores := float64(Hq * S * 4)
	return []Result{
		{Op: "scores", Shape: fmt.Sprintf("scores S=%d Hq=%d Hk=%d D=%d", S, Hq, Hk, D),
			Bytes: k + float64(Hq*D*2) + scores, ReadBytes: k, Flops: 2 * float64(Hq) * float64(S) * float64(D)},
		{Op: "criticality", Shape: fmt.Sprintf("criticality N=%d Hq=%d", S, Hq),
			Bytes: scores + float64(S*4), ReadBytes: scores},
		{Op: "topk", Shape: fmt.Sprintf("topk N=%d k=%d", S, selectTopK),
			Bytes: float64(S*4) + selectTopK*4, ReadBytes: float64(S * 4)},
		{Op: "pagemeta", Shape: fmt.Sprintf("pagemeta S=%d P=%d Hk=%d D=%d", S, selectPageSize, Hk, D),
			Bytes: k + 2*meta, ReadBytes: k},
		{Op: "pagescores", Shape: fmt.Sprintf("pagescores pages=%d Hq=%d Hk=%d D=%d", P, Hq, Hk, D),
			Bytes: 2*meta + float64(Hq*P*4), ReadBytes: 2 * meta, Flops: 4 * float64(Hq) * float64(P) * float64(D)},
	}
}

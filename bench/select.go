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
// read, scores written). On a host backend the scan and PageMeta rows,
// which read the whole pool once in slot order, also report their
// bandwidth against a sequential read measured in the same run
// (StreamGBps).
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
	kBytes := float64(S * Hk * D * 2)
	meta := float64(P * Hk * D * 4)
	type row struct {
		name, shape string
		bytes       float64
		flops       float64
		streams     bool // reads the whole pool once, in slot order
		call        func() error
	}
	rowsIn := []row{
		{"scores", fmt.Sprintf("S=%d Hq=%d Hk=%d D=%d", S, Hq, Hk, D), kBytes + float64(Hq*D*2) + float64(Hq*S*4),
			2 * float64(Hq) * float64(S) * float64(D), true,
			func() error { return b.Scores(&ops.ScoresArgs{Q: q, K: pool.k, Out: scores}) }},
		{"criticality", fmt.Sprintf("N=%d Hq=%d", S, Hq), float64(Hq*S*4) + float64(S*4), 0, false,
			func() error { return b.Criticality(&ops.CriticalityArgs{Scores: scores, Out: vote}) }},
		{"topk", fmt.Sprintf("N=%d k=%d", S, selectTopK), float64(S*4) + selectTopK*4, 0, false,
			func() error {
				return b.TopK(&ops.TopKArgs{Scores: vote.Sub(0, []int{1, S}, 0), K: selectTopK, Out: top})
			}},
		{"pagemeta", fmt.Sprintf("S=%d P=%d Hk=%d D=%d", S, selectPageSize, Hk, D), kBytes + 2*meta, 0, true,
			func() error {
				return b.PageMeta(&ops.PageMetaArgs{K: pool.k, PageSize: selectPageSize, To: S, Min: mn, Max: mx})
			}},
		{"pagescores", fmt.Sprintf("pages=%d Hq=%d Hk=%d D=%d", P, Hq, Hk, D), 2*meta + float64(Hq*P*4),
			4 * float64(Hq) * float64(P) * float64(D), false,
			func() error {
				return b.PageScores(&ops.PageScoresArgs{Q: q, Min: mn, Max: mx, Pages: P, Out: pageOut})
			}},
	}
	stream := 0.0 // the host's sequential read bandwidth
	if _, dev := b.(PeakMeasurer); !dev {
		stream = c.streamPeak()
	}
	var rows []Result
	for _, rr := range rowsIn {
		r := Result{Op: "select", Model: m.Name, DType: ops.BF16.String(), Shape: rr.name + " " + rr.shape,
			Bytes: rr.bytes, Flops: rr.flops, Notes: rr.name + pool.note}
		tm, err := c.Time(rr.call)
		switch {
		case errors.Is(err, ops.ErrUnsupported):
			r.Skipped, r.Notes = true, err.Error()
		case err != nil:
			return rows, fmt.Errorf("select %s %s: %w", m.Name, rr.name, err)
		default:
			r.Seconds, r.MedianSeconds, r.Calls = tm.Seconds(), tm.Median.Seconds(), tm.Calls
		}
		if rr.streams {
			r.StreamPeakGBps = stream
		}
		r = c.Finish(r)
		if r.RatioToStreamPeak > 0 {
			r.Notes += fmt.Sprintf("; %.0f%% of a sequential read measured in this run (%.1f GB/s)",
				100*r.RatioToStreamPeak, r.StreamPeakGBps)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

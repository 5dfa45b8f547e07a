package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/rotorkernels/rotor/ops"
)

func init() { Register("attend", benchAttend) }

// Attention rows, per model: decode (one query token, timed from cold
// caches with Ctx.TimeCold) over 2k, 8k and 32k selected slots of a
// 128k-slot bf16 KV pool, with dense attention over the whole pool as the
// baseline (ratio_to_naive is the sparse speedup:
// selection 1/64 at sel=2048, 1/16 at sel=8192), and prefill of 512 query
// tokens over 4096 selected slots (GFLOP/s against the FMA peak).
// Selections are sorted distinct random slots shared by every head, as
// TokenSelect passes them. On a backend with SIMD levels (SIMDLimiter),
// each sparse decode row is timed a second time on the plain-Go path.
// Bytes count the K and V rows read (all kv heads of each selected slot),
// q read and O and LSE written; the roofline reads the K and V rows at
// the read peak for the dense row (the whole pool in slot order) and at
// the gather peak of one slot's K row size for the others.
var (
	attendSelected      = []int{2048, 8192, 32768}
	attendSelectedQuick = []int{2048, 8192}
)

const (
	attendPoolSlots    = 128 << 10
	attendPoolMaxBytes = 1 << 30 // K and V together; larger pools are halved
	attendPrefillT     = 512
	attendPrefillSel   = 4096
)

func benchAttend(c *Ctx) ([]Result, error) {
	var rows []Result
	for _, m := range c.Models() {
		r, err := attendModel(c, m)
		rows = append(rows, r...)
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// attendPool is a model's bf16 K and V slot pool on the backend.
type attendPool struct {
	k, v  *ops.Tensor
	slots int
	note  string
}

// newAttendPool allocates and fills a pool of up to slots slots for m
// (halved while K and V would exceed attendPoolMaxBytes) with values in
// ±[0.5, 2).
func newAttendPool(b ops.Backend, m Model, slots int) (*attendPool, error) {
	p := &attendPool{slots: slots}
	row := m.KVHeads * m.HeadDim * 2 // bytes of one slot's K (or V) rows
	for p.slots > 1024 && 2*p.slots*row > attendPoolMaxBytes {
		p.slots /= 2
	}
	if p.slots < slots {
		p.note = fmt.Sprintf("; pool reduced to %d slots to stay within %d MiB", p.slots, attendPoolMaxBytes>>20)
	}
	host := make([]uint16, p.slots*m.KVHeads*m.HeadDim)
	for i, t := range []**ops.Tensor{&p.k, &p.v} {
		x := uint32(i + 1)
		for j := range host {
			x = x*1664525 + 1013904223
			host[j] = uint16(x>>31)<<15 | uint16(126+x>>30&1)<<7 | uint16(x>>20&0x7f)
		}
		var err error
		if *t, err = b.Alloc(ops.BF16, p.slots, m.KVHeads, m.HeadDim); err != nil {
			p.free(b)
			return nil, err
		}
		if err := b.Write(*t, ops.Bytes(host)); err != nil {
			p.free(b)
			return nil, err
		}
	}
	return p, nil
}

func (p *attendPool) free(b ops.Backend) {
	for _, t := range []*ops.Tensor{p.k, p.v} {
		if t != nil {
			_ = b.Free(t)
		}
	}
}

// attendSlots returns n sorted distinct random slots below S.
func attendSlots(rng *rand.Rand, n, S int) []int32 {
	perm := rng.Perm(S)[:n]
	out := make([]int32, n)
	for i, s := range perm {
		out[i] = int32(s)
	}
	slices.Sort(out)
	return out
}

// AttentionBytes returns the bytes one attention call moves: the K and V
// rows of n selected slots for all Hk kv heads (KVBytes), q [Tq,Hq,D]
// read, O [Tq,Hq,Dv] and the float32 LSE written, for 2-byte elements
// when dt is BF16 or F16.
func AttentionBytes(Tq, Hq, Hk, D, Dv, n int, dt ops.DType) float64 {
	return KVBytes(Hk, D, Dv, n, dt) + float64(Tq*Hq)*(float64((D+Dv)*dt.Size())+4)
}

// KVBytes returns the bytes of the K and V rows of n slots for all Hk kv
// heads: what an attention call over n selected slots reads from the
// pool.
func KVBytes(Hk, D, Dv, n int, dt ops.DType) float64 {
	return float64(n) * float64(Hk) * float64(D+Dv) * float64(dt.Size())
}

// AttentionFlops returns the arithmetic of one attention call of Tq
// query tokens and Hq heads over n keys: q·k and p·v, 2·D and 2·Dv per
// (query, head, key).
func AttentionFlops(Tq, Hq, D, Dv, n int) float64 {
	return 2 * float64(Tq) * float64(Hq) * float64(n) * float64(D+Dv)
}

// attendModel measures every attention row of model m.
func attendModel(c *Ctx, m Model) ([]Result, error) {
	b := c.Backend
	pool, err := newAttendPool(b, m, attendPoolSlots)
	if err != nil {
		return nil, fmt.Errorf("attend %s: pool: %w", m.Name, err)
	}
	defer pool.free(b)
	rng := rand.New(rand.NewPCG(uint64(m.QHeads), uint64(m.HeadDim)))
	selected := attendSelected
	if c.Quick {
		selected = attendSelectedQuick
	}

	var rows []Result
	dense, err := attendRow(c, m, pool, rng, 1, 0)
	if err != nil {
		return rows, err
	}
	if !dense.Skipped {
		dense.Notes = "decode, dense range over the whole pool" + pool.note
	}
	rows = append(rows, c.Finish(dense))
	for _, n := range selected {
		if n > pool.slots/2 {
			continue
		}
		r, err := attendRow(c, m, pool, rng, 1, n)
		if err != nil {
			return rows, err
		}
		if !r.Skipped {
			r.Notes = fmt.Sprintf("decode, 1/%d of the pool selected; naive = dense attention over the pool (ratio_to_naive = sparse speedup)%s",
				pool.slots/n, pool.note)
		}
		if !dense.Skipped && !r.Skipped {
			r.NaiveSeconds = dense.Seconds
		}
		r = c.Finish(r)
		if r.RatioToPurego > 0 {
			r.Notes += fmt.Sprintf("; %.1f× the plain-Go path (%.3g ms)", r.RatioToPurego, 1e3*r.PuregoSeconds)
		}
		rows = append(rows, r)
	}
	r, err := attendRow(c, m, pool, rng, attendPrefillT, min(attendPrefillSel, pool.slots))
	if err != nil {
		return rows, err
	}
	if !r.Skipped {
		r.Notes = "prefill, one selection row shared by all tokens, no causal mask" + pool.note
	}
	rows = append(rows, c.Finish(r))
	more, err := attendMethodRows(c, m, pool, rng, rows)
	return append(rows, more...), err
}

// attendTraffic returns the bytes, flops and access of a bf16 attention
// call of Tq query tokens over n keys (D = Dv): read in slot order when
// inOrder (the dense range, a window), else gathered as rows of one
// slot's K (or V) for all Hk kv heads.
func attendTraffic(Tq, Hq, Hk, D, n int, inOrder bool) Result {
	r := Result{
		Bytes: AttentionBytes(Tq, Hq, Hk, D, D, n, ops.BF16),
		Flops: AttentionFlops(Tq, Hq, D, D, n),
	}
	if kv := KVBytes(Hk, D, D, n, ops.BF16); inOrder {
		r.ReadBytes = kv
	} else {
		r.GatherBytes, r.GatherRowBytes = kv, Hk*D*ops.BF16.Size()
	}
	return r
}

// attendCall returns the arguments of an attention call of Tq query tokens
// of m over pool: random bf16 queries in ±[1, 2), O and LSE, and for
// n > 0 a selection of n sorted distinct random slots (returned too),
// else the dense range over the whole pool; the tensors belong to ts.
func attendCall(ts *tensorSet, m Model, pool *attendPool, rng *rand.Rand, Tq, n int) (*ops.AttentionArgs, []int32, error) {
	b, alloc := ts.b, ts.alloc
	D, Hq := m.HeadDim, m.QHeads
	q, err := alloc(ops.BF16, Tq, Hq, D)
	if err != nil {
		return nil, nil, err
	}
	qh := make([]uint16, Tq*Hq*D)
	for i := range qh {
		qh[i] = uint16(rng.Uint32())&0x807f | 0x3f00
	}
	if err := b.Write(q, ops.Bytes(qh)); err != nil {
		return nil, nil, err
	}
	a := &ops.AttentionArgs{Q: q, K: pool.k, V: pool.v}
	if a.O, err = alloc(ops.BF16, Tq, Hq, D); err != nil {
		return nil, nil, err
	}
	if a.LSE, err = alloc(ops.F32, Tq, Hq); err != nil {
		return nil, nil, err
	}
	var slots []int32
	if n > 0 {
		if a.Sel.Indices, err = alloc(ops.I32, n); err != nil {
			return nil, nil, err
		}
		slots = attendSlots(rng, n, pool.slots)
		if err := b.Write(a.Sel.Indices, ops.Bytes(slots)); err != nil {
			return nil, nil, err
		}
	}
	return a, slots, nil
}

// timeAttend times the attention call a on b with timer into r; a backend
// that returns ErrUnsupported marks r skipped, with the reason in its
// notes.
func timeAttend(timer func(func() error) (Timing, error), b ops.Backend, r *Result, a *ops.AttentionArgs) error {
	tm, err := timer(func() error { return b.Attention(a) })
	if errors.Is(err, ops.ErrUnsupported) {
		r.Skipped, r.Notes = true, err.Error()
		return nil
	}
	if err != nil {
		return fmt.Errorf("attend %s %s: %w", r.Model, r.Shape, err)
	}
	r.Seconds, r.MedianSeconds, r.Calls = tm.Seconds(), tm.Median.Seconds(), tm.Calls
	return nil
}

// attendRow measures Tq query tokens over n selected slots (n = 0: the
// dense range over the whole pool).
func attendRow(c *Ctx, m Model, pool *attendPool, rng *rand.Rand, Tq, n int) (Result, error) {
	b := c.Backend
	D, Hq, Hk := m.HeadDim, m.QHeads, m.KVHeads
	keys := n
	sel := fmt.Sprintf("sel=%d", n)
	if n == 0 {
		keys, sel = pool.slots, "sel=dense"
	}
	r := attendTraffic(Tq, Hq, Hk, D, keys, n == 0)
	r.Op, r.Model, r.DType = "attend", m.Name, ops.BF16.String()
	r.Shape = fmt.Sprintf("Tq=%d S=%d %s Hq=%d Hk=%d D=%d", Tq, pool.slots, sel, Hq, Hk, D)
	ts := &tensorSet{b: b}
	defer ts.free()
	a, _, err := attendCall(ts, m, pool, rng, Tq, n)
	if err != nil {
		return r, err
	}
	timer := c.Time
	if Tq == 1 {
		timer = c.TimeCold // a decode step: its KV rows are not in cache
	}
	if err := timeAttend(timer, b, &r, a); err != nil || r.Skipped {
		return r, err
	}
	if l, ok := b.(SIMDLimiter); ok && Tq == 1 && n > 0 && l.SIMD() != "purego" {
		restore, err := l.LimitSIMD("purego")
		if err != nil {
			return r, err
		}
		tm, err := timer(func() error { return b.Attention(a) })
		restore()
		if err != nil {
			return r, fmt.Errorf("attend %s %s, purego: %w", m.Name, r.Shape, err)
		}
		r.PuregoSeconds = tm.Seconds()
	}
	return r, nil
}

package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/rotorkernels/rotor/ops"
)

func init() { Register("rope", benchRoPE) }

// RoPE rows: every model, T tokens at the last T positions of the model's
// context (T = 1 is a decode step), bf16 and f32, Accurate angles. Each
// row is compared with the copy peak and with naiveRoPE on the host.
var (
	ropeTokens      = []int{1, 512, 4096, 8192}
	ropeTokensQuick = []int{1, 512, 4096}
	ropeDTypes      = []ops.DType{ops.BF16, ops.F32}
)

func benchRoPE(c *Ctx) ([]Result, error) {
	tokens := ropeTokens
	if c.Quick {
		tokens = ropeTokensQuick
	}
	var rows []Result
	for _, m := range c.Models() {
		rot, err := m.Rotary(m.Context)
		if err != nil {
			return rows, fmt.Errorf("%s: %w", m.Name, err)
		}
		for _, T := range tokens {
			for _, dt := range ropeDTypes {
				r, err := ropeRow(c, m, rot, T, dt)
				if err != nil {
					return rows, err
				}
				rows = append(rows, c.Finish(r))
			}
		}
	}
	return rows, nil
}

// ropeRow measures one (model, T, dtype) row.
func ropeRow(c *Ctx, m Model, rot *ops.Rotary, T int, dt ops.DType) (Result, error) {
	r := Result{
		Op: "rope", Model: m.Name, DType: dt.String(),
		Shape: fmt.Sprintf("T=%d Hq=%d Hk=%d D=%d", T, m.QHeads, m.KVHeads, m.HeadDim),
		Bytes: RoPEBytes(T, m.QHeads, m.KVHeads, m.HeadDim, dt),
		Flops: RoPEFlops(T, m.QHeads, m.KVHeads, rot.Dim),
		Notes: rot.Type + ", accurate angles",
	}
	pos := make([]int32, T)
	for t := range pos {
		pos[t] = int32(m.Context - T + t)
	}
	rng := rand.New(rand.NewPCG(uint64(T), uint64(m.HeadDim)))
	q := randomHost(rng, dt, T*m.QHeads*m.HeadDim)
	k := randomHost(rng, dt, T*m.KVHeads*m.HeadDim)

	b := c.Backend
	ts := &tensorSet{b: b}
	defer ts.free()
	upload := ts.upload
	qt, err := upload(dt, hostBytes(q), T, m.QHeads, m.HeadDim)
	if err != nil {
		return r, err
	}
	kt, err := upload(dt, hostBytes(k), T, m.KVHeads, m.HeadDim)
	if err != nil {
		return r, err
	}
	pt, err := upload(ops.I32, ops.Bytes(pos), T)
	if err != nil {
		return r, err
	}
	args := &ops.RoPEArgs{Q: qt, K: kt, Positions: pt, Rotary: rot, Angles: ops.Accurate}
	tm, err := c.Time(func() error { return b.RoPE(args) })
	if errors.Is(err, ops.ErrUnsupported) {
		r.Skipped, r.Notes = true, err.Error()
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("rope %s %s %s: %w", m.Name, dt, r.Shape, err)
	}
	r.Seconds, r.MedianSeconds, r.Calls = tm.Seconds(), tm.Median.Seconds(), tm.Calls

	batches := minBatches
	if c.Quick {
		batches = 1
	}
	nt, err := TimeBatches(func() error {
		naiveRoPE(dt, q, T, m.QHeads, pos, rot)
		naiveRoPE(dt, k, T, m.KVHeads, pos, rot)
		return nil
	}, nil, c.MinTime, batches)
	if err != nil {
		return r, err
	}
	r.NaiveSeconds = nt.Seconds()
	return r, nil
}

// randomHost returns n standard-normal values in dtype dt: []float32 for
// F32, []uint16 bits for BF16 and F16.
func randomHost(rng *rand.Rand, dt ops.DType, n int) any {
	f := make([]float32, n)
	for i := range f {
		f[i] = float32(rng.NormFloat64())
	}
	if dt == ops.F32 {
		return f
	}
	u := make([]uint16, n)
	for i, v := range f {
		u[i] = narrow(dt, v)
	}
	return u
}

// hostBytes returns the bytes of a slice made by randomHost.
func hostBytes(x any) []byte {
	switch v := x.(type) {
	case []float32:
		return ops.Bytes(v)
	case []uint16:
		return ops.Bytes(v)
	}
	return nil
}

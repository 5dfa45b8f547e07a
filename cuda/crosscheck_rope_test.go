package cuda

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// ropeXCase is one cross-backend RoPE case.
type ropeXCase struct {
	dt              ops.DType
	layout          ops.Layout
	angles          ops.AngleMode
	headDim, dim    int
	T, Hq, Hk, Dv   int
	fused           bool // q, k (and v) are views into one fused QKV buffer
	offset          int  // extra elements before the fused views
	maxPos          int32
	rotaryAttention float64
}

func (c ropeXCase) String() string {
	return fmt.Sprintf("%v/%v/%v/d%d-%d/T%d/H%d-%d/fused=%v+%d", c.dt, c.layout, c.angles, c.headDim, c.dim,
		c.T, c.Hq, c.Hk, c.fused, c.offset)
}

// ropeXCases covers dtypes, layouts, angle modes, partial rotary, fused
// strided views at odd offsets (forcing narrower vector widths), and
// positions up to 2^31-1.
func ropeXCases(short bool) []ropeXCase {
	var cs []ropeXCase
	for _, dt := range []ops.DType{ops.BF16, ops.F16, ops.F32} {
		for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
			for _, m := range []ops.AngleMode{ops.Accurate, ops.Compat} {
				cs = append(cs,
					ropeXCase{dt: dt, layout: l, angles: m, headDim: 128, dim: 128, T: 9, Hq: 4, Hk: 2, Dv: 128, maxPos: 1<<31 - 1, rotaryAttention: 1},
					ropeXCase{dt: dt, layout: l, angles: m, headDim: 96, dim: 64, T: 5, Hq: 3, Hk: 1, Dv: 80, fused: true, offset: 3, maxPos: 1 << 20, rotaryAttention: 1.25},
				)
				if !short {
					cs = append(cs,
						ropeXCase{dt: dt, layout: l, angles: m, headDim: 64, dim: 64, T: 33, Hq: 8, Hk: 8, Dv: 64, fused: true, maxPos: 1 << 17, rotaryAttention: 1},
						ropeXCase{dt: dt, layout: l, angles: m, headDim: 80, dim: 40, T: 1, Hq: 32, Hk: 8, Dv: 80, fused: true, offset: 1, maxPos: 131071, rotaryAttention: 0.75},
					)
				}
			}
		}
	}
	return cs
}

func (c ropeXCase) rotary(t testing.TB) *ops.Rotary {
	r, err := ops.Default(ops.RoPEParams{HeadDim: c.headDim, RotaryDim: c.dim, Base: 5e5, Layout: c.layout})
	if err != nil {
		t.Fatal(err)
	}
	r.AttentionFactor = c.rotaryAttention
	return r
}

// ropeXData is the host data of one case: q, k, v (dense, raw bytes of
// the dtype), positions, slots.
type ropeXData struct {
	q, k, v    []byte
	pos, slots []int32
	S          int
}

func (c ropeXCase) data(seed uint64) ropeXData {
	rng := rand.New(rand.NewPCG(seed, 7))
	es := c.dt.Size()
	fill := func(n int) []byte {
		b := make([]byte, n*es)
		for i := 0; i < n; i++ {
			x := float32(rng.NormFloat64())
			switch c.dt {
			case ops.F32:
				putF32(b[4*i:], x)
			default:
				putU16(b[2*i:], narrow16(c.dt, x))
			}
		}
		return b
	}
	d := ropeXData{q: fill(c.T * c.Hq * c.headDim), k: fill(c.T * c.Hk * c.headDim), v: fill(c.T * c.Hk * c.Dv), S: 2*c.T + 3}
	d.pos = make([]int32, c.T)
	for i := range d.pos {
		d.pos[i] = rng.Int32N(c.maxPos)
	}
	d.pos[0] = c.maxPos
	perm := rng.Perm(d.S)
	for i := 0; i < c.T; i++ {
		d.slots = append(d.slots, int32(perm[i]))
	}
	return d
}

// ropeXTensors are one backend's tensors of a case.
type ropeXTensors struct {
	q, k, v, kc, vc, pos, slots *ops.Tensor
	owned                       []*ops.Tensor
}

func (c ropeXCase) tensors(t testing.TB, b ops.Backend, d ropeXData) *ropeXTensors {
	t.Helper()
	x, err := c.tensorsErr(b, d)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// tensorsErr allocates and fills the case's tensors on b.
func (c ropeXCase) tensorsErr(b ops.Backend, d ropeXData) (*ropeXTensors, error) {
	x := &ropeXTensors{}
	var err error
	alloc := func(dt ops.DType, shape ...int) *ops.Tensor {
		a, e := b.Alloc(dt, shape...)
		if e != nil {
			err = e
			return &ops.Tensor{DType: dt, Shape: shape}
		}
		x.owned = append(x.owned, a)
		return a
	}
	write := func(dst *ops.Tensor, src []byte) {
		if err == nil {
			err = b.Write(dst, src)
		}
	}
	qw, kw, vw := c.Hq*c.headDim, c.Hk*c.headDim, c.Hk*c.Dv
	if c.fused {
		row := qw + kw + vw + 2 // two elements of padding per row
		buf := alloc(c.dt, c.offset+c.T*row)
		x.q = buf.Sub(c.offset, []int{c.T, c.Hq, c.headDim}, row)
		x.k = buf.Sub(c.offset+qw, []int{c.T, c.Hk, c.headDim}, row)
		x.v = buf.Sub(c.offset+qw+kw, []int{c.T, c.Hk, c.Dv}, row)
	} else {
		x.q = alloc(c.dt, c.T, c.Hq, c.headDim)
		x.k = alloc(c.dt, c.T, c.Hk, c.headDim)
		x.v = alloc(c.dt, c.T, c.Hk, c.Dv)
	}
	write(x.q, d.q)
	write(x.k, d.k)
	write(x.v, d.v)
	x.kc = alloc(c.dt, d.S, c.Hk, c.headDim)
	x.vc = alloc(c.dt, d.S, c.Hk, c.Dv)
	x.pos = alloc(ops.I32, c.T)
	write(x.pos, ops.Bytes(d.pos))
	x.slots = alloc(ops.I32, c.T)
	write(x.slots, ops.Bytes(d.slots))
	if err != nil {
		x.free(b)
		return nil, err
	}
	return x, nil
}

func (x *ropeXTensors) free(b ops.Backend) {
	for _, t := range x.owned {
		b.Free(t)
	}
}

func read(t testing.TB, b ops.Backend, x *ops.Tensor) []byte {
	t.Helper()
	out := make([]byte, x.Len()*x.DType.Size())
	if err := b.Read(out, x); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkRoPECrossBackend runs every case on b and on the fallback backend
// and requires bit-identical q, k and cache contents: the CUDA kernels
// and the fallback perform the same IEEE operations in the same order
// (Accurate and Compat alike).
func checkRoPECrossBackend(t *testing.T, b ops.Backend, short bool) {
	ref := fallback.New()
	for i, c := range ropeXCases(short) {
		rot := c.rotary(t)
		d := c.data(uint64(i))
		for _, op := range []string{"rope", "append"} {
			var got, want [][]byte
			for _, be := range []ops.Backend{b, ref} {
				x := c.tensors(t, be, d)
				var err error
				if op == "rope" {
					err = be.RoPE(&ops.RoPEArgs{Q: x.q, K: x.k, Positions: x.pos, Rotary: rot, Angles: c.angles})
				} else {
					err = be.RoPEAppend(&ops.RoPEAppendArgs{Q: x.q, K: x.k, V: x.v, KCache: x.kc, VCache: x.vc,
						Positions: x.pos, Slots: x.slots, Rotary: rot, Angles: c.angles})
				}
				if err != nil {
					t.Fatalf("%s %v on %s: %v", op, c, be.Name(), err)
				}
				out := [][]byte{read(t, be, x.q), read(t, be, x.k), read(t, be, x.v), read(t, be, x.kc), read(t, be, x.vc)}
				if be == b {
					got = out
				} else {
					want = out
				}
				x.free(be)
			}
			for j, name := range []string{"q", "k", "v", "k_cache", "v_cache"} {
				if !bytes.Equal(got[j], want[j]) {
					t.Errorf("%s %v: %s differs from the fallback (first byte %d)", op, c, name, firstDiff(got[j], want[j]))
				}
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

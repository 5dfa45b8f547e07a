//go:build cgo

package hosttest

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/x448/float16"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// ropeCase is one RoPE shape: q and k are views into one fused buffer
// [T, width] starting at element off (which, with the row width, sets
// the alignment the planner sees and so the vector width it picks).
type ropeCase struct {
	T, Hq, Hk, D, dim int
	width, off        int
	noK               bool
	f32Table          bool
	attn              float64
}

func (c ropeCase) String() string {
	return fmt.Sprintf("T%d_q%d_k%d_d%d_rot%d_w%d_off%d_nok%v_f32tab%v_attn%g", c.T, c.Hq, c.Hk, c.D, c.dim, c.width, c.off, c.noK, c.f32Table, c.attn)
}

var ropeCases = []ropeCase{
	{T: 37, Hq: 5, Hk: 2, D: 64, dim: 64, width: 7 * 64, attn: 1},
	{T: 9, Hq: 4, Hk: 1, D: 80, dim: 32, width: 6*80 + 8, off: 8, attn: 1.25, f32Table: true},
	{T: 11, Hq: 3, Hk: 3, D: 96, dim: 24, width: 9*96 + 4, off: 4, attn: 1},
	{T: 5, Hq: 2, Hk: 2, D: 128, dim: 128, width: 6*128 + 2, off: 2, attn: 0.75},
	{T: 6, Hq: 2, Hk: 1, D: 64, dim: 64, width: 4*64 + 1, off: 1, attn: 1},
	{T: 300, Hq: 8, Hk: 2, D: 128, dim: 128, width: 12 * 128, attn: 1},
	{T: 4, Hq: 3, D: 32, dim: 16, width: 3 * 32, noK: true, attn: 1},
}

func ropeRotary(c ropeCase, layout ops.Layout) *ops.Rotary {
	f64, f32 := invFreqs(c.dim/2, 500000)
	r := &ops.Rotary{Type: "table", HeadDim: c.D, Dim: c.dim, InvFreq: f64, AttentionFactor: c.attn, Layout: layout}
	if c.f32Table {
		r.InvFreqF32 = f32
	}
	return r
}

// fillRandom writes random values of dtype dt over the whole buffer.
func fillRandom(r *rand.Rand, dt ops.DType, b []byte) {
	for i := 0; i+dt.Size() <= len(b); i += dt.Size() {
		x := float32(r.NormFloat64() * 2)
		switch dt {
		case ops.F32:
			u := math.Float32bits(x)
			b[i], b[i+1], b[i+2], b[i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		case ops.BF16:
			u := uint16(precision.BF16FromFloat32(x))
			b[i], b[i+1] = byte(u), byte(u>>8)
		case ops.F16:
			u := float16.Fromfloat32(x).Bits()
			b[i], b[i+1] = byte(u), byte(u>>8)
		}
	}
}

// getF and setF read and write element e of a little-endian buffer.
func getF(dt ops.DType, b []byte, e int) float32 {
	switch dt {
	case ops.F32:
		i := 4 * e
		return math.Float32frombits(uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24)
	case ops.BF16:
		return precision.BF16(uint16(b[2*e]) | uint16(b[2*e+1])<<8).Float32()
	}
	return float16.Frombits(uint16(b[2*e]) | uint16(b[2*e+1])<<8).Float32()
}

func setF(dt ops.DType, b []byte, e int, x float32) {
	switch dt {
	case ops.F32:
		u := math.Float32bits(x)
		i := 4 * e
		b[i], b[i+1], b[i+2], b[i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	case ops.BF16:
		u := uint16(precision.BF16FromFloat32(x))
		b[2*e], b[2*e+1] = byte(u), byte(u>>8)
	default:
		u := float16.Fromfloat32(x).Bits()
		b[2*e], b[2*e+1] = byte(u), byte(u>>8)
	}
}

// referenceRoPE rotates head elements [base, base+D) of b with the op
// contract written out directly from package precision.
func referenceRoPE(dt ops.DType, b []byte, base int, rot *ops.Rotary, mode ops.AngleMode, pos int32) {
	f32 := rot.F32()
	for j := 0; j < rot.Dim/2; j++ {
		ia, ib := ops.PairIndex(rot.Layout, rot.Dim, j)
		var c, s float32
		if mode == ops.Accurate {
			c, s = precision.AccurateCosSin(pos, rot.InvFreq[j], rot.AttentionFactor)
		} else {
			c, s = precision.CompatCosSin(pos, f32[j], rot.AttentionFactor)
		}
		ra, rb := precision.RotatePair(getF(dt, b, base+ia), getF(dt, b, base+ib), c, s)
		setF(dt, b, base+ia, ra)
		setF(dt, b, base+ib, rb)
	}
}

// ropeTensors builds q, k (views into one fused buffer) and positions on
// the fallback backend from a copy of raw.
func ropeTensors(be *fallback.Backend, c ropeCase, dt ops.DType, raw []byte, pos []int32) (q, k, p *ops.Tensor, buf []byte) {
	n := c.off + c.T*c.width
	all, _ := be.Alloc(dt, n)
	buf = all.Mem.(*fallback.Host).B
	copy(buf, raw)
	q = all.Sub(c.off, []int{c.T, c.Hq, c.D}, c.width)
	if !c.noK {
		k = all.Sub(c.off+c.Hq*c.D, []int{c.T, c.Hk, c.D}, c.width)
	}
	p = fallback.WrapI32(append([]int32(nil), pos...), c.T)
	return q, k, p, buf
}

func TestRoPEGridBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	be := fallback.New()
	vecs := map[string]bool{}
	for _, c := range ropeCases {
		for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
			raw := make([]byte, (c.off+c.T*c.width)*dt.Size())
			fillRandom(r, dt, raw)
			pos := positions(r, c.T)[:c.T]
			for _, layout := range []ops.Layout{ops.NeoX, ops.GPTJ} {
				for _, mode := range []ops.AngleMode{ops.Accurate, ops.Compat} {
					name := fmt.Sprintf("%v/%v/%v/%v", c, dt, layout, mode)
					rot := ropeRotary(c, layout)

					// The kernel's grid, walked on the host.
					mem := &hostMem{}
					q, k, p, got := ropeTensors(be, c, dt, raw, pos)
					args := &ops.RoPEArgs{Q: q, K: k, Positions: p, Rotary: rot, Angles: mode}
					ls, err := kernels.PlanRoPE(args, mem, kernels.Device{SMs: 4})
					if err != nil || len(ls) != 1 {
						t.Fatalf("%s: PlanRoPE = %v, %v", name, ls, err)
					}
					l := ls[0]
					vecs[fmt.Sprintf("%v/%s", dt, strings.TrimPrefix(l.Kernel, "rope_v"))] = true
					if !RoPEWalk(l.Kernel, int(dt), int(layout), int(mode), l.Words(), l.Grid, l.Block[0], mem) {
						t.Fatalf("%s: kernel %s not instantiated", name, l.Kernel)
					}

					// The contract, written out.
					want := append([]byte(nil), raw...)
					for tok := 0; tok < c.T; tok++ {
						heads := c.Hq + c.Hk
						if c.noK {
							heads = c.Hq
						}
						for h := 0; h < heads; h++ {
							referenceRoPE(dt, want, c.off+tok*c.width+h*c.D, rot, mode, pos[tok])
						}
					}
					if i := firstDiff(got, want); i >= 0 {
						t.Fatalf("%s (%s): byte %d differs from the reference: got %#x want %#x", name, l.String(), i, got[i], want[i])
					}

					// The fallback backend.
					fq, fk, fp, fb := ropeTensors(be, c, dt, raw, pos)
					if err := be.RoPE(&ops.RoPEArgs{Q: fq, K: fk, Positions: fp, Rotary: rot, Angles: mode}); err != nil {
						t.Fatalf("%s: fallback RoPE: %v", name, err)
					}
					if !bytes.Equal(got, fb) {
						t.Fatalf("%s: differs from the fallback backend at byte %d", name, firstDiff(got, fb))
					}
				}
			}
		}
	}
	for _, w := range []string{"f32/1", "f32/2", "f32/4", "bf16/1", "bf16/2", "bf16/4", "bf16/8", "f16/8"} {
		if !vecs[w] {
			t.Errorf("no case exercised vector width %s (got %v)", w, vecs)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	if len(b) != len(a) {
		return len(a)
	}
	return -1
}

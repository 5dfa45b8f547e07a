//go:build cgo

package hosttest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// appendCase is one RoPEAppend shape. q, k and v are views into one fused
// [T, width] buffer at element off; the caches are [S, Hk, D] and
// [S, Hk, Dv] views with row strides cw and vw.
type appendCase struct {
	T, Hq, Hk, D, dim, Dv, S int
	width, off, cw, vw       int
}

var appendCases = []appendCase{
	{T: 13, Hq: 4, Hk: 2, D: 64, dim: 64, Dv: 64, S: 40, width: 8 * 64},
	{T: 7, Hq: 2, Hk: 2, D: 80, dim: 32, Dv: 48, S: 9, width: 4*80 + 2*48 + 4, off: 4, cw: 2*80 + 4, vw: 2*48 + 2},
	{T: 5, Hq: 3, Hk: 1, D: 96, dim: 24, Dv: 96, S: 5, width: 5*96 + 1, off: 1, cw: 97, vw: 96},
	{T: 70, Hq: 8, Hk: 2, D: 128, dim: 128, Dv: 128, S: 200, width: 12 * 128},
}

func TestRoPEAppendGridBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	be := fallback.New()
	for _, c := range appendCases {
		cw, vw := max(c.cw, c.Hk*c.D), max(c.vw, c.Hk*c.Dv)
		for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
			raw := make([]byte, (c.off+c.T*c.width)*dt.Size())
			fillRandom(r, dt, raw)
			kraw := make([]byte, c.S*cw*dt.Size())
			vraw := make([]byte, c.S*vw*dt.Size())
			fillRandom(r, dt, kraw)
			fillRandom(r, dt, vraw)
			pos := positions(r, c.T)[:c.T]
			slots := r.Perm(c.S)[:c.T]
			slots32 := make([]int32, c.T)
			for i, s := range slots {
				slots32[i] = int32(s)
			}
			build := func() (*ops.RoPEAppendArgs, [3][]byte) {
				all, _ := be.Alloc(dt, c.off+c.T*c.width)
				kc, _ := be.Alloc(dt, c.S*cw)
				vc, _ := be.Alloc(dt, c.S*vw)
				b := [3][]byte{all.Mem.(*fallback.Host).B, kc.Mem.(*fallback.Host).B, vc.Mem.(*fallback.Host).B}
				copy(b[0], raw)
				copy(b[1], kraw)
				copy(b[2], vraw)
				return &ops.RoPEAppendArgs{
					Q:         all.Sub(c.off, []int{c.T, c.Hq, c.D}, c.width),
					K:         all.Sub(c.off+c.Hq*c.D, []int{c.T, c.Hk, c.D}, c.width),
					V:         all.Sub(c.off+(c.Hq+c.Hk)*c.D, []int{c.T, c.Hk, c.Dv}, c.width),
					KCache:    kc.Sub(0, []int{c.S, c.Hk, c.D}, cw),
					VCache:    vc.Sub(0, []int{c.S, c.Hk, c.Dv}, vw),
					Positions: fallback.WrapI32(append([]int32(nil), pos...), c.T),
					Slots:     fallback.WrapI32(append([]int32(nil), slots32...), c.T),
				}, b
			}
			for _, layout := range []ops.Layout{ops.NeoX, ops.GPTJ} {
				for _, mode := range []ops.AngleMode{ops.Accurate, ops.Compat} {
					name := fmt.Sprintf("%+v/%v/%v/%v", c, dt, layout, mode)
					rot := ropeRotary(ropeCase{D: c.D, dim: c.dim, attn: 1.5}, layout)

					a, got := build()
					a.Rotary, a.Angles = rot, mode
					mem := &hostMem{}
					ls, err := kernels.PlanRoPEAppend(a, mem, kernels.Device{SMs: 2})
					if err != nil || len(ls) != 1 {
						t.Fatalf("%s: PlanRoPEAppend = %v, %v", name, ls, err)
					}
					l := ls[0]
					if !RoPEWalk(l.Kernel, int(dt), int(layout), int(mode), l.Words(), l.Grid, l.Block[0], mem) {
						t.Fatalf("%s: kernel %s not instantiated", name, l.Kernel)
					}

					fa, want := build()
					fa.Rotary, fa.Angles = rot, mode
					if err := be.RoPEAppend(fa); err != nil {
						t.Fatalf("%s: fallback RoPEAppend: %v", name, err)
					}
					for i, what := range []string{"q/k/v buffer", "k cache", "v cache"} {
						if !bytes.Equal(got[i], want[i]) {
							t.Fatalf("%s (%s): %s differs from the fallback at byte %d", name, l.String(), what, firstDiff(got[i], want[i]))
						}
					}
					// The cache rows written must differ from what was there.
					if bytes.Equal(got[1], kraw) || bytes.Equal(got[2], vraw) {
						t.Fatalf("%s: the caches were not written", name)
					}
				}
			}
		}
	}
}

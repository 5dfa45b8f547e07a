package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// attnFuzz is the decoded input of FuzzAttention.
type attnFuzz struct {
	c           attnCase
	corruptArg  uint8 // which argument corruptMode breaks
	corruptMode uint8
	specials    []byte // triples for q, k and v (plantSpecialsIn)
	idxMod      []byte
}

// decodeAttnFuzz turns FuzzAttention's parameters into a case: Tq ≤ 8,
// Hk ≤ 4 kv heads and Hq a multiple of them (any count up to 16 when
// hq ≥ 128), head dimensions from a small set (0 included), S ≤ 64 slots
// and rows ≤ 64 entries, or up to 700 of each when s or w ≥ 2^15 — fewer
// when the call would cost more than about 2^18 multiply-adds, so that
// long rows (split-KV) come with few heads; sel picks the dense range, a granularity or an invalid one;
// opts switches causal positions, sinks, LSE, padded (strided) rows,
// in-op key RoPE, documents, log-n scaling and a mismatched dtype.
func decodeAttnFuzz(seed uint64, tq, hq, hk, d, dv uint8, s, w uint16, sel, dt, opts uint8, scale, softcap int8,
	corruptArg, corruptMode uint8, specials, idxMod []byte) *attnFuzz {
	dims := [...]int{8, 16, 32, 64, 4, 24, 1, 0}
	c := attnCase{seed: seed, dt: fuzzDType(dt), Tq: int(tq % 9), Hk: 1 + int(hk%4), D: dims[d%8], Dv: dims[dv%8]}
	c.Hq = c.Hk * (1 + int(hq%4))
	if hq >= 128 {
		c.Hq = int(hq % 17)
	}
	// Small by default; up to 700 slots and entries (split-KV rows) when
	// the top bit is set.
	row := int(w % 65)
	c.S = int(s % 65)
	if s >= 0x8000 {
		c.S = int(s % 701)
	}
	if w >= 0x8000 {
		row = int(w % 701)
	}
	for c.Tq*c.Hq*max(row, c.S)*(c.D+c.Dv) > 1<<18 {
		if row >= c.S {
			row /= 2
		} else {
			c.S /= 2
		}
	}
	switch sel % 5 {
	case 0:
		c.dense = true
		c.start = min(int(w>>10), c.S)
		c.end = min(c.start+row, c.S)
		if c.end == c.S && w&1 == 0 {
			c.end = 0 // "every slot"
		}
	case 4:
		c.gran, c.W = ops.Granularity(7), row // invalid
	default:
		c.gran, c.W = granularities[sel%5-1], row
	}
	c.causal = opts&1 != 0
	if opts&2 != 0 {
		c.sinks = roundAll(ops.F32, randNormal(seed+9, c.Hq))
		if c.Hq > 1 {
			c.sinks[0] = math.Inf(-1)
		}
	}
	c.noLSE = opts&4 != 0
	if opts&8 != 0 {
		c.pad = 3
	} else {
		c.pad = 1 // every tensor in a guarded buffer
	}
	if opts&16 != 0 && c.D > 0 && c.D%2 == 0 {
		modes := [...]ops.KeyPosMode{ops.KeyPosRank, ops.KeyPosOriginal, ops.KeyPosCapped, ops.KeyPosDualChunk}
		m := modes[int(seed>>8)%4]
		c.rope = &ops.KeyRoPE{Rotary: attnRotary(c.D, c.D, 1, ops.NeoX), KeyPos: m, Cap: 5,
			Chunk: ops.DualChunk{ChunkSize: 16, LocalSize: 4}}
	}
	if opts&32 != 0 {
		c.docs = 1 + int(seed%3)
	}
	if opts&64 != 0 {
		c.logn = 32
	}
	switch scale {
	case 0:
	case -128:
		c.scale = math.NaN()
	case 127:
		c.scale = math.Inf(1)
	default:
		c.scale = float64(scale) / 64
	}
	switch {
	case softcap == -128:
		c.softcap = math.NaN()
	case softcap != 0:
		c.softcap = float64(softcap)
	}
	fz := &attnFuzz{c: c, corruptArg: corruptArg, corruptMode: corruptMode, specials: specials, idxMod: idxMod}
	if opts&128 != 0 {
		fz.corruptArg, fz.corruptMode = 10, 1 // k of another dtype
	}
	return fz
}

// rows draws the index rows: slots with replacement, about a quarter
// padding, edited by idxMod pairs (where, what): -1, -2 or S (both out of
// range), or the row's first entry again.
func (fz *attnFuzz) rows() []int32 {
	c := &fz.c
	n := 1 // as newAttnFixture shapes them
	switch c.gran {
	case ops.PerKVHead:
		n = c.Hk
	case ops.PerQuery:
		n = c.Tq * c.Hk
	}
	out := attnRows(c.seed+3, n, c.W, c.S)
	for i := 0; i+1 < len(fz.idxMod) && len(out) > 0; i += 2 {
		e := int(fz.idxMod[i]) * 7919 % len(out)
		switch fz.idxMod[i+1] % 4 {
		case 0:
			out[e] = -1
		case 1:
			out[e] = -2
		case 2:
			out[e] = int32(c.S)
		case 3:
			out[e] = out[0]
		}
	}
	return out
}

// FuzzAttention is the fuzz body of Backend.Attention on b (see the
// property above fuzzDType): random shapes, strides, dtypes, selections
// (dense, every granularity, invalid), indices with padding, duplicates
// and values out of range, causal positions, documents, sinks, soft-cap,
// log-n scaling, in-op key RoPE, planted NaN and ±Inf, and one corrupted
// argument. A successful call must match precision.RefAttention within
// this package's attention tolerance (NaN exactly where the truth is
// NaN); a refused one must be typed and leave O and LSE untouched.
func FuzzAttention(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, tq, hq, hk, d, dv uint8, s, w uint16, sel, dt, opts uint8, scale, softcap int8,
		corruptArg, corruptMode uint8, specials, idxMod []byte) {
		fz := decodeAttnFuzz(seed, tq, hq, hk, d, dv, s, w, sel, dt, opts, scale, softcap, corruptArg, corruptMode, specials, idxMod)
		c := &fz.c
		if !c.dense {
			c.rows = fz.rows()
		}
		c.lazyTruth = true
		c.poison = func(f *attnFixture) { plantSpecialsIn(fz.specials, f.q, f.k, f.v) }
		fx := newAttnFixture(t, b, c)
		defer fx.free(b)
		a := fx.args()
		corrupted := fz.corrupt(a)
		err := b.Attention(a)
		if err != nil {
			refused(t, b, err, fx.gO)
			if fx.gLSE != nil {
				fx.gLSE.unchanged(t, b, "lse")
			}
			return
		}
		if corrupted {
			t.Fatalf("%v: a call with a corrupted argument (%d, mode %d) succeeded", c, fz.corruptArg, fz.corruptMode)
		}
		if a.Sel.Indices == nil && !c.dense { // the indices were dropped: every slot
			c.dense, c.start, c.end = true, a.Sel.Start, a.Sel.End
		}
		if a.Sinks == nil { // the sinks were dropped: none in the truth either
			c.sinks = nil
		}
		fx.gO.outside(t, b, "o")
		var lse []float64
		switch {
		case a.LSE != nil:
			fx.gLSE.outside(t, b, "lse")
			lse = download(t, b, a.LSE)
		case fx.gLSE != nil: // dropped by the corruption: untouched
			fx.gLSE.unchanged(t, b, "lse")
		}
		fx.truth()
		o := download(t, b, fx.O)
		var st attnStats
		fx.check(t, o, lse, &st)
	})
}

// corrupt applies the case's corruption to the call's arguments and
// reports whether the call is now invalid for certain.
func (fz *attnFuzz) corrupt(a *ops.AttentionArgs) bool {
	if fz.corruptMode == 0 {
		return false
	}
	slots := []**ops.Tensor{&a.Q, &a.K, &a.V, &a.O, &a.LSE, &a.Sel.Indices, &a.QPos, &a.Sinks, &a.KPos, &a.QDoc}
	if fz.corruptArg == 10 { // k of another dtype: always refused
		k := *a.K
		k.DType = ops.F32
		if a.Q.DType == ops.F32 {
			k.DType = ops.BF16
		}
		a.K = &k
		return true
	}
	p := slots[int(fz.corruptArg)%len(slots)]
	if *p == nil {
		return false
	}
	optional := p == &a.LSE || p == &a.Sinks || p == &a.Sel.Indices
	certain := fz.corruptMode <= 9 &&
		!(optional && fz.corruptMode == 1) && // nil optional: valid (no indices: the dense range)
		!(fz.corruptMode == 8 && (*p).Len() == 0) // an empty view past its memory's end: valid
	*p = corrupt(fz.corruptMode, *p)
	return certain
}

package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// ropeFuzz is the decoded input of FuzzRoPE and FuzzRoPEAppend.
type ropeFuzz struct {
	T, Hq, Hk, D, Dv int
	dt               ops.DType
	rot              *ops.Rotary
	angles           ops.AngleMode
	pos              []int32
	pad              int  // extra elements per row (strided views)
	fused            bool // q, k (and v) as views of one buffer's rows
	corruptArg       uint8
	corruptMode      uint8
}

// decodeRoPEFuzz turns the fuzz parameters into a call: T ≤ 8 tokens,
// up to 5 query and 3 key heads (0 key heads: no k), head dimensions
// from a small set, a rotary dimension from 0 (invalid) to the head
// dimension, either layout, an attention factor, the angle mode (or an
// invalid one), positions small, up to 2^31-1 or negative, padded rows or
// fused q/k/v rows.
func decodeRoPEFuzz(seed uint64, t, hq, hk, d, dim, dt, opts, posMode uint8) *ropeFuzz {
	dims := [...]int{2, 4, 8, 16, 30, 64, 6, 128}
	r := &ropeFuzz{T: int(t % 9), Hq: int(hq % 6), Hk: int(hk % 4), D: dims[d%8], Dv: 1 + int(d>>3)%9, dt: fuzzDType(dt)}
	layout := ops.NeoX
	if opts&1 != 0 {
		layout = ops.GPTJ
	}
	attn := 1.0
	if opts&2 != 0 {
		attn = 1.25
	}
	rd := 2 * (int(dim) % (r.D/2 + 1))
	r.rot = attnRotary(r.D, max(rd, 2), attn, layout)
	if rd == 0 {
		r.rot.Dim = 0 // invalid
	}
	r.angles = ops.AngleMode((opts >> 2) % 3) // 2 is invalid
	if opts&16 != 0 {
		r.pad = 3
	}
	r.fused = opts&32 != 0
	rng := newRand(seed + 5)
	r.pos = make([]int32, r.T)
	for i := range r.pos {
		switch (posMode + uint8(i)) % 4 {
		case 0:
			r.pos[i] = int32(rng.IntN(64))
		case 1:
			r.pos[i] = int32(rng.Uint32() >> 1)
		case 2:
			r.pos[i] = math.MaxInt32 - int32(rng.IntN(4))
		default:
			if posMode >= 128 {
				r.pos[i] = -1 - int32(rng.IntN(5)) // invalid
			}
		}
	}
	return r
}

// views allocates q [T,Hq,D], k [T,Hk,D] (nil when Hk is 0) and v
// [T,Hk,Dv] in guarded buffers — one buffer of fused rows, or one each —
// holding vals q, k, v.
func (r *ropeFuzz) views(t testing.TB, b ops.Backend, seed uint64, q, k, v []float64) (gs []*guarded, qt, kt, vt *ops.Tensor) {
	t.Helper()
	if r.fused {
		w := (r.Hq+r.Hk)*r.D + r.Hk*r.Dv + r.pad
		all := make([]float64, r.T*w)
		for ti := range r.T {
			row := all[ti*w:]
			copy(row, q[ti*r.Hq*r.D:(ti+1)*r.Hq*r.D])
			copy(row[r.Hq*r.D:], k[ti*r.Hk*r.D:(ti+1)*r.Hk*r.D])
			copy(row[(r.Hq+r.Hk)*r.D:], v[ti*r.Hk*r.Dv:(ti+1)*r.Hk*r.Dv])
		}
		g := newGuarded(t, b, r.dt, []int{r.T, w}, 0, seed, all)
		qt = g.view.Sub(0, []int{r.T, r.Hq, r.D}, w)
		if r.Hk > 0 {
			kt = g.view.Sub(r.Hq*r.D, []int{r.T, r.Hk, r.D}, w)
			vt = g.view.Sub((r.Hq+r.Hk)*r.D, []int{r.T, r.Hk, r.Dv}, w)
		}
		return []*guarded{g}, qt, kt, vt
	}
	gq := newGuarded(t, b, r.dt, []int{r.T, r.Hq, r.D}, r.Hq*r.D+r.pad, seed, q)
	gs = append(gs, gq)
	if r.Hk > 0 {
		gk := newGuarded(t, b, r.dt, []int{r.T, r.Hk, r.D}, r.Hk*r.D+r.pad, seed+1, k)
		gv := newGuarded(t, b, r.dt, []int{r.T, r.Hk, r.Dv}, r.Hk*r.Dv+r.pad, seed+2, v)
		gs = append(gs, gk, gv)
		kt, vt = gk.view, gv.view
	}
	return gs, gq.view, kt, vt
}

// checkRotated compares rotated heads out with the float64 truth of the
// inputs in: accurate angles within checkHeads' bound, compat bit for bit
// with the Hugging Face float32 pipeline (any NaN for a NaN).
func (r *ropeFuzz) checkRotated(t testing.TB, what string, in, out []float64) {
	t.Helper()
	if r.angles == ops.Accurate {
		var acc accuracy
		checkHeads(t, what, r.rot, r.dt, r.pos, in, out, &acc)
		return
	}
	D := r.D
	y := make([]float64, D)
	for h := 0; h < len(in)/D; h++ {
		hfHead(r.rot, r.dt, r.pos[h/(len(in)/D/len(r.pos))], in[h*D:(h+1)*D], y)
		if !sameBitsOrNaN(y, out[h*D:(h+1)*D]) {
			t.Fatalf("%s: head row %d = %v, Hugging Face pipeline %v", what, h, out[h*D:(h+1)*D], y)
		}
	}
}

// FuzzRoPE is the fuzz body of Backend.RoPE on b (see the property above
// fuzzDType): q and k of random shapes, dtypes, strides or fused rows,
// partial rotary, both layouts and angle modes, positions up to 2^31-1 or
// negative, planted NaN and ±Inf, and one corrupted argument. A
// successful call must match the float64 truth (accurate) or the Hugging
// Face pipeline bit for bit (compat), and change nothing outside q and k.
func FuzzRoPE(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, tk, hq, hk, d, dim, dt, opts, posMode, corruptArg, corruptMode uint8, specials []byte) {
		r := decodeRoPEFuzz(seed, tk, hq, hk, d, dim, dt, opts, posMode)
		q := fuzzValues(seed, r.T*r.Hq*r.D, r.dt)
		k := fuzzValues(seed+1, r.T*r.Hk*r.D, r.dt)
		v := fuzzValues(seed+2, r.T*r.Hk*r.Dv, r.dt)
		plantSpecialsIn(specials, q, k)
		gs, qt, kt, _ := r.views(t, b, seed, q, k, v)
		defer func() {
			for _, g := range gs {
				free(b, g.all)
			}
		}()
		pos := uploadI32(t, b, r.pos, r.T)
		defer free(b, pos)
		a := &ops.RoPEArgs{Q: qt, K: kt, Positions: pos, Rotary: r.rot, Angles: r.angles}
		corrupted := false
		switch {
		case corruptArg == 10 && kt != nil: // k aliasing q
			a.K, corrupted = a.Q, r.T*r.Hq*r.D > 0
		case corruptArg == 11 && kt != nil && r.Hq > 0: // k reaching one element into q
			a.K = qt.Sub(r.Hq*r.D-1, []int{r.T, r.Hk, r.D}, qt.RowStride())
			corrupted = r.T > 0 && r.D > 0
		case corruptMode != 0:
			p := []**ops.Tensor{&a.Q, &a.K, &a.Positions}[int(corruptArg)%3]
			if *p != nil {
				corrupted = corruptMode <= 9 && !(p == &a.K && corruptMode == 1) && !(corruptMode == 8 && (*p).Len() == 0)
				*p = corrupt(corruptMode, *p)
			}
		}
		err := b.RoPE(a)
		if err != nil {
			refused(t, b, err, gs...)
			return
		}
		if corrupted {
			t.Fatalf("RoPE with corrupted arguments (%d, mode %d) succeeded", corruptArg, corruptMode)
		}
		r.checkRotated(t, "q", q, download(t, b, qt))
		if a.K == kt && kt != nil {
			r.checkRotated(t, "k", k, download(t, b, kt))
		}
		checkOnly(t, b, gs, qt, a.K)
	})
}

// checkOnly fails t when a guarded buffer changed outside the given views.
func checkOnly(t testing.TB, b ops.Backend, gs []*guarded, views ...*ops.Tensor) {
	t.Helper()
	for _, g := range gs {
		now := readRaw(t, b, g.all)
		for i := range now {
			if now[i] == g.raw[i] {
				continue
			}
			inside := false
			for _, v := range views {
				inside = inside || (v != nil && v.Mem == g.all.Mem && holdsByte(v, i))
			}
			if !inside {
				t.Fatalf("byte %d of %v changed outside the outputs", i, g.view)
			}
		}
	}
}

// holdsByte reports whether byte i of a view's memory belongs to one of
// its elements.
func holdsByte(v *ops.Tensor, i int) bool {
	es := v.DType.Size()
	e := i/es - v.Offset
	if e < 0 || v.Len() == 0 {
		return false
	}
	row, col := e/v.RowStride(), e%v.RowStride()
	return row < v.Rows() && col < v.RowWidth()
}

// FuzzRoPEAppend is the fuzz body of Backend.RoPEAppend on b (see the
// property above fuzzDType): FuzzRoPE's q and k with a v, a KV cache of
// up to 40 slots (separate buffers or k and v views of one fused buffer),
// slots unique, repeated, negative or past the cache, and one corrupted
// argument. A successful call must leave q as RoPE rotates it, the cache
// rows at the slots holding RoPE(k) and v, and every other byte of q's,
// k's, v's and the cache's buffers as it was — bit for bit (any NaN for a
// NaN).
func FuzzRoPEAppend(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, tk, hq, hk, d, dim, dt, opts, posMode, s, slotMode, corruptArg, corruptMode uint8, specials []byte) {
		r := decodeRoPEFuzz(seed, tk, hq, hk, d, dim, dt, opts&^32, posMode)
		r.Hk = max(r.Hk, 1)
		S := int(s % 41)
		q := fuzzValues(seed, r.T*r.Hq*r.D, r.dt)
		k := fuzzValues(seed+1, r.T*r.Hk*r.D, r.dt)
		v := fuzzValues(seed+2, r.T*r.Hk*r.Dv, r.dt)
		plantSpecialsIn(specials, q, k, v)
		gs, qt, kt, vt := r.views(t, b, seed, q, k, v)
		var gc []*guarded
		var kc, vc *ops.Tensor
		if opts&64 != 0 { // k and v caches as views of one buffer's rows
			w := r.Hk*(r.D+r.Dv) + r.pad
			g := newGuarded(t, b, r.dt, []int{S, w}, 0, seed+7, nil)
			kc = g.view.Sub(0, []int{S, r.Hk, r.D}, w)
			vc = g.view.Sub(r.Hk*r.D, []int{S, r.Hk, r.Dv}, w)
			gc = append(gc, g)
		} else {
			gk := newGuarded(t, b, r.dt, []int{S, r.Hk, r.D}, r.Hk*r.D+r.pad, seed+7, nil)
			gv := newGuarded(t, b, r.dt, []int{S, r.Hk, r.Dv}, 0, seed+8, nil)
			kc, vc = gk.view, gv.view
			gc = append(gc, gk, gv)
		}
		all := append(append([]*guarded(nil), gs...), gc...)
		defer func() {
			for _, g := range all {
				free(b, g.all)
			}
		}()
		slots := newRand(seed + 11).Perm(max(S, r.T))[:r.T]
		slot32 := make([]int32, r.T)
		for i, x := range slots {
			slot32[i] = int32(x)
		}
		if r.T > 1 {
			switch slotMode % 4 {
			case 1:
				slot32[r.T-1] = slot32[0] // repeated
			case 2:
				slot32[r.T/2] = int32(S) // past the cache
			case 3:
				slot32[0] = -1
			}
		}
		invalidSlots := false
		for i, x := range slot32 {
			invalidSlots = invalidSlots || x < 0 || int(x) >= S || (i > 0 && x == slot32[0])
		}
		pos, st := uploadI32(t, b, r.pos, r.T), uploadI32(t, b, slot32, r.T)
		defer free(b, pos, st)
		a := &ops.RoPEAppendArgs{Q: qt, K: kt, V: vt, KCache: kc, VCache: vc, Positions: pos, Slots: st, Rotary: r.rot, Angles: r.angles}
		corrupted := false
		switch {
		case corruptArg == 10: // k aliasing q
			a.K, corrupted = a.Q, r.T*r.Hq*r.D > 0
		case corruptMode != 0:
			p := []**ops.Tensor{&a.Q, &a.K, &a.V, &a.KCache, &a.VCache, &a.Positions, &a.Slots}[int(corruptArg)%7]
			corrupted = corruptMode <= 9 && !(corruptMode == 8 && (*p).Len() == 0)
			*p = corrupt(corruptMode, *p)
		}
		err := b.RoPEAppend(a)
		if err != nil {
			refused(t, b, err, all...)
			return
		}
		if corrupted || invalidSlots {
			t.Fatalf("RoPEAppend with corrupted arguments (%d, mode %d) or slots %v of %d succeeded", corruptArg, corruptMode, slot32, S)
		}
		// The truth: the backend's RoPE (checked by FuzzRoPE) on copies.
		qw, kw := upload(t, b, floatOf(r.dt), q, r.T, r.Hq, r.D), upload(t, b, floatOf(r.dt), k, r.T, r.Hk, r.D)
		defer free(b, qw, kw)
		if err := b.RoPE(&ops.RoPEArgs{Q: qw, K: kw, Positions: pos, Rotary: r.rot, Angles: r.angles}); err != nil {
			t.Fatalf("RoPE of the same q and k: %v", err)
		}
		if got, want := download(t, b, qt), download(t, b, qw); !sameBitsOrNaN(got, want) {
			t.Fatalf("q = %v, RoPE gives %v", got, want)
		}
		wantK := download(t, b, kw)
		gotK, gotV := download(t, b, kc), download(t, b, vc)
		before := func(g *guarded, view *ops.Tensor) []float64 {
			x := *view
			x.Mem = &rawMem{g.raw}
			return decodeView(&x)
		}
		oldK, oldV := before(gc[0], kc), before(gc[len(gc)-1], vc)
		rowK, rowV := r.Hk*r.D, r.Hk*r.Dv
		for ti, s := range slot32 {
			copy(oldK[int(s)*rowK:], wantK[ti*rowK:(ti+1)*rowK])
			copy(oldV[int(s)*rowV:], v[ti*rowV:(ti+1)*rowV])
		}
		if !sameBitsOrNaN(gotK, oldK) || !sameBitsOrNaN(gotV, oldV) {
			t.Fatalf("the cache holds k %v v %v, want %v and %v", gotK, gotV, oldK, oldV)
		}
		checkOnly(t, b, all, qt, kc, vc)
	})
}

// rawMem is host bytes posing as memory, to decode a view of a buffer's
// earlier contents.
type rawMem struct{ b []byte }

func (m *rawMem) Backend() string { return "opstest-raw" }
func (m *rawMem) Bytes() int      { return len(m.b) }

// decodeView returns the elements of a view of rawMem, dense.
func decodeView(v *ops.Tensor) []float64 {
	b, es := v.Mem.(*rawMem).b, v.DType.Size()
	out := make([]float64, 0, v.Len())
	for row := range v.Rows() {
		off := (v.Offset + row*v.RowStride()) * es
		out = append(out, decode(v.DType, b[off:off+v.RowWidth()*es])...)
	}
	return out
}

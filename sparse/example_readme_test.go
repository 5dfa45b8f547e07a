package sparse_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/sparse"
)

// One decode step: TokenSelect picks 8 of 64 cached tokens for a query
// of 4 heads in 2 GQA groups, and the attention op reads only those.
// Keys are zero except tokens 10, 20 and 30, which point along every
// query head (logit 16 against 0), and v[s, kv, 0] = s; the three tokens
// carry nearly all the attention, so the sparse output equals dense
// attention over every slot to three decimals (float32 summation
// order differs between the SIMD and purego builds in the fourth): o[0] ≈ (10+20+30)/3 and
// lse ≈ 16 + ln 3.
func ExampleTokenSelect_attention() {
	b := fallback.New()
	const S, Hq, Hk, D = 64, 4, 2, 4
	keys, vals := make([]float32, S*Hk*D), make([]float32, S*Hk*D)
	for s := range S {
		for kv := range Hk {
			vals[(s*Hk+kv)*D] = float32(s)
			if s == 10 || s == 20 || s == 30 {
				keys[(s*Hk+kv)*D] = 8
			}
		}
	}
	query := make([]float32, Hq*D)
	for h := range Hq {
		query[h*D] = 4
	}
	kc, vc := fallback.WrapF32(keys, S, Hk, D), fallback.WrapF32(vals, S, Hk, D) // the slot pool
	q := fallback.WrapF32(query, 1, Hq, D)                                       // [Tq=1, Hq, D]

	ts, err := sparse.NewTokenSelect(b, sparse.TokenSelectConfig{Budget: 3, Sink: 1, Local: 4})
	if err != nil {
		panic(err)
	}
	sel, err := ts.Select(q, sparse.Context{K: kc, Len: S})
	if err != nil {
		panic(err)
	}
	idx := make([]int32, sel.Indices.Len())
	if err := b.Read(ops.Bytes(idx), sel.Indices); err != nil {
		panic(err)
	}
	fmt.Println(sel.Granularity, idx)

	for _, s := range []ops.Selection{sel, {}} { // the zero Selection: every slot
		o, lse := make([]float32, Hq*D), make([]float32, Hq)
		err := b.Attention(&ops.AttentionArgs{Q: q, K: kc, V: vc, Sel: s,
			O: fallback.WrapF32(o, 1, Hq, D), LSE: fallback.WrapF32(lse, 1, Hq)})
		if err != nil {
			panic(err)
		}
		fmt.Printf("o[0] = %.3f, lse = %.3f\n", o[0], lse[0])
	}
	// Output:
	// request [0 10 20 30 60 61 62 63]
	// o[0] = 20.000, lse = 17.099
	// o[0] = 20.000, lse = 17.099
}

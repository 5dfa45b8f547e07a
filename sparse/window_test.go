package sparse

import (
	"errors"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

func TestWindow(t *testing.T) {
	b := fallback.New()
	p := randomProblem(40, 100, 4, 2, 4)
	for _, c := range []struct {
		cfg        WindowConfig
		start, len int
		want       []int32
	}{
		{WindowConfig{Sink: 2, Window: 3}, 10, 20, []int32{10, 11, 27, 28, 29}},
		{WindowConfig{Sink: 0, Window: 3}, 0, 50, []int32{47, 48, 49}},
		{WindowConfig{Sink: 4, Window: 0}, 5, 50, []int32{5, 6, 7, 8}},
		{WindowConfig{Sink: 2, Window: 3}, 0, 4, []int32{0, 1, 2, 3, -1}},
		{WindowConfig{Sink: 2, Window: 3}, 0, 5, []int32{0, 1, 2, 3, 4}},
		{WindowConfig{Sink: 2, Window: 3, Granularity: ops.PerKVHead}, 90, 10, []int32{90, 91, 97, 98, 99}},
	} {
		w, err := NewWindow(b, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := p.ctx()
		ctx.Start, ctx.Len = c.start, c.len
		sel, err := w.Select(nil, ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows := readRows(t, b, sel)
		if sel.Granularity != c.cfg.Granularity || len(rows) != rowsFor(c.cfg.Granularity, 2) {
			t.Fatalf("%+v: granularity %v with %d rows", c.cfg, sel.Granularity, len(rows))
		}
		for _, row := range rows {
			if !slices.Equal(row, c.want) {
				t.Fatalf("%+v start %d len %d: %v, want %v", c.cfg, c.start, c.len, row, c.want)
			}
		}
	}
	// Through a slot table.
	slots := []int32{9, 3, 7, 1, 0, 8}
	w, _ := NewWindow(b, WindowConfig{Sink: 1, Window: 2})
	sel, err := w.Select(nil, Context{K: p.ctx().K, Len: 6, Slots: fallback.WrapI32(slots, 6)})
	if err != nil {
		t.Fatal(err)
	}
	if row := readRows(t, b, sel)[0]; !slices.Equal(row, []int32{9, 0, 8}) {
		t.Fatalf("slot table: %v, want [9 0 8]", row)
	}
}

func TestWindowErrors(t *testing.T) {
	b := fallback.New()
	for _, c := range []struct {
		cfg  WindowConfig
		kind error
	}{
		{WindowConfig{Sink: -1, Window: 4}, ops.ErrRange},
		{WindowConfig{Sink: 1, Window: -4}, ops.ErrRange},
		{WindowConfig{}, ops.ErrRange},
		{WindowConfig{Sink: 1, Window: 4, Granularity: ops.PerQuery}, ops.ErrConfig},
	} {
		if _, err := NewWindow(b, c.cfg); !errors.Is(err, c.kind) {
			t.Errorf("%+v: err %v, want %v", c.cfg, err, c.kind)
		}
	}
}

func TestLMInfinite(t *testing.T) {
	b := fallback.New()
	rot := &ops.Rotary{Type: "default", HeadDim: 8, Dim: 8, InvFreq: []float64{1, 0.1, 0.01, 0.001}, AttentionFactor: 1}
	l, err := NewLMInfinite(b, LMInfiniteConfig{WindowConfig: WindowConfig{Sink: 2, Window: 6}, Rotary: rot})
	if err != nil {
		t.Fatal(err)
	}
	kr := l.KeyRoPE()
	if kr.KeyPos != ops.KeyPosCapped || kr.Cap != 6 || kr.Rotary != rot || kr.Angles != ops.Accurate {
		t.Fatalf("key rope %+v, want capped at the window 6", kr)
	}
	l2, err := NewLMInfinite(b, LMInfiniteConfig{WindowConfig: WindowConfig{Sink: 2, Window: 6}, Cap: 100, Rotary: rot, Angles: ops.Compat})
	if err != nil || l2.KeyRoPE().Cap != 100 || l2.KeyRoPE().Angles != ops.Compat {
		t.Fatalf("explicit cap: %v %+v", err, l2.KeyRoPE())
	}
	p := randomProblem(41, 50, 2, 2, 8)
	sel, err := l.Select(nil, p.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if row := readRows(t, b, sel)[0]; !slices.Equal(row, []int32{0, 1, 44, 45, 46, 47, 48, 49}) {
		t.Fatalf("row %v", row)
	}
	for _, c := range []LMInfiniteConfig{
		{WindowConfig: WindowConfig{Sink: 2, Window: 6}, Cap: -1, Rotary: rot},
		{WindowConfig: WindowConfig{Sink: 2, Window: 6}},
		{WindowConfig: WindowConfig{Sink: -2, Window: 6}, Rotary: rot},
		{WindowConfig: WindowConfig{Sink: 2, Window: 6}, Rotary: rot, Angles: 7},
	} {
		if _, err := NewLMInfinite(b, c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

package crosscheck

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

func TestCheckRoPEFallbackPasses(t *testing.T) {
	for _, ref := range []ops.Backend{nil, fallback.New()} {
		rs, err := Run(&Ctx{Test: fallback.New(), Ref: ref, Seed: 7, Quick: true}, "rope")
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			t.Fatal("no cases")
		}
		for _, r := range rs {
			if !r.Pass || r.Compared == 0 {
				t.Errorf("%s vs %s: %+v", r.Case, r.Reference, r)
			}
		}
	}
}

// bentRoPE rotates by the negated angle: the check must catch it.
type bentRoPE struct{ *fallback.Backend }

func (b bentRoPE) Name() string { return "bent" }

func (b bentRoPE) RoPE(a *ops.RoPEArgs) error {
	pos := make([]int32, a.Positions.Len())
	if err := b.Read(ops.Bytes(pos), a.Positions); err != nil {
		return err
	}
	// Flip the position of token 1 to the one before it: one token of
	// every case is rotated by the wrong angle.
	if len(pos) > 1 {
		pos[1] = pos[0] + 2
	}
	neg, err := b.Alloc(ops.I32, len(pos))
	if err != nil {
		return err
	}
	if err := b.Write(neg, ops.Bytes(pos)); err != nil {
		return err
	}
	c := *a
	c.Positions = neg
	return b.Backend.RoPE(&c)
}

// ulpRoPE changes one output bit of q.
type ulpRoPE struct{ *fallback.Backend }

func (b ulpRoPE) RoPE(a *ops.RoPEArgs) error {
	if err := b.Backend.RoPE(a); err != nil {
		return err
	}
	raw := make([]byte, a.Q.Len()*a.Q.DType.Size())
	if err := b.Read(raw, a.Q); err != nil {
		return err
	}
	raw[len(raw)/2] ^= 1
	return b.Write(a.Q, raw)
}

func TestCheckRoPECatchesErrors(t *testing.T) {
	rs, err := Run(&Ctx{Test: bentRoPE{fallback.New()}, Seed: 7, Quick: true}, "rope")
	if err != nil {
		t.Fatal(err)
	}
	if Failed(rs) != len(rs) {
		t.Errorf("a wrong position passed %d of %d cases against fp64", len(rs)-Failed(rs), len(rs))
	}
	rs, err = Run(&Ctx{Test: ulpRoPE{fallback.New()}, Ref: fallback.New(), Seed: 7, Quick: true}, "rope")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Reference != fallback.Name {
			continue
		}
		// One flipped low bit is one ulp: Accurate (bit-identical) must
		// fail, Compat (within 1 ulp) pass.
		if accurate := strings.Contains(r.Case, "accurate"); r.Pass == accurate || r.Mismatches != btoi(accurate) {
			t.Errorf("one-bit change: %+v", r)
		}
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "FAIL: element") || !strings.Contains(buf.String(), " passed, ") {
		t.Errorf("table:\n%s", buf.String())
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCheckRoPEUnsupported(t *testing.T) {
	rs, err := Run(&Ctx{Test: noRoPE{fallback.New()}, Quick: true}, "rope")
	if err != nil {
		t.Fatal(err)
	}
	if Failed(rs) != len(rs) || !strings.Contains(rs[0].Notes, "unsupported") {
		t.Errorf("unsupported backend: %+v", rs[0])
	}
	if _, err := Run(&Ctx{Test: fallback.New()}, "nope"); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("unknown check: %v", err)
	}
	if _, err := Run(&Ctx{}, "rope"); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("no backend: %v", err)
	}
}

// noRoPE is a backend whose RoPE is unsupported.
type noRoPE struct{ *fallback.Backend }

func (noRoPE) Name() string { return "norope" }

func (noRoPE) RoPE(*ops.RoPEArgs) error {
	return ops.Errorf(ops.ErrUnsupported, "op", "rope", "not here")
}

func TestCheckEveryOpFallbackPasses(t *testing.T) {
	for _, op := range Ops() {
		rs, err := Run(&Ctx{Test: fallback.New(), Ref: fallback.New(), Seed: 3, Quick: true}, op)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		refs := map[string]int{}
		for _, r := range rs {
			refs[r.Reference]++
			if !r.Pass || r.Compared == 0 {
				t.Errorf("%s %s vs %s: %+v", r.Op, r.Case, r.Reference, r)
			}
		}
		if refs["fp64"] == 0 || refs["fp64"] != refs[fallback.Name] {
			t.Errorf("%s: results per reference %v, want as many against fp64 as against the fallback", op, refs)
		}
	}
}

// TestPrefillTokens: the prefill cases reach the rows from which the CUDA
// planner picks its tensor-core kernel, with no token more.
func TestPrefillTokens(t *testing.T) {
	for _, g := range []int{1, 4, 7, 8} {
		if n := prefillTokens(g); n*g < kernels.PrefillMinRows || (n-1)*g >= kernels.PrefillMinRows {
			t.Errorf("prefillTokens(%d) = %d", g, n)
		}
	}
}

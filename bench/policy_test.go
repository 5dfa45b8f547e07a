package bench

import (
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// TestPolicyRows runs every policy step over a small pool of Llama-3.1-8B
// shapes on the fallback and checks each row's traffic: the attention's
// K and V bytes for the slots actually selected, gathered in rows of a
// whole slot (per-request selections) or of one kv head (per-kv-head
// ones), read in order for the window; the selection's own traffic on
// top; the speed-up over the dense row of the same pool.
func TestPolicyRows(t *testing.T) {
	m, _ := LookupModel("llama-3.1-8b")
	const S = 4096
	rows, err := policyPool(testCtx(fallback.New()), m, S)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + len(policyBudgets)*len(policyKinds); len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	dense := rows[0]
	if !strings.HasPrefix(dense.Shape, "policy=dense S=4096 ") || dense.ReadBytes != KVBytes(8, 128, 128, S, ops.BF16) {
		t.Errorf("dense row %q: read %v", dense.Shape, dense.ReadBytes)
	}
	for i, r := range rows[1:] {
		k, B := policyKinds[i%len(policyKinds)], S/policyBudgets[i/len(policyKinds)]
		if r.Skipped || !(r.Seconds > 0) || !strings.Contains(r.Shape, "policy="+k.name+" ") {
			t.Errorf("row %d %q: skipped %v, %v s", i, r.Shape, r.Skipped, r.Seconds)
			continue
		}
		if !near(r.RatioToNaive, dense.Seconds/r.Seconds) || r.RooflineSeconds <= 0 {
			t.Errorf("%s: speed-up %v, roofline %v", r.Shape, r.RatioToNaive, r.RooflineSeconds)
		}
		sel := k.selection(S, B, 32, 8, 128)
		kv := r.Bytes - sel.Bytes - AttentionBytes(1, 32, 8, 128, 128, 0, ops.BF16) // K and V bytes attended
		n := kv / KVBytes(8, 128, 128, 1, ops.BF16)
		if n != float64(int(n)) || n <= 0 || n > float64(B) || (k.name != "squeezed" && n != float64(B)) {
			t.Errorf("%s: %v slots attended per kv head, budget %d", r.Shape, n, B)
		}
		switch {
		case k.inOrder:
			if r.ReadBytes != sel.ReadBytes+kv || r.GatherBytes != 0 {
				t.Errorf("%s: read %v, gather %v; want the window read in order", r.Shape, r.ReadBytes, r.GatherBytes)
			}
		case k.perKVHead:
			if r.GatherBytes != kv || r.GatherRowBytes != 256 || r.ReadBytes != sel.ReadBytes {
				t.Errorf("%s: gather %v in %d-byte rows, read %v", r.Shape, r.GatherBytes, r.GatherRowBytes, r.ReadBytes)
			}
		default:
			if r.GatherBytes != kv || r.GatherRowBytes != 2048 || r.ReadBytes != sel.ReadBytes {
				t.Errorf("%s: gather %v in %d-byte rows, read %v", r.Shape, r.GatherBytes, r.GatherRowBytes, r.ReadBytes)
			}
		}
	}
}

// TestPolicySelectionTraffic checks the selection traffic of the step
// rows for Llama-3.1-8B shapes over 131072 slots at a budget of 8192.
func TestPolicySelectionTraffic(t *testing.T) {
	const S, B, Hq, Hk, D = 131072, 8192, 32, 8, 128
	sel := map[string]Result{}
	for _, k := range policyKinds {
		sel[k.name] = k.selection(S, B, Hq, Hk, D)
	}
	// TokenSelect scans all but its 128 sink and 512 local tokens: K read
	// in order, scores written and read back by the vote, the vote read
	// by TopK.
	n := float64(S - 128 - 512)
	ts := sel["tokenselect-miss"]
	if want := n*Hk*D*2 + n*Hq*4 + n*4; ts.ReadBytes != want {
		t.Errorf("tokenselect-miss reads %v, want %v", ts.ReadBytes, want)
	}
	if want := 2 * Hq * n * D; ts.Flops != want {
		t.Errorf("tokenselect-miss flops %v, want %v", ts.Flops, want)
	}
	// Quest reads the float32 min and max of all pages but the newest,
	// then the bounds (GQA vote) and the votes (TopK).
	np := float64(S/16 - 1)
	if want := 2*np*Hk*D*4 + np*Hq*4 + np*Hk*4; sel["quest"].ReadBytes != want {
		t.Errorf("quest reads %v, want %v", sel["quest"].ReadBytes, want)
	}
	// Squeezed scores its (S-512)/256 centroids per kv head.
	if want := float64((S-512)/256) * Hk * D * 2; sel["squeezed"].ReadBytes != want {
		t.Errorf("squeezed reads %v, want %v", sel["squeezed"].ReadBytes, want)
	}
	for _, name := range []string{"tokenselect-hit", "streamingllm"} {
		if sel[name] != (Result{}) {
			t.Errorf("%s selection traffic %+v, want none", name, sel[name])
		}
	}
}

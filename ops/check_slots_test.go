package ops

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestCheckSlots checks range and duplicate errors, and the entry they
// name, on both sides of the pairwise/bitset threshold, against a direct
// search.
func TestCheckSlots(t *testing.T) {
	for _, n := range []int{0, 1, 2, slotsQuadratic, slotsQuadratic + 1, 200} {
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(7*i + 3)
		}
		slots := 7*n + 4
		if err := CheckSlots("slots", idx, slots); err != nil {
			t.Fatalf("n=%d distinct slots: %v", n, err)
		}
		if n < 2 {
			continue
		}
		for _, at := range []int{1, n / 2, n - 1} {
			d := append([]int32(nil), idx...)
			d[at] = d[at/2]
			err := CheckSlots("slots", d, slots)
			want := fmt.Sprintf("slots[%d]", at)
			if at/2 == at { // n=2, at=1: d[1] = d[0]
				want = "slots[1]"
			}
			if !errors.Is(err, ErrRange) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprintf("slots[%d]", at/2)) {
				t.Errorf("n=%d duplicate at %d of %d: %v, want ErrRange naming %s and slots[%d]", n, at, at/2, err, want, at/2)
			}
			// the marks were cleared: the distinct slots pass again
			if err := CheckSlots("slots", idx, slots); err != nil {
				t.Fatalf("n=%d after a duplicate: %v", n, err)
			}
		}
		d := append([]int32(nil), idx...)
		d[n-1] = int32(slots)
		if err := CheckSlots("slots", d, slots); !errors.Is(err, ErrRange) || !strings.Contains(err.Error(), fmt.Sprintf("slots[%d]", n-1)) {
			t.Errorf("n=%d slot out of range: %v", n, err)
		}
		d[n-1] = -1
		if err := CheckSlots("slots", d, slots); !errors.Is(err, ErrRange) {
			t.Errorf("n=%d negative slot: %v", n, err)
		}
	}
}

// TestCheckSlotsAllocs checks that the check allocates nothing once warm.
func TestCheckSlotsAllocs(t *testing.T) {
	idx := make([]int32, 4096)
	for i := range idx {
		idx[i] = int32(i * 31)
	}
	_ = CheckSlots("slots", idx, 1<<20)
	if a := testing.AllocsPerRun(20, func() { _ = CheckSlots("slots", idx, 1<<20) }); a != 0 {
		t.Fatalf("CheckSlots allocates %v times per call, want 0", a)
	}
}

package ops

import (
	"fmt"
	"sync"
)

// slotMarks recycles the bitsets CheckSlots marks slots in, so that the
// check allocates nothing once warm.
var slotMarks = sync.Pool{New: func() any { return new([]uint64) }}

// slotsQuadratic is the most slots CheckSlots compares pairwise instead
// of marking them in a bitset.
const slotsQuadratic = 32

// CheckSlots returns ErrRange naming the first slot outside [0, slots)
// and the first slot written twice (with the entry that wrote it first).
// It allocates nothing in steady state.
func CheckSlots(arg string, idx []int32, slots int) error {
	for i, s := range idx {
		if s < 0 || int(s) >= slots {
			return Errorf(ErrRange, fmt.Sprintf("%s[%d]", arg, i), s, "want a slot in [0, %d)", slots)
		}
	}
	dup := -1 // the first entry whose slot an earlier entry holds
	if len(idx) <= slotsQuadratic {
		for i := 1; i < len(idx) && dup < 0; i++ {
			for _, t := range idx[:i] {
				if t == idx[i] {
					dup = i
					break
				}
			}
		}
	} else {
		dup = firstRepeat(idx, slots)
	}
	if dup < 0 {
		return nil
	}
	s := idx[dup]
	j := 0
	for idx[j] != s {
		j++
	}
	return Errorf(ErrRange, fmt.Sprintf("%s[%d]", arg, dup), s, "slot already written by %s[%d]", arg, j)
}

// firstRepeat returns the first entry of idx (slots in [0, slots)) whose
// slot an earlier entry holds, or -1, marking slots in a pooled bitset
// that it clears again before returning it.
func firstRepeat(idx []int32, slots int) int {
	p := slotMarks.Get().(*[]uint64)
	if w := (slots + 63) / 64; len(*p) < w {
		*p = make([]uint64, w)
	}
	m := *p
	dup := -1
	n := len(idx)
	for i, s := range idx {
		bit := uint64(1) << (s & 63)
		if m[s>>6]&bit != 0 {
			dup, n = i, i
			break
		}
		m[s>>6] |= bit
	}
	for _, s := range idx[:n] {
		m[s>>6] = 0
	}
	slotMarks.Put(p)
	return dup
}

package main

import (
	"bytes"
	"testing"
)

// TestEvexCvtne2ps2bf16 checks the encoding against GNU as's for
// registers that set every extension bit (R, R', X, B, V'): AT&T operand
// order lo, hi, dst, as in Go assembly.
func TestEvexCvtne2ps2bf16(t *testing.T) {
	for _, c := range []struct {
		lo, hi, dst int
		want        []byte
	}{
		{1, 2, 0, []byte{0x62, 0xf2, 0x6f, 0x48, 0x72, 0xc1}},
		{17, 25, 31, []byte{0x62, 0x22, 0x37, 0x40, 0x72, 0xf9}},
		{31, 8, 16, []byte{0x62, 0x82, 0x3f, 0x48, 0x72, 0xc7}},
		{9, 23, 12, []byte{0x62, 0x52, 0x47, 0x40, 0x72, 0xe1}},
	} {
		if got := evexCvtne2ps2bf16(c.lo, c.hi, c.dst); !bytes.Equal(got, c.want) {
			t.Errorf("VCVTNE2PS2BF16 Z%d, Z%d, Z%d: % x, want % x", c.lo, c.hi, c.dst, got, c.want)
		}
	}
}

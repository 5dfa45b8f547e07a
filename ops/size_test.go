package ops

import (
	"errors"
	"math"
	"testing"
)

func TestSize(t *testing.T) {
	for _, c := range []struct {
		f    []int
		n    int
		fits bool
	}{
		{nil, 1, true},
		{[]int{7}, 7, true},
		{[]int{3, 4, 5}, 60, true},
		{[]int{1 << 24, 1 << 24}, 1 << 48, true},
		{[]int{1 << 24, 1<<24 + 1}, 0, false},
		{[]int{1 << 62}, 0, false},
		{[]int{1<<62 + 1, 4, 1}, 0, false},     // wraps to 4 in int arithmetic
		{[]int{1 << 32, 1 << 32}, 0, false},    // wraps to 0
		{[]int{0, 5}, 0, true},                 //
		{[]int{0, 1 << 40, 1 << 40}, 0, false}, // empty, but a sub-product overflows
		{[]int{3, math.MaxInt}, 0, false},      //
		{[]int{-1, -1}, 0, false},              // negative factors
		{[]int{2, -3}, 0, false},               //
		{[]int{math.MaxInt, 0}, 0, false},      //
		{[]int{1 << 48, 1, 1, 0}, 0, true},     // a zero after the largest legal product
		{[]int{1, 1 << 48, 1}, 1 << 48, true},  //
		{[]int{2, 1 << 47, 1}, 1 << 48, true},  //
		{[]int{2, 1<<47 + 1}, 0, false},        //
	} {
		n, ok := Size(c.f...)
		if n != c.n || ok != c.fits {
			t.Errorf("Size(%v) = %d, %v; want %d, %v", c.f, n, ok, c.n, c.fits)
		}
	}
}

func TestDenseBytes(t *testing.T) {
	if n, err := DenseBytes(BF16, []int{3, 5}); n != 30 || err != nil {
		t.Errorf("DenseBytes(bf16, [3 5]) = %d, %v", n, err)
	}
	if n, err := DenseBytes(F32, nil); n != 4 || err != nil {
		t.Errorf("DenseBytes(f32, []) = %d, %v; want 4 (a scalar)", n, err)
	}
	for _, c := range []struct {
		dt    DType
		shape []int
		want  error
	}{
		{F32, []int{1 << 62}, ErrShape},
		{F32, []int{1 << 47}, ErrShape}, // 2^49 bytes
		{I32, []int{-2}, ErrShape},
		{InvalidDType, []int{2}, ErrDType},
	} {
		if _, err := DenseBytes(c.dt, c.shape); !errors.Is(err, c.want) {
			t.Errorf("DenseBytes(%v, %v) = %v, want %v", c.dt, c.shape, err, c.want)
		}
	}
}

package vec_test

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
)

func ExampleDot() {
	a := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	b := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, -1}
	fmt.Println(vec.Dot(a, b))
	// Output: 35
}

func ExampleDotsBF16() {
	// Two query rows of D = 3 against one bfloat16 key row (1, 2, -0.5).
	q := []float32{1, 1, 1, 2, 0, 4}
	k := []uint16{0x3f80, 0x4000, 0xbf00}
	dst := make([]float32, 2)
	vec.DotsBF16(dst, q, k)
	fmt.Println(dst)
	// Output: [2.5 0]
}

func ExampleRotate() {
	// Rotate (1, 0) and (0, 2) by a quarter turn: cos 0, sin 1.
	x, y := []float32{1, 0}, []float32{0, 2}
	c, s := []float32{0, 0}, []float32{1, 1}
	vec.Rotate(x, y, c, s)
	fmt.Println(x, y)
	// Output: [0 -2] [1 0]
}

func ExampleF32ToBF16() {
	src := []float32{1 + 0x1p-8, 1 + 3*0x1p-8, -65504, float32(math.Inf(1)), float32(math.NaN())}
	dst := make([]uint16, len(src))
	vec.F32ToBF16(dst, src)
	fmt.Printf("%#04x\n", dst)
	// Output: [0x3f80 0x3f82 0xc780 0x7f80 0x7fc0]
}

func ExampleAxpyBF16() {
	y := []float32{1, 1, 1}
	vec.AxpyBF16(2, []uint16{0x3f80, 0x4040, 0xc000}, y) // 1, 3, -2
	fmt.Println(y)
	// Output: [3 7 -3]
}

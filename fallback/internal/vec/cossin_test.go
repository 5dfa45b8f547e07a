package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// cosSinTables are inverse-frequency tables to test the angle kernels
// with: real schedules, and random log-uniform frequencies in [2^-30, 2]
// (every exponent the schedules produce, and some above 1).
func cosSinTables(t *testing.T, r *rand.Rand) [][]float64 {
	def, err := ops.DefaultRoPE(128, 1e4)
	if err != nil {
		t.Fatal(err)
	}
	l3, err := ops.Llama3(ops.Llama3Params{
		RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 5e5},
		Factor:     8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192,
	})
	if err != nil {
		t.Fatal(err)
	}
	rnd := make([]float64, 67)
	for i := range rnd {
		rnd[i] = math.Exp2(-30 + 31*r.Float64())
	}
	return [][]float64{def.InvFreq, l3.InvFreq, rnd}
}

// cosSinPositions are the positions tested: the first ones, powers of
// two, the largest int32, and random ones over the whole range.
func cosSinPositions(r *rand.Rand) []int32 {
	p := []int32{0, 1, 2, 3, 7, 100, 4095, 4096, 8191, 131071, 1 << 20, 1<<31 - 1}
	for range 200 {
		p = append(p, int32(r.Uint32()>>1), int32(r.IntN(1<<17)))
	}
	return p
}

var cosSinFactors = []float64{1, 1.0986122886681098, 0.5}

// TestAccurateCosSin checks the vector angle pipeline bit for bit
// against precision.AccurateCosSin, the definition, over real and random
// frequency tables, positions up to 2^31-1 and attention factors.
func TestAccurateCosSin(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	tables, positions := cosSinTables(t, r), cosSinPositions(r)
	forLevels(t, func(t *testing.T, l int) {
		for _, inv := range tables {
			n := len(inv)
			c, checkC := guardedF32(n, 1)
			s, checkS := guardedF32(n, 2)
			for _, p := range positions {
				for _, a := range cosSinFactors {
					accurateCosSinAt(l, c, s, p, inv, a)
					for i := range c {
						wc, ws := precision.AccurateCosSin(p, inv[i], a)
						if math.Float32bits(c[i]) != math.Float32bits(wc) || math.Float32bits(s[i]) != math.Float32bits(ws) {
							t.Fatalf("pos %d invFreq %v attn %v: got (%v, %v), want (%v, %v)", p, inv[i], a, c[i], s[i], wc, ws)
						}
					}
				}
			}
			checkC(t)
			checkS(t)
		}
	})
}

// TestCompatCosSin checks the float32-angle pipeline bit for bit against
// precision.CompatCosSin with the float32 tables of the same schedules.
func TestCompatCosSin(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	tables, positions := cosSinTables(t, r), cosSinPositions(r)
	forLevels(t, func(t *testing.T, l int) {
		for _, inv64 := range tables {
			n := len(inv64)
			inv := at[float32](n, 3)
			for i, f := range inv64 {
				inv[i] = float32(f)
			}
			c, checkC := guardedF32(n, 3)
			s, checkS := guardedF32(n, 0)
			for _, p := range positions {
				for _, a := range cosSinFactors {
					compatCosSinAt(l, c, s, p, inv, a)
					for i := range c {
						wc, ws := precision.CompatCosSin(p, inv[i], a)
						if math.Float32bits(c[i]) != math.Float32bits(wc) || math.Float32bits(s[i]) != math.Float32bits(ws) {
							t.Fatalf("pos %d invFreq %v attn %v: got (%v, %v), want (%v, %v)", p, inv[i], a, c[i], s[i], wc, ws)
						}
					}
				}
			}
			checkC(t)
			checkS(t)
		}
	})
}

// TestCosSinLengths checks every table length and misalignment (the
// tails run plain Go) with guards.
func TestCosSinLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	forLevels(t, func(t *testing.T, l int) {
		for _, n := range testLengths {
			for _, off := range testOffsets {
				inv, inv32 := at[float64](n, off), at[float32](n, (off+1)%4)
				for i := range inv {
					inv[i] = math.Exp2(-20 * r.Float64())
					inv32[i] = float32(inv[i])
				}
				c, checkC := guardedF32(n, (off+2)%4)
				s, checkS := guardedF32(n, (off+3)%4)
				p := int32(r.Uint32() >> 1)
				accurateCosSinAt(l, c, s, p, inv, 1.5)
				checkC(t)
				checkS(t)
				for i := range c {
					if wc, ws := precision.AccurateCosSin(p, inv[i], 1.5); math.Float32bits(c[i]) != math.Float32bits(wc) || math.Float32bits(s[i]) != math.Float32bits(ws) {
						t.Fatalf("accurate n=%d off=%d i=%d", n, off, i)
					}
				}
				compatCosSinAt(l, c, s, p, inv32, 1.5)
				checkC(t)
				checkS(t)
				for i := range c {
					if wc, ws := precision.CompatCosSin(p, inv32[i], 1.5); math.Float32bits(c[i]) != math.Float32bits(wc) || math.Float32bits(s[i]) != math.Float32bits(ws) {
						t.Fatalf("compat n=%d off=%d i=%d", n, off, i)
					}
				}
			}
		}
	})
}

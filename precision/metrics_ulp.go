package precision

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// ULP distances count the representable values between two numbers of one
// format: the bit patterns are mapped to integers that increase with the
// value (sign-magnitude to two's complement, so +0 and −0 both map to 0
// and the largest finite value is one step from Inf), and the distance is
// the difference of those integers. Two NaNs are 0 apart; a NaN and a
// number are math.MaxUint64 apart.

// orderedKey maps a sign-magnitude bit pattern with the given sign bit to
// an integer ordered like the values.
func orderedKey(u, sign uint64) int64 {
	if u&sign != 0 {
		return -int64(u &^ sign)
	}
	return int64(u)
}

func ulpDist(a, b, sign uint64, aNaN, bNaN bool) uint64 {
	switch {
	case aNaN && bNaN:
		return 0
	case aNaN || bNaN:
		return math.MaxUint64
	}
	d := orderedKey(a, sign) - orderedKey(b, sign)
	if d < 0 {
		d = -d
	}
	return uint64(d)
}

// ULPDistanceF32 returns the number of float32 steps between a and b.
func ULPDistanceF32(a, b float32) uint64 {
	return ulpDist(uint64(math.Float32bits(a)), uint64(math.Float32bits(b)), 1<<31, a != a, b != b)
}

// ULPDistanceBF16 returns the number of bfloat16 steps between a and b.
func ULPDistanceBF16(a, b BF16) uint64 {
	return ulpDist(uint64(a), uint64(b), 1<<15, a.IsNaN(), b.IsNaN())
}

// ULPDistanceF16 returns the number of binary16 steps between a and b.
func ULPDistanceF16(a, b F16) uint64 {
	return ulpDist(uint64(a), uint64(b), 1<<15, a.IsNaN(), b.IsNaN())
}

// ULPDistance returns the number of dtype-dt steps between a and b, two
// dt values carried in float32 (values that are not representable in dt
// are first rounded to it). Non-float dtypes give math.MaxUint64.
func ULPDistance(dt ops.DType, a, b float32) uint64 {
	switch dt {
	case ops.F32:
		return ULPDistanceF32(a, b)
	case ops.BF16:
		return ULPDistanceBF16(BF16FromFloat32(a), BF16FromFloat32(b))
	case ops.F16:
		return ULPDistanceF16(F16FromFloat32(a), F16FromFloat32(b))
	}
	return math.MaxUint64
}

// ULPStats summarises the distance, in units in the last place of a
// dtype, between results and their correctly rounded truth.
type ULPStats struct {
	N       int     // elements measured: those with |truth| ≥ the floor
	Skipped int     // elements below the floor
	Exact   int     // measured elements equal to the correctly rounded truth
	Max     uint64  // largest distance (math.MaxUint64 for a lone NaN)
	ArgMax  int     // index of the first element at Max; −1 when N is 0
	Mean    float64 // mean distance over the measured elements
}

// MeasureULP compares got (dtype dt values in float32) with the correctly
// rounded truth RoundFromFloat64(dt, truth[i]) element by element, in
// units of dt's last place. Elements whose |truth| is below floor are
// skipped: near cancellation a tiny absolute error is many ulps, so
// audits measure ULPs only above a floor such as 2^-4 times the rms of
// the truth and judge the rest normwise. Lengths that differ give an
// ops.ErrShape error and a non-float dt an ops.ErrDType error.
func MeasureULP(got []float32, truth []float64, dt ops.DType, floor float64) (ULPStats, error) {
	st := ULPStats{ArgMax: -1}
	if len(got) != len(truth) {
		return st, ops.Errorf(ops.ErrShape, "got", len(got), "want len(truth) = %d elements", len(truth))
	}
	if !dt.IsFloat() {
		return st, ops.Errorf(ops.ErrDType, "dt", dt, "want f32, bf16 or f16")
	}
	if floor != floor || floor < 0 {
		return st, ops.Errorf(ops.ErrRange, "floor", floor, "want a non-negative number")
	}
	var sum float64
	for i, g := range got {
		w := truth[i]
		if math.Abs(w) < floor {
			st.Skipped++
			continue
		}
		d := ULPDistance(dt, g, RoundFromFloat64(dt, w))
		st.N++
		if d == 0 {
			st.Exact++
		}
		if st.ArgMax < 0 || d > st.Max {
			st.Max, st.ArgMax = d, i
		}
		sum += float64(d)
	}
	if st.N > 0 {
		st.Mean = sum / float64(st.N)
	}
	return st, nil
}

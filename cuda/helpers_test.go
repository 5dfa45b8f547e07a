package cuda

import (
	"encoding/binary"
	"math"

	"github.com/x448/float16"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

func putF32(b []byte, x float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(x)) }
func putU16(b []byte, x uint16)  { binary.LittleEndian.PutUint16(b, x) }

// narrow16 rounds x to the 16-bit dtype dt and returns its bits.
func narrow16(dt ops.DType, x float32) uint16 {
	if dt == ops.BF16 {
		return precision.BF16FromFloat32(x).Bits()
	}
	return float16.Fromfloat32(x).Bits()
}

func leU64(b []byte) uint64    { return binary.LittleEndian.Uint64(b) }
func f64bits(f float64) uint64 { return math.Float64bits(f) }

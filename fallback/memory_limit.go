package fallback

import (
	"fmt"
	"math"
	"sync"

	"github.com/rotorkernels/rotor/ops"
)

// maxSizeBytes is ops.MaxSize, capped at the range of int.
const maxSizeBytes = min(ops.MaxSize, math.MaxInt)

// maxAlloc returns the most bytes Alloc will allocate: the machine's
// physical memory where the system reports it (an allocation beyond it
// would end the process with a fatal out-of-memory error, which no caller
// can handle), else ops.MaxSize.
var maxAlloc = sync.OnceValue(func() int {
	if n := physicalMemory(); n > 0 {
		return n
	}
	return int(maxSizeBytes)
})

// allocWords returns n zeroed words, or an error where the runtime
// refuses the allocation with a panic (a length it cannot represent).
func allocWords(n int) (words []uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return make([]uint64, n), nil
}

package bench

import (
	"encoding/json"
	"io"
)

// WriteJSON writes rs as an indented JSON list of Result objects (an
// empty list, never null, when rs is empty).
func WriteJSON(w io.Writer, rs []Result) error {
	if rs == nil {
		rs = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

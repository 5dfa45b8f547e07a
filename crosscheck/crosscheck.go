package crosscheck

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rotorkernels/rotor/ops"
)

// Result is one case of a cross-backend check.
type Result struct {
	// Op names the op checked ("rope", "attend", …).
	Op string `json:"op"`
	// Case describes the inputs, e.g. "llama-3.1-8b bf16 accurate neox T=64".
	Case string `json:"case"`
	// Backend is the backend under test.
	Backend string `json:"backend"`
	// Reference is what it was compared with: another backend's name, or
	// "fp64" for float64 references computed on the host.
	Reference string `json:"reference"`
	// Compared is the number of output elements compared; Mismatches the
	// number that failed the element criterion.
	Compared   int `json:"compared"`
	Mismatches int `json:"mismatches"`
	// MaxErr is the largest error in the unit Criterion names (ulps, or
	// an error relative to the inputs' magnitude).
	MaxErr float64 `json:"max_err"`
	// Criterion states the pass rule, e.g. "bit-identical" or
	// "mismatch fraction < 1e-3, every element within 1 ulp".
	Criterion string `json:"criterion"`
	// Pass reports whether the criterion held.
	Pass bool `json:"pass"`
	// Notes carries the first failing element or a skip reason.
	Notes string `json:"notes,omitempty"`
}

// Ctx is what a Func receives.
type Ctx struct {
	// Test is the backend under test.
	Test ops.Backend
	// Ref is the backend it is compared with (normally the fallback), or
	// nil to compare Test with float64 references on the host.
	Ref ops.Backend
	// Seed makes the random inputs reproducible.
	Seed uint64
	// Quick checks fewer cases.
	Quick bool
}

// Reference returns the name Result.Reference should carry.
func (c *Ctx) Reference() string {
	if c.Ref == nil {
		return "fp64"
	}
	return c.Ref.Name()
}

// Func runs one op's checks. A case that cannot run on a backend
// (ErrUnsupported) is reported as a failed Result with a note, not as
// an error; an error aborts the op's checks.
type Func func(c *Ctx) ([]Result, error)

var (
	checksMu sync.Mutex
	checks   = map[string]Func{}
)

// Register adds op's check. Ops register from init in their own file
// (rope.go, …). Registering a name twice panics.
func Register(op string, fn Func) {
	checksMu.Lock()
	defer checksMu.Unlock()
	if _, dup := checks[op]; dup {
		panic("crosscheck: check " + op + " registered twice")
	}
	checks[op] = fn
}

// Ops returns the ops that have a registered check, sorted.
func Ops() []string {
	checksMu.Lock()
	defer checksMu.Unlock()
	var names []string
	for n := range checks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Run runs op's check ("all" or "" runs every registered check, in
// name order).
func Run(c *Ctx, op string) ([]Result, error) {
	if c == nil || c.Test == nil {
		return nil, ops.Errorf(ops.ErrConfig, "backend", nil, "a backend under test is required")
	}
	names := []string{op}
	if op == "all" || op == "" {
		names = Ops()
	}
	var out []Result
	for _, n := range names {
		checksMu.Lock()
		fn, ok := checks[n]
		checksMu.Unlock()
		if !ok {
			return out, ops.Errorf(ops.ErrConfig, "op", n, "want one of %s or all", strings.Join(Ops(), ", "))
		}
		rs, err := fn(c)
		out = append(out, rs...)
		if err != nil {
			return out, fmt.Errorf("check %s: %w", n, err)
		}
	}
	return out, nil
}

// Failed returns the number of results that did not pass.
func Failed(rs []Result) int {
	n := 0
	for _, r := range rs {
		if !r.Pass {
			n++
		}
	}
	return n
}

// WriteTable prints check results as an aligned table followed by a
// summary line "N passed, M failed".
func WriteTable(w io.Writer, rs []Result) error {
	rows := [][]string{{"op", "case", "backend", "reference", "compared", "mismatches", "max err", "criterion", "result"}}
	for _, r := range rs {
		res := "ok"
		if !r.Pass {
			res = "FAIL"
			if r.Notes != "" {
				res += ": " + r.Notes
			}
		}
		rows = append(rows, []string{r.Op, r.Case, r.Backend, r.Reference,
			fmt.Sprint(r.Compared), fmt.Sprint(r.Mismatches), fmt.Sprintf("%.3g", r.MaxErr), r.Criterion, res})
	}
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%d passed, %d failed\n", len(rs)-Failed(rs), Failed(rs))
	_, err := io.WriteString(w, b.String())
	return err
}

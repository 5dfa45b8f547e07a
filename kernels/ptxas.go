package kernels

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Usage is ptxas's resource report (ptxas -v) for one function.
type Usage struct {
	Function    string
	Entry       bool // a kernel (entry function), not a device function
	Arch        string
	Registers   int
	StackBytes  int
	SpillStores int
	SpillLoads  int
	SharedBytes int
}

var (
	reEntry = regexp.MustCompile(`Compiling entry function '([^']+)' for '([^']+)'`)
	reProps = regexp.MustCompile(`Function properties for (\S+)`)
	reStack = regexp.MustCompile(`(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads`)
	reUsed  = regexp.MustCompile(`Used (\d+) registers`)
	reSmem  = regexp.MustCompile(`(\d+) bytes smem`)
)

// ParsePtxasInfo parses the output of ptxas -v into one Usage per
// function, in order of appearance.
func ParsePtxasInfo(out string) ([]Usage, error) {
	var us []Usage
	idx := map[string]int{}
	get := func(name string) *Usage {
		i, ok := idx[name]
		if !ok {
			i = len(us)
			idx[name] = i
			us = append(us, Usage{Function: name})
		}
		return &us[i]
	}
	var entry, props, arch string
	for _, line := range strings.Split(out, "\n") {
		if m := reEntry.FindStringSubmatch(line); m != nil {
			entry, arch = m[1], m[2]
			u := get(entry)
			u.Entry, u.Arch = true, arch
			continue
		}
		if m := reProps.FindStringSubmatch(line); m != nil {
			props = m[1]
			get(props).Arch = arch
			continue
		}
		if m := reStack.FindStringSubmatch(line); m != nil {
			if props == "" {
				return nil, fmt.Errorf("ptxas output: stack line before any function: %q", line)
			}
			u := get(props)
			u.StackBytes, _ = strconv.Atoi(m[1])
			u.SpillStores, _ = strconv.Atoi(m[2])
			u.SpillLoads, _ = strconv.Atoi(m[3])
			continue
		}
		if m := reUsed.FindStringSubmatch(line); m != nil {
			if entry == "" {
				return nil, fmt.Errorf("ptxas output: register line before any entry: %q", line)
			}
			u := get(entry)
			u.Registers, _ = strconv.Atoi(m[1])
			if s := reSmem.FindStringSubmatch(line); s != nil {
				u.SharedBytes, _ = strconv.Atoi(s[1])
			}
		}
	}
	return us, nil
}

// RegisterBudgets is the most registers per thread each kernel may use
// (by base name). The budgets keep the occupancy each kernel was designed
// for: bandwidth-bound RoPE at ≥ 24 resident warps per SM (≤ 80
// registers), the selection scans at ≥ 12 warps (≤ 160), the gather
// attention at two blocks of 4 warps per SM (≤ 240: 2 × 128 threads ×
// 240 = 61 440 of an SM's 65 536 registers, registers being allocated 8
// per thread at a time) and the tensor-core prefill without spills
// (≤ 255); the small reduction kernels stay well below.
var RegisterBudgets = map[string]int{
	"rope":             80,
	"rope_append":      80,
	"attn_decode":      240,
	"sel_rank_counts":  40,
	"attn_prefill":     255,
	"attn_split_merge": 64,
	"attn_merge2":      48,
	"qk_scores":        160,
	"crit_stats":       40,
	"crit_vote":        40,
	"topk_radix":       48,
	"page_meta":        48,
	"page_scores":      128,
	"kmeans_init":      40,
	"kmeans_prep":      48,
	"kmeans_screen":    128,
	"kmeans_resolve":   128,
	"kmeans_sums":      32,
}

// CheckUsage returns the problems of one kernel's ptxas report: over its
// register budget, spills (local memory) in a hot family, or more than 48
// KB of static shared memory.
func CheckUsage(f Family, u Usage) []string {
	var p []string
	if b, ok := RegisterBudgets[BaseKernel(u.Function)]; u.Entry && ok && u.Registers > b {
		p = append(p, fmt.Sprintf("%s (%s): %d registers > budget %d", u.Function, u.Arch, u.Registers, b))
	} else if u.Entry && !ok {
		p = append(p, fmt.Sprintf("%s (%s): no register budget", u.Function, u.Arch))
	}
	if f.Hot() && (u.SpillStores > 0 || u.SpillLoads > 0) {
		p = append(p, fmt.Sprintf("%s (%s): spills %d bytes stored, %d loaded", u.Function, u.Arch, u.SpillStores, u.SpillLoads))
	}
	if f.Hot() && u.StackBytes > 0 {
		p = append(p, fmt.Sprintf("%s (%s): %d bytes of stack (local memory)", u.Function, u.Arch, u.StackBytes))
	}
	if u.SharedBytes > 48<<10 {
		p = append(p, fmt.Sprintf("%s (%s): %d bytes of static shared memory > 48 KB", u.Function, u.Arch, u.SharedBytes))
	}
	return p
}

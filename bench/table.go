package bench

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteTable prints rs as an aligned text table, preceded by a line
// giving the peaks the ratios refer to. Columns: op, backend, model,
// dtype, shape, time per call, GB/s, percent of the copy peak, TFLOP/s,
// percent of the FMA peak, speed-up over the naive baseline, notes.
func WriteTable(w io.Writer, rs []Result) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintln(w, "no results")
		return err
	}
	if p := rs[0]; p.PeakGBps > 0 || p.PeakGFlops > 0 {
		var peaks []string
		if p.PeakGBps > 0 {
			peaks = append(peaks, fmt.Sprintf("copy %.1f GB/s", p.PeakGBps))
		}
		if p.PeakGFlops > 0 {
			peaks = append(peaks, fmt.Sprintf("fp32 fma %.1f GFLOP/s", p.PeakGFlops))
		}
		if _, err := fmt.Fprintf(w, "peak: %s (measured in this run)\n\n", strings.Join(peaks, ", ")); err != nil {
			return err
		}
	}
	head := []string{"op", "backend", "model", "dtype", "shape", "time", "GB/s", "%peak", "TFLOP/s", "%fma", "×naive", "notes"}
	right := []bool{false, false, false, false, false, true, true, true, true, true, true, false}
	rows := [][]string{head}
	for _, r := range rs {
		row := []string{r.Op, r.Backend, r.Model, r.DType, r.Shape}
		if r.Skipped {
			row = append(row, "-", "-", "-", "-", "-", "-")
		} else {
			row = append(row,
				FormatSeconds(r.Seconds),
				fmt.Sprintf("%.2f", r.GBps),
				pct(r.RatioToPeak),
				flopsCell(r.TFlops),
				pct(r.RatioToFlopsPeak),
				ratioCell(r.RatioToNaive))
		}
		row = append(row, r.Notes)
		rows = append(rows, row)
	}
	width := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == len(row)-1 {
				b.WriteString(c)
				break
			}
			if right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			b.WriteString("  ")
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// FormatSeconds prints a duration in s with three significant digits in
// the nearest unit: "812 ns", "4.20 µs", "13.1 ms", "1.25 s".
func FormatSeconds(s float64) string {
	switch {
	case s <= 0:
		return "-"
	case s < 1e-6:
		return sig3(s*1e9) + " ns"
	case s < 1e-3:
		return sig3(s*1e6) + " µs"
	case s < 1:
		return sig3(s*1e3) + " ms"
	}
	return sig3(s) + " s"
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func pct(r float64) string {
	if r <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*r)
}

func flopsCell(t float64) string {
	if t <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.3g", t)
}

func ratioCell(r float64) string {
	if r <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", r)
}

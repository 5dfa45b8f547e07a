package bench

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteTable prints rs as an aligned text table, preceded by a line
// giving the peaks the ratios refer to and how each was reached, and one
// giving the backend's SIMD level when it has levels. Columns:
// op, backend, model, dtype, shape, time per call, GB/s, percent of the
// copy, read and gather peaks, TFLOP/s, percent of the FMA peak, the
// roofline time and the percent of it reached, speed-up over the naive
// baseline, notes.
func WriteTable(w io.Writer, rs []Result) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintln(w, "no results")
		return err
	}
	if peaks := tablePeaks(rs); peaks != "" {
		if _, err := fmt.Fprintf(w, "peaks measured in this run: %s\n", peaks); err != nil {
			return err
		}
	}
	if simd := rs[0].SIMD; simd != "" {
		if _, err := fmt.Fprintf(w, "%s SIMD level: %s\n", rs[0].Backend, simd); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	head := []string{"op", "backend", "model", "dtype", "shape", "time", "GB/s", "%copy", "%read", "%gather",
		"TFLOP/s", "%fma", "roofline", "%roof", "×naive", "notes"}
	right := []bool{false, false, false, false, false, true, true, true, true, true, true, true, true, true, true, false}
	rows := [][]string{head}
	for _, r := range rs {
		row := []string{r.Op, r.Backend, r.Model, r.DType, r.Shape}
		if r.Skipped {
			row = append(row, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-")
		} else {
			row = append(row,
				FormatSeconds(r.Seconds),
				fmt.Sprintf("%.2f", r.GBps),
				pct(r.RatioToPeak),
				pct(r.RatioToReadPeak),
				pct(r.RatioToGatherPeak),
				flopsCell(r.TFlops),
				pct(r.RatioToFlopsPeak),
				rooflineCell(r),
				pct(r.RatioToRoofline),
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

// tablePeaks describes the peaks of rs: the copy and FMA peaks of the
// first row and the read peak of the first row that has one.
func tablePeaks(rs []Result) string {
	p := Peaks{CopyGBps: rs[0].PeakGBps, CopyMethod: rs[0].CopyPeakMethod, GFlops: rs[0].PeakGFlops, FMAISA: rs[0].FMAPeakISA}
	for _, r := range rs {
		if r.ReadPeakGBps > 0 {
			p.ReadGBps, p.ReadMethod = r.ReadPeakGBps, r.ReadPeakMethod
			break
		}
	}
	return p.String()
}

// rooflineCell prints a row's roofline time and its bound, e.g.
// "3.10 ms gather".
func rooflineCell(r Result) string {
	if r.RooflineSeconds <= 0 {
		return "-"
	}
	return FormatSeconds(r.RooflineSeconds) + " " + r.RooflineBound
}

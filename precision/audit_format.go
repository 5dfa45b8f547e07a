package precision

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// DefaultTableMetrics are the metrics WriteTable prints when given none.
var DefaultTableMetrics = []string{MetricAngle, MetricMismatch, MetricNormwise, MetricDev}

// WriteTable writes one text table per metric (rows: position buckets;
// columns: pipelines; every cell with its unit in the heading), marking
// flagged cells with "!", followed by the study's tables and the gates.
// With no metrics it prints DefaultTableMetrics; "all" prints every
// metric.
func (r *Report) WriteTable(w io.Writer, metrics ...string) error {
	bw := bufio.NewWriter(w)
	if len(metrics) == 0 {
		metrics = DefaultTableMetrics
	}
	if len(metrics) == 1 && metrics[0] == "all" {
		metrics = nil
		for _, m := range auditMetrics {
			metrics = append(metrics, m.Name)
		}
	}
	fmt.Fprintf(bw, "RoPE precision audit: %s\n", r.Name)
	fmt.Fprintf(bw, "schedule: %s; dtype %s; positions 0..%d\n", r.Schedule, r.DType, r.MaxPos)
	for _, name := range metrics {
		m := r.Metric(name)
		if m == nil {
			return fmt.Errorf("unknown metric %q (want one of %s)", name, strings.Join(metricNames(), ", "))
		}
		fmt.Fprintf(bw, "\n%s [%s]: %s\n", m.Name, m.Unit, m.Doc)
		rows := [][]string{append([]string{"positions"}, r.Pipelines...)}
		for b, bk := range r.Buckets {
			row := []string{bk.String()}
			for i := range r.Pipelines {
				cell := FormatValue(m.Values[i][b])
				if r.Flagged[i][b] && name == r.flagMetric() {
					cell += "!"
				}
				row = append(row, cell)
			}
			rows = append(rows, row)
		}
		writeAligned(bw, rows)
	}
	if r.DType == "f32" {
		fmt.Fprintf(bw, "\n! flagged: normwise > %g (f32 outputs)\n", float64(NormwiseLimit))
	} else {
		fmt.Fprintf(bw, "\n! flagged: mismatch fraction above %g by more than two standard deviations of its count\n", MismatchLimit)
	}
	if r.Study != nil {
		r.Study.write(bw)
	}
	if g := r.Gates(); len(g) > 0 {
		fmt.Fprintln(bw, "\ngates:")
		for _, x := range g {
			v := "pass"
			if !x.Pass {
				v = "FAIL"
			}
			fmt.Fprintf(bw, "  %-4s %s [%s]: %s\n", v, x.Name, x.Subject, strings.TrimSuffix(x.Detail, "; "))
		}
	}
	return bw.Flush()
}

// flagMetric is the metric that decides flags at the report's dtype.
func (r *Report) flagMetric() string {
	if r.DType == "f32" {
		return MetricNormwise
	}
	return MetricMismatch
}

// write prints the study's Eq. 4 and Eq. 5 tables.
func (s *Study) write(w io.Writer) {
	fmt.Fprintf(w, "\nEq. 4 analogue: attention difference D(Δ1, Δ2=%d), T=%d, one head, inputs %s; (col-0 share)\n", s.Delta2, s.T, s.Low)
	head := []string{"variant", "config"}
	for _, d := range s.Delta1 {
		head = append(head, fmt.Sprintf("Δ1=%d", d))
	}
	rows := [][]string{head}
	for _, e := range s.Eq4 {
		row := []string{e.Variant, e.Config}
		for i := range s.Delta1 {
			cell := FormatValue(e.D[i])
			if v := e.Col0Share[i]; v == v {
				cell += fmt.Sprintf(" (%.2f)", v)
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	writeAligned(w, rows)
	fmt.Fprintf(w, "\nEq. 5 analogue: first-token logit difference D_logit(T), Δ1=0, Δ2=%d, sink key ×32, mean of %d seeds\n", s.Delta2, s.Seeds)
	head = []string{"variant"}
	for _, t := range s.LogitT {
		head = append(head, fmt.Sprintf("T=%d", t))
	}
	rows = [][]string{head}
	for _, e := range s.Eq5 {
		row := []string{e.Variant}
		for i := range s.LogitT {
			row = append(row, FormatValue(e.DLogit[i]))
		}
		rows = append(rows, row)
	}
	writeAligned(w, rows)
}

// FormatValue formats a metric value compactly: "0", "-" for NaN,
// three significant digits otherwise.
func FormatValue(v float64) string {
	switch {
	case v != v:
		return "-"
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e-3 && math.Abs(v) < 1e5:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'e', 2, 64)
}

// writeAligned writes rows with the first column left-aligned and the
// others right-aligned, two spaces apart.
func writeAligned(w io.Writer, rows [][]string) {
	width := map[int]int{}
	for _, row := range rows {
		for c, cell := range row {
			width[c] = max(width[c], len([]rune(cell)))
		}
	}
	for _, row := range rows {
		var sb strings.Builder
		for c, cell := range row {
			pad := strings.Repeat(" ", width[c]-len([]rune(cell)))
			if c == 0 {
				sb.WriteString(cell + pad)
			} else {
				sb.WriteString("  " + pad + cell)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(sb.String(), " "))
	}
}

func metricNames() []string {
	var n []string
	for _, m := range auditMetrics {
		n = append(n, m.Name)
	}
	return n
}

// WriteCSV writes every value of the report in long form, one value per
// line, under the header
//
//	metric,unit,pipeline,config,x_lo,x_hi,value,flagged
//
// Bucket metrics have x_lo..x_hi the bucket's first and last position and
// an empty config; the study adds metric "eq4_d" and "eq4_col0_share"
// (config isotropic or sink, x = Δ1) and "eq5_d_logit" (x = T). NaN is
// written as an empty value.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	num := func(v float64) string {
		if v != v || math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	_ = cw.Write([]string{"metric", "unit", "pipeline", "config", "x_lo", "x_hi", "value", "flagged"})
	for _, m := range r.Metrics {
		for i, p := range r.Pipelines {
			for b, bk := range r.Buckets {
				_ = cw.Write([]string{m.Name, m.Unit, p, "", strconv.Itoa(bk.Lo), strconv.Itoa(bk.Hi - 1),
					num(m.Values[i][b]), strconv.FormatBool(r.Flagged[i][b])})
			}
		}
	}
	if s := r.Study; s != nil {
		for _, e := range s.Eq4 {
			for i, d := range s.Delta1 {
				x := strconv.Itoa(d)
				_ = cw.Write([]string{"eq4_d", "abs", e.Variant, e.Config, x, x, num(e.D[i]), "false"})
				_ = cw.Write([]string{"eq4_col0_share", "fraction", e.Variant, e.Config, x, x, num(e.Col0Share[i]), "false"})
			}
		}
		for _, e := range s.Eq5 {
			for i, t := range s.LogitT {
				x := strconv.Itoa(t)
				_ = cw.Write([]string{"eq5_d_logit", "abs", e.Variant, "", x, x, num(e.DLogit[i]), "false"})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

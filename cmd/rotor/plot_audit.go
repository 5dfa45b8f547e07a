package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// plotAudit draws a report as four panels against position (log axes):
// rotation angle error, mismatch fraction (normwise error for f32
// outputs), relative-position invariance, and the Eq. 5 analogue against
// sequence length; one labelled line per pipeline, with the model and
// schedule in the title. ext ("svg" or "png", see plotFormat) picks the
// format written to out.
func plotAudit(rep *precision.Report, ext string, out io.Writer) error {
	second := plotPanel{metric: precision.MetricMismatch, title: "rotated outputs ≠ correctly rounded truth",
		ylabel: "mismatch fraction", linear: true}
	if rep.DType == "f32" {
		second = plotPanel{metric: precision.MetricNormwise, title: "normwise error against exact",
			ylabel: "|y − y_exact| / (rms·2^-24)"}
	}
	panels := []plotPanel{
		{metric: precision.MetricAngle, title: "angle error of cos/sin against exact", ylabel: "radians"},
		second,
		{metric: precision.MetricDev, title: "relative-position invariance dev(m, Δ)", ylabel: "|Δ q·k| / (‖q‖‖k‖)"},
	}
	var plots []*plot.Plot
	for _, pn := range panels {
		p, err := pn.build(rep)
		if err != nil {
			return err
		}
		plots = append(plots, p)
	}
	if rep.Study != nil {
		p, err := studyPlot(rep.Study)
		if err != nil {
			return err
		}
		plots = append(plots, p)
	} else {
		p, err := plotPanel{metric: precision.MetricNormwise, title: "normwise error against exact",
			ylabel: "|y − y_exact| / (rms·u)"}.build(rep)
		if err != nil {
			return err
		}
		plots = append(plots, p)
	}

	const w, h = 12 * vg.Inch, 8.5 * vg.Inch
	c, err := draw.NewFormattedCanvas(w, h, ext)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	title := plot.New().Title.TextStyle
	title.Font.Size = vg.Points(16)
	title.XAlign, title.YAlign = draw.XCenter, draw.YTop
	sub := title
	sub.Font.Size = vg.Points(11)
	mid := (dc.Min.X + dc.Max.X) / 2
	dc.FillText(title, vg.Point{X: mid, Y: dc.Max.Y - vg.Points(8)}, "RoPE precision audit: "+rep.Name)
	dc.FillText(sub, vg.Point{X: mid, Y: dc.Max.Y - vg.Points(30)},
		fmt.Sprintf("%s; %s inputs and outputs; positions 0 to %d; lower is better", rep.Schedule, rep.DType, rep.MaxPos))
	body := draw.Crop(dc, 0, 0, 0, -vg.Points(48))
	tiles := draw.Tiles{Rows: 2, Cols: 2, PadX: vg.Points(24), PadY: vg.Points(18),
		PadLeft: vg.Points(8), PadRight: vg.Points(12), PadBottom: vg.Points(8), PadTop: vg.Points(4)}
	for k, p := range plots {
		p.Draw(tiles.At(body, k%2, k/2))
	}
	_, err = c.WriteTo(out)
	return err
}

// plotFormat returns the format --plot FILE's extension names: svg or
// png; anything else is a usageError.
func plotFormat(file string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(file), "."))
	if ext != "svg" && ext != "png" {
		return "", usageError{ops.Errorf(ops.ErrConfig, "--plot", file, "want a .svg or .png file")}
	}
	return ext, nil
}

// plotPanel is one metric against position.
type plotPanel struct {
	metric, title, ylabel string
	linear                bool // linear y axis (fractions) instead of log
}

func (pn plotPanel) build(rep *precision.Report) (*plot.Plot, error) {
	m := rep.Metric(pn.metric)
	if m == nil {
		return nil, fmt.Errorf("report lacks metric %s", pn.metric)
	}
	p := newAuditPlot(pn.title, "position (start of the log2 bucket)", pn.ylabel, !pn.linear)
	for i, name := range rep.Pipelines {
		if name == precision.NameFP64 {
			continue // the reference's own float64 rounding: ~1e-16
		}
		var xy plotter.XYs
		for b, bk := range rep.Buckets {
			v := m.Values[i][b]
			if bk.Lo == 0 || math.IsNaN(v) || math.IsInf(v, 0) || (!pn.linear && v <= 0) {
				continue
			}
			xy = append(xy, plotter.XY{X: float64(bk.Lo), Y: v})
		}
		if err := addSeries(p, name, xy); err != nil {
			return nil, err
		}
	}
	legendRoom(p, !pn.linear)
	return p, nil
}

// studyPlot draws the Eq. 5 analogue: first-token logit difference
// against sequence length, one line per variant.
func studyPlot(s *precision.Study) (*plot.Plot, error) {
	p := newAuditPlot(fmt.Sprintf("first-token logit difference (Eq. 5), shift 0 vs %d, ×32 sink key", s.Delta2),
		"sequence length T", "mean |Δ logit| (raw)", true)
	for _, e := range s.Eq5 {
		if e.Variant == precision.NameFP64 {
			continue
		}
		var xy plotter.XYs
		for i, t := range s.LogitT {
			if v := e.DLogit[i]; v > 0 && !math.IsInf(v, 0) {
				xy = append(xy, plotter.XY{X: float64(t), Y: v})
			}
		}
		if err := addSeries(p, e.Variant, xy); err != nil {
			return nil, err
		}
	}
	legendRoom(p, true)
	return p, nil
}

func newAuditPlot(title, xlabel, ylabel string, logY bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = pow2Ticks{}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = log10Ticks{}
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.ThumbnailWidth = vg.Points(28)
	p.Add(plotter.NewGrid())
	return p
}

// addSeries adds one labelled line with markers in the pipeline's style.
func addSeries(p *plot.Plot, name string, xy plotter.XYs) error {
	if len(xy) == 0 {
		return nil
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	st := seriesStyle(name)
	line.LineStyle.Color, line.LineStyle.Width, line.LineStyle.Dashes = st.color, vg.Points(1.8), st.dashes
	points.GlyphStyle.Color, points.GlyphStyle.Shape, points.GlyphStyle.Radius = st.color, st.glyph, vg.Points(2.6)
	p.Add(line, points)
	p.Legend.Add(name, line, points)
	return nil
}

type style struct {
	color  color.Color
	dashes []vg.Length
	glyph  draw.GlyphDrawer
}

// seriesStyle gives every pipeline the same look in every panel: color
// by pipeline, dashes for compat and for f32 variants of the study,
// dots for backends.
func seriesStyle(name string) style {
	base, dtype, _ := strings.Cut(name, "/")
	st := style{color: color.RGBA{G: 160, B: 44, R: 44, A: 255}, dashes: []vg.Length{vg.Points(2), vg.Points(2)}, glyph: draw.CircleGlyph{}}
	switch base {
	case precision.NameAccurate:
		st = style{color: color.RGBA{R: 31, G: 119, B: 180, A: 255}, glyph: draw.CircleGlyph{}}
	case precision.NameHF:
		st = style{color: color.RGBA{R: 255, G: 127, B: 14, A: 255}, glyph: draw.SquareGlyph{}}
	case precision.NameFP32:
		st = style{color: color.RGBA{R: 214, G: 39, B: 40, A: 255}, glyph: draw.TriangleGlyph{}}
	case precision.NameCompat:
		st = style{color: color.RGBA{R: 148, G: 103, B: 189, A: 255}, dashes: []vg.Length{vg.Points(6), vg.Points(3)}, glyph: draw.CrossGlyph{}}
	}
	if dtype == "f32" {
		st.dashes = []vg.Length{vg.Points(7), vg.Points(3)}
		st.glyph = draw.RingGlyph{}
	}
	return st
}

// legendRoom widens the y range so the data fill the lower 68 % of the
// panel and the legend (top left) covers no line.
func legendRoom(p *plot.Plot, logY bool) {
	lo, hi := p.Y.Min, p.Y.Max
	if !(hi > lo) {
		return
	}
	if !logY {
		p.Y.Min, p.Y.Max = min(0, lo), hi/0.68
		return
	}
	a, b := math.Log10(lo), math.Log10(hi)
	if b-a < 1 {
		a, b = (a+b)/2-0.5, (a+b)/2+0.5
	}
	p.Y.Min, p.Y.Max = math.Pow(10, a-0.05*(b-a)), math.Pow(10, a+(b-a)/0.68)
}

// log10Ticks marks powers of ten on a log axis (and 2× and 5× them when
// the axis spans less than three decades), with minor ticks between.
type log10Ticks struct{}

// Ticks returns the ticks between min and max.
func (log10Ticks) Ticks(min, max float64) []plot.Tick {
	var t []plot.Tick
	fine := math.Log10(max/min) < 3
	for k := int(math.Floor(math.Log10(min))); k <= int(math.Ceil(math.Log10(max))); k++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, float64(k))
			if v < min || v > max {
				continue
			}
			label := ""
			if m == 1 || (fine && (m == 2 || m == 5)) {
				label = pow10Label(m, k)
			}
			t = append(t, plot.Tick{Value: v, Label: label})
		}
	}
	return t
}

// pow10Label formats m·10^k: plainly from 0.001 to 1000, else as 2e-5.
func pow10Label(m, k int) string {
	if k >= -3 && k <= 3 {
		return strconv.FormatFloat(float64(m)*math.Pow(10, float64(k)), 'g', -1, 64)
	}
	return fmt.Sprintf("%de%d", m, k)
}

// pow2Ticks marks powers of two on a log axis, labelling every one, every
// second or every fourth, whichever keeps about ten labels
// (1, 4, 16, …, 256K, 1M).
type pow2Ticks struct{}

// Ticks returns the ticks between min and max.
func (pow2Ticks) Ticks(min, max float64) []plot.Tick {
	var t []plot.Tick
	k0, k1 := int(math.Ceil(math.Log2(min)-1e-9)), int(math.Floor(math.Log2(max)+1e-9))
	step := 1
	for (k1-k0)/step > 10 {
		step *= 2
	}
	for k := k0; k <= k1; k++ {
		label := ""
		if k%step == 0 {
			label = pow2Label(k)
		}
		t = append(t, plot.Tick{Value: math.Ldexp(1, k), Label: label})
	}
	return t
}

// pow2Label formats 2^k as 1, 16, 256, 4K, 64K, 1M, 16M, 256M, 4G.
func pow2Label(k int) string {
	switch {
	case k >= 30:
		return fmt.Sprintf("%dG", 1<<(k-30))
	case k >= 20:
		return fmt.Sprintf("%dM", 1<<(k-20))
	case k >= 10:
		return fmt.Sprintf("%dK", 1<<(k-10))
	}
	return fmt.Sprint(1 << k)
}

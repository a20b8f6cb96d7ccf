package report

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size of losses.png in pixels.
const (
	LossesWidth  = 1000
	LossesHeight = 750
	lossesDPI    = 100
)

// legendRoom is the fraction of a panel's y range added on top for the
// legend.
const legendRoom = 0.22

// Series colours, the same as the live status page's.
var (
	colDLoss = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
	colGLoss = color.RGBA{R: 0x24, G: 0x71, B: 0xa3, A: 0xff}
	colDReal = color.RGBA{R: 0x1e, G: 0x84, B: 0x49, A: 0xff}
	colDFake = color.RGBA{R: 0xaf, G: 0x60, B: 0x1a, A: 0xff}
	colGuide = color.Gray{Y: 0x80}
)

func nan() float64 { return math.NaN() }

// LossesPNG reads a metrics.jsonl stream and writes a LossesWidth x
// LossesHeight PNG with two panels over training steps: D and G loss on top,
// D(x) and D(G(z)) below on [0,1] with the 0.5 equilibrium line.
func LossesPNG(metricsJSONL io.Reader, w io.Writer) error {
	pts, err := readMetrics(metricsJSONL)
	if err != nil {
		return err
	}
	return drawLosses(pts, w)
}

func drawLosses(pts []point, w io.Writer) error {
	top := plot.New()
	top.Title.Text = "Losses"
	top.Y.Label.Text = "loss"
	top.Legend.Top = true
	top.Add(plotter.NewGrid())
	for _, s := range []struct {
		name string
		col  color.Color
		get  func(point) float64
	}{
		{"D loss", colDLoss, func(p point) float64 { return p.DLoss }},
		{"G loss", colGLoss, func(p point) float64 { return p.GLoss }},
	} {
		if err := addLine(top, pts, s.name, s.col, s.get); err != nil {
			return err
		}
	}

	bottom := plot.New()
	bottom.Title.Text = "Discriminator outputs"
	bottom.X.Label.Text = "step"
	bottom.Y.Label.Text = "mean D output"
	bottom.Y.Min, bottom.Y.Max = 0, 1
	bottom.Legend.Top = true
	bottom.Add(plotter.NewGrid())
	guide := plotter.NewFunction(func(float64) float64 { return 0.5 })
	guide.Color = colGuide
	guide.Dashes = []vg.Length{vg.Points(5), vg.Points(4)}
	bottom.Add(guide)
	bottom.Legend.Add("equilibrium 0.5", guide)
	for _, s := range []struct {
		name string
		col  color.Color
		get  func(point) float64
	}{
		{"D(x)", colDReal, func(p point) float64 { return p.DReal }},
		{"D(G(z))", colDFake, func(p point) float64 { return p.DFake }},
	} {
		if err := addLine(bottom, pts, s.name, s.col, s.get); err != nil {
			return err
		}
	}
	// The bottom panel's y range is [0,1] (sigmoid outputs), with headroom
	// above 1 for the legend, which gonum/plot draws inside the data area;
	// ticks stop at 1. The top panel gets the same headroom.
	bottom.Y.Min, bottom.Y.Max = 0, 1+legendRoom
	bottom.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{
		{Value: 0, Label: "0"}, {Value: 0.25}, {Value: 0.5, Label: "0.5"}, {Value: 0.75}, {Value: 1, Label: "1"},
	})
	top.Y.Max += legendRoom * (top.Y.Max - top.Y.Min)
	// Both panels share the step axis so their curves line up.
	lo, hi := math.Min(top.X.Min, bottom.X.Min), math.Max(top.X.Max, bottom.X.Max)
	if lo == hi {
		hi = lo + 1
	}
	top.X.Min, top.X.Max, bottom.X.Min, bottom.X.Max = lo, hi, lo, hi

	c := vgimg.NewWith(vgimg.UseWH(vg.Length(LossesWidth)*vg.Inch/lossesDPI, vg.Length(LossesHeight)*vg.Inch/lossesDPI),
		vgimg.UseDPI(lossesDPI))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadRight: vg.Points(12), PadY: vg.Points(12)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("encoding losses PNG: %w", err)
	}
	return nil
}

// addLine adds one series, leaving out non-finite values (a diverged step
// logs Inf or NaN; plotter refuses them). A series with no finite value is
// left out of the plot and named in the legend as such.
func addLine(p *plot.Plot, pts []point, name string, col color.Color, get func(point) float64) error {
	xys := make(plotter.XYs, 0, len(pts))
	for _, pt := range pts {
		v := get(pt)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: float64(pt.Step), Y: v})
	}
	if len(xys) == 0 {
		name += " (no finite values)"
		// An invisible line keeps the legend entry without data.
		l := &plotter.Line{XYs: nil}
		l.Color = col
		p.Legend.Add(name, l)
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("plotting %s: %w", name, err)
	}
	l.Color = col
	l.Width = vg.Points(1.2)
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

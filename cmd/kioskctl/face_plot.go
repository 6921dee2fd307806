package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// plotDET draws the detection error trade-off curves of the results (FRR
// against FAR, both on log scales) with the threshold in use marked on
// each curve, into path (.png, .svg or .pdf by its extension).
func plotDET(path string, results []evalResult, threshold float32) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".svg", ".pdf":
	default:
		return fmt.Errorf("%s: want a .png, .svg or .pdf file", path)
	}
	p := plot.New()
	p.Title.Text = "DET: chip photo vs live face"
	p.X.Label.Text = "false accept rate"
	p.Y.Label.Text = "false reject rate"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: 1}, plot.LogTicks{Prec: 1}
	p.Add(plotter.NewGrid())
	// A log axis has no zero: rates of 0 are drawn at the floor, half the
	// smallest rate the pairs can give.
	xFloor, yFloor := 1.0, 1.0
	for _, r := range results {
		if r.Impostor > 0 {
			xFloor = math.Min(xFloor, 0.5/float64(r.Impostor))
		}
		if r.Genuine > 0 {
			yFloor = math.Min(yFloor, 0.5/float64(r.Genuine))
		}
	}
	clampX := func(v float64) float64 { return math.Max(v, xFloor) }
	clampY := func(v float64) float64 { return math.Max(v, yFloor) }
	colours := []color.RGBA{{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}, {R: 0xd0, G: 0x50, B: 0x10, A: 0xff}, {R: 0x20, G: 0x90, B: 0x40, A: 0xff}}
	drawn := 0
	for i, r := range results {
		det := r.scores.DET(2000)
		if len(det) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(det))
		for j, d := range det {
			pts[j].X, pts[j].Y = clampX(d.FAR), clampY(d.FRR)
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.Color = colours[i%len(colours)]
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s crop (EER %.1f%%)", r.Crop, 100*r.EER), line)
		at := r.scores.At(threshold)
		mark, err := plotter.NewScatter(plotter.XYs{{X: clampX(at.FAR), Y: clampY(at.FRR)}})
		if err != nil {
			return err
		}
		mark.Color = line.Color
		mark.Radius = vg.Points(4)
		p.Add(mark)
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("no scores to draw")
	}
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(10), vg.Points(10)
	p.Legend.Add(fmt.Sprintf("dots: threshold in use %.3f", threshold))
	p.X.Min, p.Y.Min = xFloor, yFloor
	p.X.Max, p.Y.Max = 1, 1
	// (Axis labels longer than the axis shrink the plot: keep them short.)
	return p.Save(6*vg.Inch, 5*vg.Inch, path)
}

package report

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// rateLine is one suspect's malformed messages per interval, for the rate
// panel: Counts[i] falls in [Start + i·Step, Start + (i+1)·Step).
type rateLine struct {
	Label  string
	Start  time.Time
	Step   time.Duration
	Counts []uint64
}

// memPanel is one memory panel to draw: its series and its growth windows.
type memPanel struct {
	Title   string
	Series  []correlate.MemSeries
	Windows []correlate.Window
}

// timeChart builds the stacked memory panels and the rate panel on one
// time axis [from, to], in local time of loc.
func timeChart(id string, mems []memPanel, rates []rateLine, from, to time.Time, loc *time.Location) *svgChart {
	plotW := chartW - chartLeft - chartRight
	c := &svgChart{ID: id, W: chartW}
	xOf := func(t time.Time) float64 {
		return chartLeft + float64(t.Sub(from))/float64(to.Sub(from))*plotW
	}
	ticks, layout := timeTicks(from, to, loc, 8)
	var gridX []float64
	for _, t := range ticks {
		x := xOf(t)
		c.XTicks = append(c.XTicks, svgTick{Pos: x, Label: t.In(loc).Format(layout)})
		gridX = append(gridX, x)
	}
	y := panelTop
	legendBand, legendMark := false, false
	memLines := 0 // memory lines drawn, for their colours
	for _, mp := range mems {
		p := svgPanel{Title: mp.Title, X: chartLeft, Y: y, W: plotW, H: panelH, YUnit: "MiB", GridX: gridX}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range mp.Series {
			for _, pt := range s.Points {
				if !pt.Time.Before(from) && !pt.Time.After(to) {
					lo, hi = math.Min(lo, mib(pt.Used)), math.Max(hi, mib(pt.Used))
				}
			}
		}
		if math.IsInf(lo, 1) {
			p.Empty = "no samples in this time range"
			lo, hi = 0, 1
		}
		nlo, nhi, yt := niceRange(lo, hi, 5)
		yOf := func(v float64) float64 { return y + panelH - (v-nlo)/(nhi-nlo)*panelH }
		step := 1.0
		if len(yt) > 1 {
			step = yt[1] - yt[0]
		}
		for _, v := range yt {
			p.YTicks = append(p.YTicks, svgTick{Pos: yOf(v), Label: formatTick(v, step)})
		}
		for _, w := range mp.Windows {
			x0, x1 := math.Max(xOf(w.Start), chartLeft), math.Min(xOf(w.End), chartLeft+plotW)
			if x1 <= x0 {
				continue
			}
			legendBand = true
			p.Bands = append(p.Bands, svgBand{X: x0, W: math.Max(x1-x0, 1.5),
				Title: fmt.Sprintf("growth %s – %s: +%s (%s/min)", w.Start.In(loc).Format("15:04:05"),
					w.End.In(loc).Format("15:04:05"), humanBytes(uint64(math.Max(w.Rise, 0))),
					humanBytes(uint64(math.Max(w.Rate*60, 0))))})
		}
		for _, s := range mp.Series {
			for i := 1; i < len(s.Points); i++ {
				at := s.Points[i].Time
				if s.Points[i].Segment != s.Points[i-1].Segment && !at.Before(from) && !at.After(to) {
					p.Restarts = append(p.Restarts, svgTick{Pos: xOf(at), Label: "restart before " + at.In(loc).Format("15:04:05")})
					legendMark = true
				}
			}
			pts := memPoints(s, from, to)
			pts = thin(pts, from, to, maxPathPoint)
			var pb pathBuilder
			for _, pt := range pts {
				pb.point(xOf(pt.t), yOf(mib(pt.v)), pt.brk)
			}
			if pb.n == 0 {
				continue
			}
			p.Lines = append(p.Lines, svgLine{D: pb.b.String(), Colour: memColour(memLines), Label: s.Name, Points: pb.n})
			memLines++
			c.Points += pb.n
		}
		c.Panels = append(c.Panels, p)
		y += panelH + panelGap
	}
	if len(rates) > 0 {
		p := svgPanel{Title: "malformed messages of the top suspects", X: chartLeft, Y: y, W: plotW, H: panelH,
			YUnit: "msgs/min", GridX: gridX}
		hi := 0.0
		for _, r := range rates {
			for _, n := range r.Counts {
				hi = math.Max(hi, perMinute(n, r.Step))
			}
		}
		nlo, nhi, yt := niceRange(0, math.Max(hi, 1), 5)
		yOf := func(v float64) float64 { return y + panelH - (v-nlo)/(nhi-nlo)*panelH }
		step := yt[1] - yt[0]
		for _, v := range yt {
			p.YTicks = append(p.YTicks, svgTick{Pos: yOf(v), Label: formatTick(v, step)})
		}
		for i, r := range rates {
			var pb pathBuilder
			for k, n := range r.Counts {
				t0 := r.Start.Add(time.Duration(k) * r.Step)
				t1 := t0.Add(r.Step)
				if t1.After(to) {
					t1 = to
				}
				v := yOf(perMinute(n, r.Step))
				pb.point(xOf(t0), v, false)
				pb.point(xOf(t1), v, false)
			}
			if pb.n == 0 {
				continue
			}
			dash := ""
			if i >= len(ratePalette) {
				dash = "6 3"
			}
			p.Lines = append(p.Lines, svgLine{D: pb.b.String(), Colour: rateColour(i), Dash: dash, Label: r.Label, Points: pb.n})
			c.Points += pb.n
		}
		c.Panels = append(c.Panels, p)
		y += panelH + panelGap
	}
	c.AxisY = y - panelGap
	c.XLabel = "local time, " + zoneLabel(from, loc)
	ly := c.AxisY + axisH
	if legendBand {
		c.Legend = append(c.Legend, svgLegend{X: chartLeft, Y: ly, Band: true, Label: "growth window (memory rose beyond its noise)"})
		ly += legendRowH
	}
	if legendMark {
		c.Legend = append(c.Legend, svgLegend{X: chartLeft, Y: ly, Mark: true, Label: "restart (the line breaks; growth is not measured across it)"})
		ly += legendRowH
	}
	for _, p := range c.Panels {
		for _, l := range p.Lines {
			c.Legend = append(c.Legend, svgLegend{X: chartLeft, Y: ly, Colour: l.Colour, Dash: l.Dash,
				Label: Truncate(TerminalSafe(l.Label), 110)})
			ly += legendRowH
		}
	}
	c.H = ly + 6
	return c
}

// memPoints converts a series to plot points inside [from, to], breaking
// the line at restarts and at gaps longer than three sampling intervals.
func memPoints(s correlate.MemSeries, from, to time.Time) []tv {
	gap := 3 * medianStep(s.Points)
	var out []tv
	for i, p := range s.Points {
		if p.Time.Before(from) || p.Time.After(to) || !finite(p.Used) {
			continue
		}
		brk := len(out) == 0
		if i > 0 && (s.Points[i-1].Segment != p.Segment || (gap > 0 && p.Time.Sub(s.Points[i-1].Time) > gap)) {
			brk = true
		}
		out = append(out, tv{t: p.Time, v: p.Used, brk: brk})
	}
	return out
}

func medianStep(pts []correlate.MemPoint) time.Duration {
	if len(pts) < 2 {
		return 0
	}
	d := make([]float64, 0, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		d = append(d, float64(pts[i].Time.Sub(pts[i-1].Time)))
	}
	return time.Duration(medianOf(d))
}

func medianOf(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func perMinute(n uint64, step time.Duration) float64 {
	if step <= 0 {
		return 0
	}
	return float64(n) / step.Minutes()
}

// barRow is one bar of a bar chart.
type barRow struct {
	Label string
	Value uint64
}

// barChart builds a horizontal bar chart of counts.
func barChart(id string, rows []barRow, unit string) *svgChart {
	const labelW, rowH, top = 250.0, 26.0, 12.0
	b := &svgBars{X: labelW, W: chartW - labelW - 90, Unit: unit}
	var hi uint64
	for _, r := range rows {
		hi = max(hi, r.Value)
	}
	_, nhi, ticks := niceRange(0, math.Max(float64(hi), 1), 5)
	step := ticks[1] - ticks[0]
	for i, r := range rows {
		b.Rows = append(b.Rows, svgBar{Y: top + float64(i)*rowH, H: rowH - 8, W: float64(r.Value) / nhi * b.W,
			Colour: colour(i), Label: r.Label, Value: fmt.Sprintf("%d", r.Value)})
	}
	b.AxisY = top + float64(len(rows))*rowH
	for _, t := range ticks {
		b.XTicks = append(b.XTicks, svgTick{Pos: b.X + t/nhi*b.W, Label: formatTick(t, step)})
	}
	return &svgChart{ID: id, W: chartW, H: b.AxisY + 44, Bars: b, Points: len(rows)}
}

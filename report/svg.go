package report

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The plots of the HTML report are hand-made SVG: a few hundred bytes of
// markup per series, no fonts or scripts, readable in a mail client. This
// file holds the chart model the templates draw; the builders that fill it
// from the report's data are in svg_build.go.

// Chart geometry, in SVG user units (the SVG scales to the page width).
const (
	chartW       = 960.0
	chartLeft    = 78.0 // room for the y tick labels and unit
	chartRight   = 24.0
	panelH       = 190.0
	panelGap     = 44.0 // between panels: the next panel's title
	panelTop     = 34.0 // above the first panel: its title
	axisH        = 46.0 // x tick labels and the axis caption
	legendRowH   = 20.0
	maxPathPoint = 2 * int(chartW-chartLeft-chartRight) // before min/max thinning
)

// The colours are the Okabe–Ito set (distinguishable with the common
// colour-vision deficiencies): cool ones for memory series, warm ones for
// the suspects' message rates, so that no line shares a colour with a line
// of the other kind. Bars take them in turn.
var (
	memPalette  = [...]string{"#0072B2", "#009E73", "#56B4E9", "#000000"}
	ratePalette = [...]string{"#D55E00", "#CC79A7", "#E69F00", "#8C510A", "#F0E442"}
	palette     = [...]string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}
)

func colour(i int) string     { return palette[i%len(palette)] }
func memColour(i int) string  { return memPalette[i%len(memPalette)] }
func rateColour(i int) string { return ratePalette[i%len(ratePalette)] }

// svgChart is one SVG: panels stacked on a shared time axis, or a bar
// chart. Text fields are escaped by html/template when drawn.
type svgChart struct {
	ID     string
	Title  string // <title>: the accessible name
	Desc   string // <desc>: what the plot shows, in words
	W, H   float64
	Panels []svgPanel
	// The shared x axis, drawn under the last panel.
	XTicks  []svgTick
	XLabel  string
	AxisY   float64 // y of the x axis line
	Legend  []svgLegend
	Bars    *svgBars // set for bar charts instead of Panels
	Points  int      // data points drawn, for tests and the <desc>
	Caption string   // shown under the chart in the page
}

// svgPanel is one plot area with its own y axis.
type svgPanel struct {
	Title      string
	X, Y, W, H float64
	YUnit      string
	YTicks     []svgTick
	Bands      []svgBand
	Lines      []svgLine
	GridX      []float64
	Empty      string // shown instead of lines when there is no data
	// Restarts mark where a series' process (or the server) restarted:
	// the line breaks there and growth is never measured across it.
	Restarts []svgTick
}

type svgTick struct {
	Pos   float64
	Label string
}

// svgBand is a shaded interval (a growth window).
type svgBand struct {
	X, W  float64
	Title string // tooltip: start, end, rise
}

type svgLine struct {
	D      string // path data
	Colour string
	Dash   string // stroke-dasharray, "" solid
	Label  string
	Points int
}

type svgLegend struct {
	X, Y   float64
	Colour string
	Dash   string
	Band   bool // a shaded swatch (growth windows) instead of a line
	Mark   bool // a restart mark
	Label  string
}

// svgBars is a horizontal bar chart.
type svgBars struct {
	X, W   float64 // bar area
	Rows   []svgBar
	XTicks []svgTick
	AxisY  float64
	Unit   string
}

type svgBar struct {
	Y, H, W float64
	Colour  string
	Label   string
	Value   string
}

// pathBuilder writes SVG path data, starting a new subpath where the series
// breaks (a restart or a gap), so no line is drawn across missing data.
type pathBuilder struct {
	b     strings.Builder
	n     int
	moved bool
}

func (p *pathBuilder) point(x, y float64, brk bool) {
	if !p.moved || brk {
		p.b.WriteString("M")
		p.moved = true
	} else {
		p.b.WriteString(" L")
	}
	p.b.WriteString(strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64))
	p.b.WriteByte(',')
	p.b.WriteString(strconv.FormatFloat(math.Round(y*10)/10, 'f', -1, 64))
	p.n++
}

// tv is one point of a plotted series; brk starts a new subpath.
type tv struct {
	t   time.Time
	v   float64
	brk bool
}

// thin keeps at most about max points: per pixel column the first, the
// minimum and the maximum, in time order, so spikes survive.
func thin(pts []tv, from, to time.Time, max int) []tv {
	if len(pts) <= max || max < 4 {
		return pts
	}
	cols := max / 3
	span := to.Sub(from)
	out := make([]tv, 0, max)
	start := 0
	for start < len(pts) {
		col := int(float64(pts[start].t.Sub(from)) / float64(span) * float64(cols))
		end := start + 1
		for end < len(pts) && !pts[end].brk &&
			int(float64(pts[end].t.Sub(from))/float64(span)*float64(cols)) == col {
			end++
		}
		group := pts[start:end]
		lo, hi := 0, 0
		for i, p := range group {
			if p.v < group[lo].v {
				lo = i
			}
			if p.v > group[hi].v {
				hi = i
			}
		}
		keep := []int{0, lo, hi}
		sort.Ints(keep)
		last := -1
		for _, k := range keep {
			if k != last {
				out = append(out, group[k])
				last = k
			}
		}
		start = end
	}
	return out
}

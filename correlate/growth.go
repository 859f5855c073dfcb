package correlate

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Window is an interval in which a memory series rose beyond its noise
// floor. Outside the windows the series is at baseline.
type Window struct {
	Series string    `json:"series"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Rise   float64   `json:"rise_bytes"`    // growth inside the window
	Rate   float64   `json:"rate_bytes_s"`  // Rise per second
	Sigma  float64   `json:"noise_bytes"`   // noise floor of one sample step
	Points int       `json:"sample_points"` // sample steps inside
}

// GrowthOptions tunes growth-window detection. Zero fields take defaults.
type GrowthOptions struct {
	// K is the threshold in noise standard deviations (default 3): a run of
	// w steps is growth when its rise exceeds K·σ·√w.
	K float64
	// MaxScale is the longest run of steps tested at once (default 256), so
	// that slow growth, each step within the noise, is still found.
	MaxScale int
	// MinDuration drops shorter windows (default 0: keep all).
	MinDuration time.Duration
}

func (o GrowthOptions) withDefaults() GrowthOptions {
	if o.K <= 0 {
		o.K = 3
	}
	if o.MaxScale <= 0 {
		o.MaxScale = 256
	}
	return o
}

// GrowthWindows returns the intervals in which s rises beyond its noise
// floor, in time order. Steps across a segment change (a restart) or
// between unsorted or duplicate times are never growth. The noise floor is
// estimated robustly from the series itself (see NoiseFloor), so a leak
// that goes on for most of the series does not hide itself.
func GrowthWindows(s MemSeries, o GrowthOptions) []Window {
	o = o.withDefaults()
	pts := sortedPoints(s.Points)
	n := len(pts) - 1
	if n < 1 {
		return nil
	}
	d := make([]float64, n)
	valid := make([]bool, n)
	for i := 0; i < n; i++ {
		a, b := pts[i], pts[i+1]
		valid[i] = a.Segment == b.Segment && b.Time.After(a.Time) && finite(a.Used) && finite(b.Used)
		if valid[i] {
			d[i] = b.Used - a.Used
		}
	}
	sigma := noiseFloor(d, valid)
	marked := markGrowth(d, valid, sigma, o.K, o.MaxScale)
	var out []Window
	for i := 0; i < n; {
		if !marked[i] {
			i++
			continue
		}
		j := i
		rise := 0.0
		for j < n && marked[j] {
			rise += d[j]
			j++
		}
		w := Window{Series: s.Name, Start: pts[i].Time, End: pts[j].Time, Rise: rise, Sigma: sigma, Points: j - i}
		if dur := w.End.Sub(w.Start); dur >= o.MinDuration && dur > 0 {
			w.Rate = rise / dur.Seconds()
			out = append(out, w)
		}
		i = j
	}
	return out
}

// NoiseFloor returns the robust standard deviation of one sample step of s:
// 1.4826·MAD of the second differences over √2. Second differences cancel
// steady growth, so a series that leaks all the time still gets the floor
// of its noise, not of its trend.
func NoiseFloor(s MemSeries) float64 {
	pts := sortedPoints(s.Points)
	if len(pts) < 3 {
		return 0
	}
	d := make([]float64, len(pts)-1)
	valid := make([]bool, len(d))
	for i := range d {
		a, b := pts[i], pts[i+1]
		valid[i] = a.Segment == b.Segment && b.Time.After(a.Time) && finite(a.Used) && finite(b.Used)
		d[i] = b.Used - a.Used
	}
	return noiseFloor(d, valid)
}

// noiseFloor estimates σ of the steps d from their differences. When more
// than half the second differences are 0 (stale, quantised pkg values) the
// MAD is 0 and the mean absolute deviation (×1.2533) stands in; the floor
// is never below 1 byte.
func noiseFloor(d []float64, valid []bool) float64 {
	var e []float64
	for i := 1; i < len(d); i++ {
		if valid[i] && valid[i-1] {
			e = append(e, d[i]-d[i-1])
		}
	}
	if len(e) == 0 {
		return 1
	}
	med := median(e)
	dev := make([]float64, len(e))
	mean := 0.0
	for i, v := range e {
		dev[i] = math.Abs(v - med)
		mean += dev[i]
	}
	mean /= float64(len(e))
	sigma := 1.4826 * median(dev) / math.Sqrt2
	if sigma == 0 {
		sigma = 1.2533 * mean / math.Sqrt2
	}
	return math.Max(sigma, 1)
}

// markGrowth flags steps that belong to growth: at scales w = 1, 2, 4, …,
// a run of w valid steps whose not-yet-flagged steps rise more than
// k·σ·√(their count) is flagged. Smaller scales go first, so a single jump
// flags only itself, not the flat steps around it; leading and trailing
// non-positive steps of each run are unflagged at the end.
func markGrowth(d []float64, valid []bool, sigma, k float64, maxScale int) []bool {
	n := len(d)
	marked := make([]bool, n)
	for w := 1; w <= maxScale && w <= n; w *= 2 {
		for i := 0; i+w <= n; i++ {
			sum, cnt, ok := 0.0, 0, true
			for j := i; j < i+w; j++ {
				if !valid[j] {
					ok = false
					break
				}
				if !marked[j] {
					sum += d[j]
					cnt++
				}
			}
			if !ok || cnt == 0 || sum <= k*sigma*math.Sqrt(float64(cnt)) {
				continue
			}
			for j := i; j < i+w; j++ {
				marked[j] = true
			}
		}
	}
	bridgeGaps(d, valid, marked, sigma, k)
	for i := 0; i < n; {
		if !marked[i] {
			i++
			continue
		}
		j := i
		for j < n && marked[j] {
			j++
		}
		for a := i; a < j && d[a] <= 0; a++ {
			marked[a] = false
		}
		for b := j - 1; b >= i && d[b] <= 0; b-- {
			marked[b] = false
		}
		i = j
	}
	return marked
}

// bridgeGaps joins two growth runs separated by a gap of at most two steps
// or shorter than both runs, that does not fall significantly (sum ≥
// −k·σ·√len): the few steps of a steady leak that noise pushed below zero.
// A long flat stretch between two bursts stays baseline. One pass, left to
// right, each join growing the run the next gap is compared with.
func bridgeGaps(d []float64, valid, marked []bool, sigma, k float64) {
	n := len(d)
	curStart, curEnd := -1, -1 // the current (joined) run [curStart, curEnd)
	for i := 0; i < n; {
		if !marked[i] {
			i++
			continue
		}
		j := i
		for j < n && marked[j] {
			j++
		}
		if curEnd >= 0 {
			glen := i - curEnd
			sum, ok := 0.0, true
			for g := curEnd; g < i; g++ {
				ok = ok && valid[g]
				sum += d[g]
			}
			if ok && (glen <= 2 || (glen <= curEnd-curStart && glen <= j-i)) && sum >= -k*sigma*math.Sqrt(float64(glen)) {
				for g := curEnd; g < i; g++ {
					marked[g] = true
				}
				curEnd = j
				i = j
				continue
			}
		}
		curStart, curEnd = i, j
		i = j
	}
}

// sortedPoints returns the points by time, stably (input is not modified).
func sortedPoints(p []MemPoint) []MemPoint {
	if sort.SliceIsSorted(p, func(i, j int) bool { return p[i].Time.Before(p[j].Time) }) {
		return p
	}
	q := slices.Clone(p)
	sort.SliceStable(q, func(i, j int) bool { return q[i].Time.Before(q[j].Time) })
	return q
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

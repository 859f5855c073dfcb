package correlate

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// grid is the analysis time axis: n buckets of step, starting at start,
// each made of ratio Timeline buckets from timeline bucket tlFrom.
type grid struct {
	start  time.Time
	step   time.Duration
	n      int
	tlFrom int64
	ratio  int64
}

func (g *grid) at(k int) time.Time { return g.start.Add(time.Duration(k) * g.step) }

// tlRange returns the timeline buckets [from, to) of grid bucket k.
func (g *grid) tlRange(k int) (int64, int64) {
	from := g.tlFrom + int64(k)*g.ratio
	return from, from + g.ratio
}

// pollInterval is the median sampling interval over all series.
func pollInterval(mem []MemSeries) time.Duration {
	var iv []float64
	for _, s := range mem {
		pts := sortedPoints(s.Points)
		for i := 1; i < len(pts); i++ {
			if d := pts[i].Time.Sub(pts[i-1].Time); d > 0 {
				iv = append(iv, float64(d))
			}
		}
	}
	return time.Duration(median(iv))
}

// MemSpan is the earliest and latest sample over all series (zero times
// when there is none): the time the memory recording covers. Callers use it
// to compare that coverage with the capture's before analysing.
func MemSpan(mem []MemSeries) (first, last time.Time) {
	for _, s := range mem {
		for _, p := range s.Points {
			if first.IsZero() || p.Time.Before(first) {
				first = p.Time
			}
			if p.Time.After(last) {
				last = p.Time
			}
		}
	}
	return first, last
}

// newGrid aligns the analysis window [from, to) to whole steps, where the
// step is the nearest multiple of the timeline bucket.
func newGrid(from, to time.Time, step, tlBucket time.Duration) (grid, bool) {
	// Nearest multiple: polls jittered a few ms past the second must not
	// double the bucket.
	step = max((step+tlBucket/2)/tlBucket, 1) * tlBucket
	s := int64(step)
	a := floorDiv(from.UnixNano()+s-1, s) * s // ceil: no bucket before coverage
	b := floorDiv(to.UnixNano(), s) * s
	if b <= a {
		return grid{step: step}, false
	}
	return grid{
		start:  time.Unix(0, a).UTC(),
		step:   step,
		n:      int((b - a) / s),
		tlFrom: a / int64(tlBucket),
		ratio:  s / int64(tlBucket),
	}, true
}

// target is one memory series to regress, as steps per grid bucket
// (NaN where the step cannot be measured).
type target struct {
	name    string
	pool    Pool
	metric  string
	members int
	names   []string // the series summed (pkg sum only)
	// spread is the number of processes the load is spread over (0
	// unknown), spreadFrom where it comes from; perProcess says the series
	// sees one process's share of the messages.
	spread     int
	spreadFrom string
	perProcess bool
	receivers  []string // summed series that are receivers (pkg sum only)
	total      float64
	// delta is the memory step of each row, at the row's last bucket
	// (NaN elsewhere and where it cannot be measured); shape says how many
	// buckets each row covers (1 for a polled series, more where samples
	// are coarser than the buckets) and how its counts are weighed.
	delta []float64
	shape rowShape
	pts   []MemPoint // for projection; nil for sums
}

// buildTargets turns the memory series into per-bucket steps: every shm
// series and aggregate pkg series as is, the per-process pkg series summed
// (a leak spreads over whichever worker reads the message, the sum sees all
// of it). A bucket whose ends cannot be interpolated within one segment
// (gap, restart) is NaN; the counts go to notes.
func buildTargets(mem []MemSeries, g *grid, notes *[]Note) []target {
	var out []target
	var sum *target
	var sumSampled []bool
	for _, s := range mem {
		pts := sortedPoints(s.Points)
		d, sampled, gaps, restarts := seriesSteps(pts, g)
		if gaps > 0 {
			*notes = append(*notes, Note{"gap", fmt.Sprintf("%s: %d of %d buckets have no usable samples at their ends (gap longer than 3 poll intervals)", s.Name, gaps, g.n)})
		}
		if restarts > 0 {
			*notes = append(*notes, Note{"restart", fmt.Sprintf("%s: %d restart(s) in the analysis window; buckets spanning one are left out", s.Name, restarts)})
		}
		if s.Pool == PoolPkg && !s.Aggregate {
			if sum == nil {
				sum = &target{name: "pkg (sum of processes)", pool: PoolPkg, metric: s.Metric, delta: make([]float64, g.n),
					shape: rowShape{averaged: true}}
				sumSampled = sampled
			}
			sum.members++
			sum.names = append(sum.names, s.Name)
			if s.Receiver {
				sum.receivers = append(sum.receivers, s.Name)
			}
			if s.Receivers > 0 {
				sum.spread, sum.spreadFrom = s.Receivers, s.ReceiversFrom
			}
			sum.shape.averaged = sum.shape.averaged && s.Averaged
			if sum.metric != s.Metric {
				sum.metric = ""
			}
			for k := range d {
				sum.delta[k] += d[k] // NaN spreads: a bucket needs every process
				// A row of the sum ends where every process has a sample.
				sumSampled[k] = sumSampled[k] && sampled[k]
			}
			continue
		}
		rows, span := spanRows(d, sampled)
		out = append(out, target{name: s.Name, pool: s.Pool, metric: s.Metric, members: 1, total: s.Total, delta: rows,
			shape: rowShape{span: span, averaged: s.Averaged}, pts: pts,
			perProcess: s.PerProcess, spread: s.Receivers, spreadFrom: s.ReceiversFrom})
	}
	if sum != nil {
		sum.delta, sum.shape.span = spanRows(sum.delta, sumSampled)
		out = append(out, *sum)
	}
	return out
}

// seriesSteps interpolates the series at the grid boundaries and returns the
// step of each bucket, and which buckets hold a sample (in (start, end]).
func seriesSteps(pts []MemPoint, g *grid) (d []float64, sampled []bool, gaps, restarts int) {
	limit := gapLimits(pts)
	vals := make([]float64, g.n+1)
	segs := make([]int, g.n+1)
	for k := 0; k <= g.n; k++ {
		vals[k], segs[k] = interpAt(pts, g.at(k), limit)
	}
	d = make([]float64, g.n)
	for k := 0; k < g.n; k++ {
		switch {
		case math.IsNaN(vals[k]) || math.IsNaN(vals[k+1]):
			d[k] = math.NaN()
			gaps++
		case segs[k] != segs[k+1]:
			d[k] = math.NaN()
			restarts++
		default:
			d[k] = vals[k+1] - vals[k]
		}
	}
	sampled = make([]bool, g.n)
	for _, p := range pts {
		// Bucket k holds the sample at t when at(k) < t <= at(k+1).
		k := int(floorDiv(p.Time.Sub(g.start).Nanoseconds()-1, int64(g.step)))
		if k >= 0 && k < g.n {
			sampled[k] = true
		}
	}
	return d, sampled, gaps, restarts
}

// gapWindow is how many sampling intervals on each side set the local
// interval a gap is measured against.
const gapWindow = 8

// gapLimits returns, for every sampling interval i (between pts[i-1] and
// pts[i]), the longest it may be and still be interpolated over: 3 times
// the larger of the median interval of the gapWindow intervals before it
// and of those after it. A series consolidated like an RRD (5 min rows
// for a day, 30 min for a week, 2 h before) keeps its coarse part, which
// one median over the whole series would call a gap everywhere; taking
// the larger side keeps the last row of a coarse stretch before a finer
// one, and a gap among fine rows is still one.
func gapLimits(pts []MemPoint) []time.Duration {
	iv := make([]float64, len(pts))
	for i := 1; i < len(pts); i++ {
		iv[i] = float64(pts[i].Time.Sub(pts[i-1].Time))
	}
	limit := make([]time.Duration, len(pts))
	var buf [gapWindow]float64 // median's scratch: a recording of a million polls allocates nothing per poll
	med := func(v []float64) float64 {
		w := buf[:len(v)]
		copy(w, v)
		slices.Sort(w)
		switch m := len(w) / 2; {
		case len(w) == 0:
			return 0
		case len(w)%2 == 1:
			return w[m]
		default:
			return (w[m-1] + w[m]) / 2
		}
	}
	for i := 1; i < len(pts); i++ {
		ref := math.Max(med(iv[max(1, i-gapWindow):i]), med(iv[i+1:min(len(iv), i+1+gapWindow)]))
		if ref <= 0 { // a two-sample series
			ref = iv[i]
		}
		limit[i] = time.Duration(3 * ref)
	}
	return limit
}

// spanRows turns per-bucket steps into rows: a bucket that holds no
// sample cannot be measured on its own (its step is a slice of an
// interpolation, and counting each slice as an observation would count
// one coarse sample many times), so it is joined to the following buckets
// up to one that holds a sample. The row's step, the sum of its buckets',
// goes to its last bucket, which records the row's length in span; the
// other buckets become NaN. A row with an unmeasurable bucket (gap,
// restart) is NaN. With a sample in every bucket (a series polled at
// least once per bucket) nothing changes.
func spanRows(d []float64, sampled []bool) (rows []float64, span []int) {
	rows = make([]float64, len(d))
	span = make([]int, len(d))
	start := 0
	for k := range d {
		if !sampled[k] && k < len(d)-1 {
			rows[k] = math.NaN()
			continue
		}
		sum := 0.0
		for i := start; i <= k; i++ {
			sum += d[i] // NaN spreads: the row cannot be measured
		}
		rows[k], span[k] = sum, k-start+1
		if !sampled[k] { // a trailing stretch with no sample to end it
			rows[k] = math.NaN()
		}
		start = k + 1
	}
	return rows, span
}

// interpAt returns the linearly interpolated value at t and its segment;
// NaN when t is outside the samples, the bracketing samples are further
// apart than their interval's limit or lie in different segments.
func interpAt(pts []MemPoint, t time.Time, limit []time.Duration) (float64, int) {
	i := sort.Search(len(pts), func(i int) bool { return !pts[i].Time.Before(t) })
	if i < len(pts) && pts[i].Time.Equal(t) && finite(pts[i].Used) {
		return pts[i].Used, pts[i].Segment
	}
	if i == 0 || i == len(pts) {
		return math.NaN(), 0
	}
	a, b := pts[i-1], pts[i]
	if a.Segment != b.Segment || b.Time.Sub(a.Time) > limit[i] || !finite(a.Used) || !finite(b.Used) {
		return math.NaN(), 0
	}
	f := float64(t.Sub(a.Time)) / float64(b.Time.Sub(a.Time))
	return a.Used + f*(b.Used-a.Used), a.Segment
}

// column is one regressor: the per-bucket malformed counts of one
// (UA, rule) cell, of a collinear group of them, or a control.
type column struct {
	ua      *uaEntry  // leaf: the UA of its one cell
	cells   []*cell   // leaf: the cell
	members []*column // group: the leaves summed into it
	control string    // "" for candidates; else the control's name
	// joined names the controls a candidate group is collinear with.
	joined []string
	x      []float64
	total  float64
}

// leaves returns the (UA, rule) cells a column stands for.
func (c *column) leaves() []*column {
	if len(c.members) > 0 {
		return c.members
	}
	if c.ua != nil {
		return []*column{c}
	}
	return nil
}

// cellColumns returns, for the chosen source, one column per malformed
// (UA, rule) cell that has messages in the window, sorted by volume (ties
// by UA, then rule, so that input order never matters), and the per-bucket
// well-formed counts of all UAs.
func cellColumns(tl *Timeline, g *grid, src Source) (cols []*column, wellFormed []float64) {
	wellFormed = make([]float64, g.n)
	from, _ := g.tlRange(0)
	_, to := g.tlRange(g.n - 1)
	for _, u := range tl.entries() {
		for _, c := range u.cells {
			if c.source != src || c.sum(from, to) == 0 {
				continue
			}
			x := make([]float64, g.n)
			tot := 0.0
			// Only the buckets between the cell's first and last message
			// can hold counts.
			tb := int64(tl.Bucket())
			k0 := max(0, int((floorDiv(c.first.UnixNano(), tb)-from)/g.ratio))
			k1 := min(g.n-1, int((floorDiv(c.last.UnixNano(), tb)-from)/g.ratio))
			for k := k0; k <= k1; k++ {
				a, b := g.tlRange(k)
				x[k] = float64(c.sum(a, b))
				tot += x[k]
			}
			if c.rule == 0 {
				for k := range x {
					wellFormed[k] += x[k]
				}
				continue
			}
			cols = append(cols, &column{ua: u, cells: []*cell{c}, x: x, total: tot})
		}
	}
	slices.SortStableFunc(cols, func(a, b *column) int {
		switch {
		case a.total != b.total:
			if a.total > b.total {
				return -1
			}
			return 1
		case a.ua.folded != b.ua.folded:
			if b.ua.folded {
				return -1
			}
			return 1
		case a.ua.raw != b.ua.raw:
			if a.ua.raw < b.ua.raw {
				return -1
			}
			return 1
		}
		return int(int64(a.cells[0].rule) - int64(b.cells[0].rule))
	})
	return cols, wellFormed
}

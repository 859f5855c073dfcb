package memstat

import (
	"sort"
	"time"
)

// SplitOptions tune SplitRestarts. Zero fields take the defaults.
type SplitOptions struct {
	// DropFraction: used memory must fall by more than this fraction of
	// its previous value. Default 0.5.
	DropFraction float64
	// BaselineFraction: and land within this fraction of the growth since
	// the segment's first value (i.e. back near the baseline). Default 0.25.
	BaselineFraction float64
	// Disable turns inference off.
	Disable bool
}

// SplitRestarts infers restarts of the server in a Set without process
// ids (CSV imports) and splits every series there into a new segment.
//
// A restart is a point where a used-memory series (used, real_used,
// max_used, and Munin's min_used) falls by more than DropFraction of its
// previous value and lands within BaselineFraction of the growth since the
// segment began: a worker freeing a big cache falls, but not back to where
// the process started. Detections of several series within one sampling
// interval are one restart. Free-memory series are split at the same
// times; they alone cannot tell a restart from a big free. Each restart
// gets a NoteRestart. Sets whose series are already segmented (recordings,
// which have pids) are left alone.
func SplitRestarts(s *Set, opt SplitOptions) {
	if opt.Disable {
		return
	}
	if opt.DropFraction <= 0 {
		opt.DropFraction = 0.5
	}
	if opt.BaselineFraction <= 0 {
		opt.BaselineFraction = 0.25
	}
	type hit struct {
		t        time.Time
		series   *Series
		from, to float64
	}
	var hits []hit
	grows := 0
	for _, x := range s.Series {
		if x.Segment != 0 || x.Process.PID != 0 {
			return // already segmented by pids: nothing to infer
		}
		if !x.Metric.Grows() {
			continue
		}
		grows++
		base := 0.0
		for i, p := range x.Points {
			if i == 0 {
				base = p.Value
				continue
			}
			prev := x.Points[i-1].Value
			if prev > 0 && p.Value < prev*(1-opt.DropFraction) && p.Value <= base+opt.BaselineFraction*(prev-base) {
				hits = append(hits, hit{p.Time, x, prev, p.Value})
				base = p.Value
			}
		}
	}
	if grows == 0 {
		if len(s.Series) > 0 {
			s.note(NoteInfo, 0, time.Time{}, "no used-memory series: restarts cannot be inferred from drops")
		}
		return
	}
	if len(hits) == 0 {
		return
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].t.Before(hits[j].t) })
	window := medianStep(s)
	// Cluster detections: one restart per cluster, at the earliest time;
	// a series that itself dropped splits at its own drop point.
	var clusters [][]hit
	for _, h := range hits {
		if n := len(clusters); n > 0 && h.t.Sub(clusters[n-1][0].t) <= window {
			clusters[n-1] = append(clusters[n-1], h)
			continue
		}
		clusters = append(clusters, []hit{h})
	}
	cuts := make(map[*Series][]time.Time, len(s.Series))
	for _, c := range clusters {
		h := c[0]
		s.note(NoteRestart, 0, h.t, "restart inferred: %s (%s) fell from %.0f to %.0f", h.series.Label, h.series.Key, h.from, h.to)
		own := map[*Series]time.Time{}
		for _, h := range c {
			if _, dup := own[h.series]; !dup {
				own[h.series] = h.t
			}
		}
		for _, x := range s.Series {
			t, ok := own[x]
			if !ok {
				t = h.t
			}
			cuts[x] = append(cuts[x], t)
		}
	}
	var out []*Series
	for _, x := range s.Series {
		out = append(out, splitAt(x, cuts[x])...)
	}
	s.Series = out
	s.Sort()
}

// splitAt cuts x before each time in cuts (ascending), numbering the
// pieces from 0; empty pieces are dropped but keep their number.
func splitAt(x *Series, cuts []time.Time) []*Series {
	var out []*Series
	seg, start := 0, 0
	flush := func(end int) {
		if end > start {
			y := *x
			y.Segment, y.Points = seg, x.Points[start:end:end]
			out = append(out, &y)
		}
	}
	for _, c := range cuts {
		end := sort.Search(len(x.Points), func(i int) bool { return !x.Points[i].Time.Before(c) })
		if end < start {
			end = start
		}
		flush(end)
		start = end
		seg++
	}
	flush(len(x.Points))
	return out
}

// medianStep is the median time between consecutive points over all
// series: the sampling interval.
func medianStep(s *Set) time.Duration {
	var steps []time.Duration
	for _, x := range s.Series {
		for i := 1; i < len(x.Points); i++ {
			steps = append(steps, x.Points[i].Time.Sub(x.Points[i-1].Time))
		}
	}
	if len(steps) == 0 {
		return 0
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i] < steps[j] })
	return steps[len(steps)/2]
}

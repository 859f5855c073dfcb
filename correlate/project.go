package correlate

import (
	"fmt"
	"math"
	"time"
)

// maxProjection caps a projection so that it fits a time.Duration.
const maxProjection = 100 * 365 * 24 * time.Hour

// Project returns, for every series with a known pool size, the time until
// it runs out at its observed growth: the median of the slopes between
// samples half the last segment apart (robust to single jumps, insensitive
// to what happened before the last restart). attributed gives, per series
// name, the growth the suspects explain (bytes/s), copied into the
// projection. The second result indexes the soonest exhaustion (-1: none
// runs out).
func Project(mem []MemSeries, attributed map[string]float64) ([]Projection, int) {
	out := []Projection{}
	weakest := -1
	for _, s := range mem {
		if s.Total <= 0 {
			continue
		}
		pts := sortedPoints(s.Points)
		tail := lastSegment(pts)
		if len(tail) == 0 {
			continue
		}
		last := tail[len(tail)-1]
		p := Projection{Series: s.Name, Pool: s.Pool.String(), Total: s.Total, Used: last.Used,
			Free: math.Max(s.Total-last.Used, 0), Slope: robustSlope(tail), Attributed: attributed[s.Name]}
		if p.Slope > 0 {
			sec := p.Free / p.Slope
			p.Exhaustion = maxProjection
			if sec < maxProjection.Seconds() {
				p.Exhaustion = time.Duration(sec * float64(time.Second))
			}
			p.At = last.Time.Add(p.Exhaustion)
			if weakest < 0 || p.Exhaustion < out[weakest].Exhaustion {
				weakest = len(out)
			}
		}
		out = append(out, p)
	}
	return out, weakest
}

// lastSegment returns the samples after the last restart.
func lastSegment(pts []MemPoint) []MemPoint {
	var ok []MemPoint
	for _, p := range pts {
		if finite(p.Used) {
			ok = append(ok, p)
		}
	}
	i := len(ok)
	for i > 0 && ok[i-1].Segment == ok[len(ok)-1].Segment {
		i--
	}
	return ok[i:]
}

// robustSlope is the median of (v[i+h]-v[i])/(t[i+h]-t[i]) with h = n/2.
func robustSlope(pts []MemPoint) float64 {
	n := len(pts)
	if n < 2 {
		return 0
	}
	h := max(n/2, 1)
	var sl []float64
	for i := 0; i+h < n; i++ {
		if dt := pts[i+h].Time.Sub(pts[i].Time).Seconds(); dt > 0 {
			sl = append(sl, (pts[i+h].Used-pts[i].Used)/dt)
		}
	}
	return median(sl)
}

// attributedRates sums the suspects' growth per input series: a pkg sum
// target's per-process rate goes to each of its receiving processes, a
// per-process series gets its own.
func (a *analysis) attributedRates(r *Report) map[string]float64 {
	out := map[string]float64{}
	for _, s := range r.Suspects {
		for _, t := range a.targets {
			if t.name != s.Target {
				continue
			}
			if len(t.names) == 0 {
				if t.pool == PoolPkg {
					out[t.name] += s.ProcessRate
				} else {
					out[t.name] += s.Rate
				}
				continue
			}
			names := t.receivers
			if len(names) == 0 {
				names = t.names
			}
			for _, n := range names {
				out[n] += s.ProcessRate
			}
		}
	}
	return out
}

// poolProjection gives a suspect its pool's one projection: the series of
// its pool that runs out first (at its observed growth, the figure the
// projection table gives) and the part of that growth the suspect
// explains. With no series running out, the one with least free memory.
func poolProjection(s *Suspect, ps []Projection) {
	best := -1
	for i, p := range ps {
		if p.Pool != s.Pool {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := ps[best]
		switch {
		case p.Exhaustion > 0 && (b.Exhaustion == 0 || p.Exhaustion < b.Exhaustion):
			best = i
		case p.Exhaustion == 0 && b.Exhaustion == 0 && p.Free < b.Free:
			best = i
		}
	}
	if best < 0 {
		return
	}
	p := ps[best]
	s.PoolSeries, s.Projection, s.ProjectionAt = p.Series, p.Exhaustion, p.At
	rate := s.Rate
	if s.Pool == PoolPkg.String() {
		rate = s.ProcessRate
	}
	if p.Slope > 0 {
		s.PoolShare = rate / p.Slope
	}
}

// capPoolShares scales the pool shares of the suspects of each series so
// that they add up to at most 1. The suspects' rates come from the whole
// analysis window and the projection's slope from the last segment's
// median: where they disagree the rates can exceed the slope, and "129 %
// of the growth" is no share.
func capPoolShares(ss []Suspect) {
	sum := map[string]float64{}
	for _, s := range ss {
		sum[s.PoolSeries] += s.PoolShare
	}
	for i := range ss {
		if t := sum[ss[i].PoolSeries]; t > 1 {
			ss[i].PoolShare /= t
		}
	}
}

// matchDefect labels a suspect with the known defect its rule triggers:
// whether the configured version is affected and whether the estimated
// bytes/message is n × the defect's known size (n = 1..4 option tags)
// for the metric the series measures.
func matchDefect(s *Suspect, metric string, pool Pool, o Options) *DefectMatch {
	v, vok := parseVersion(o.Version)
	var best *DefectMatch
	for _, d := range o.Defects {
		if s.First&d.Rules == 0 || s.First >= RuleCoreDrop || (d.Pool != 0 && d.Pool != pool) {
			continue
		}
		m := &DefectMatch{ID: d.ID, VersionKnown: vok, Summary: d.Summary, FixedIn: d.fixFor(v, vok)}
		m.Affected = !vok || d.affects(v)
		type size struct {
			b    float64
			name string
		}
		var sizes []size
		if metric != "real_used" && d.UsedBytes > 0 {
			sizes = append(sizes, size{d.UsedBytes, "used"})
		}
		if metric != "used" && d.RealUsedBytes > 0 {
			sizes = append(sizes, size{d.RealUsedBytes, "real_used"})
		}
		for i, z := range sizes {
			if i > 0 {
				m.Expected += " or "
			}
			m.Expected += fmt.Sprintf("%g B %s", z.b, z.name)
			for n := 1.0; n <= 4; n++ {
				if s.CI.Low <= n*z.b && n*z.b <= s.CI.High {
					m.Consistent = true
				}
			}
		}
		if m.Expected != "" {
			m.Expected += " per occurrence"
		}
		if best == nil || (m.Affected && !best.Affected) || (m.Consistent && !best.Consistent) {
			best = m
		}
	}
	return best
}

// timelineNotes reports what the timeline had to skip or fold.
func timelineNotes(tl *Timeline, notes *[]Note) {
	st := tl.Stats()
	if st.Untimed > 0 {
		*notes = append(*notes, Note{"untimed", fmt.Sprintf("%d events without a timestamp were counted but not placed in time", st.Untimed)})
	}
	if st.FoldedEvents > 0 {
		n, exact := tl.FoldedUAs()
		about := "about "
		if exact {
			about = ""
		}
		*notes = append(*notes, Note{"cardinality", fmt.Sprintf("%d events of %s%d User-Agents were folded into one entry: the cap of %d keeps the heaviest UAs apart, these were the lightest", st.FoldedEvents, about, n, tl.opts.MaxUAs)})
	}
	if st.Coarsened > 0 {
		*notes = append(*notes, Note{"cardinality", fmt.Sprintf("the timeline doubled its bucket %d time(s), to %s, to stay within its memory bound", st.Coarsened, tl.Bucket())})
	}
	if st.TruncatedUAs > 0 {
		*notes = append(*notes, Note{"cardinality", fmt.Sprintf("%d events carried a User-Agent longer than %d bytes; it was cut", st.TruncatedUAs, tl.opts.MaxUALen)})
	}
}

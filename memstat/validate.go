package memstat

import (
	"math"
	"strings"
	"time"
)

// maxPlausible is the largest byte value accepted: 1 PiB, far above any
// Kamailio pool (pools are sized at start with -m / -M in MiB) and far
// below values like 1e30 that only a broken exporter writes.
const maxPlausible = 1 << 50

// implausible says why v cannot be a value of metric m, or "" when it can.
// Memory sizes and fragment counts are never negative; a negative value
// is a broken export (or a signed overflow), and keeping it would make
// the restart inference see a "drop" and invent a restart.
func implausible(m Metric, v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "not a finite number"
	case v < 0:
		return "negative (memory sizes and counts are never below zero)"
	case v > maxPlausible:
		return "above 1 PiB (no Kamailio pool is that large)"
	}
	return ""
}

// totalOf is the pool size metric that bounds a used metric.
var totalOf = map[Metric]Metric{
	PkgUsed: PkgTotal, PkgRealUsed: PkgTotal,
	ShmUsed: ShmTotal, ShmRealUsed: ShmTotal, ShmMaxUsed: ShmTotal,
}

// dropAboveTotal removes the used-memory values that exceed the pool size
// measured at the same time for the same quantity (used <= real_used <=
// total always holds in Kamailio's allocators), with one note per series
// saying how many were dropped. Series left empty are removed.
func dropAboveTotal(s *Set) {
	totals := map[string]map[time.Time]float64{}
	for _, x := range s.Series {
		if x.Metric != PkgTotal && x.Metric != ShmTotal {
			continue
		}
		k := strings.TrimPrefix(x.Key, x.Metric.String())
		m := totals[x.Metric.String()+k]
		if m == nil {
			m = make(map[time.Time]float64, len(x.Points))
			totals[x.Metric.String()+k] = m
		}
		for _, p := range x.Points {
			m[p.Time] = p.Value
		}
	}
	if len(totals) == 0 {
		return
	}
	out := s.Series[:0]
	for _, x := range s.Series {
		tm, ok := totalOf[x.Metric]
		if !ok {
			out = append(out, x)
			continue
		}
		tot := totals[tm.String()+strings.TrimPrefix(x.Key, x.Metric.String())]
		if tot == nil {
			out = append(out, x)
			continue
		}
		kept, dropped := x.Points[:0], 0
		var first Point
		for _, p := range x.Points {
			if t, ok := tot[p.Time]; ok && t > 0 && p.Value > t {
				if dropped == 0 {
					first = p
				}
				dropped++
				continue
			}
			kept = append(kept, p)
		}
		x.Points = kept
		if dropped > 0 {
			s.note(NoteSkipped, 0, first.Time, "%q: %d values above the pool size %s at the same time dropped (first: %.0f > %.0f)", x.Label, dropped, tm, first.Value, tot[first.Time])
		}
		if len(x.Points) > 0 {
			out = append(out, x)
		}
	}
	for i := len(out); i < len(s.Series); i++ {
		s.Series[i] = nil
	}
	s.Series = out
}

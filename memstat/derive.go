package memstat

import (
	"strings"
	"time"
)

// deriveRealUsed adds a real_used series computed as total - free for
// every free series that has a matching total but no real_used of its
// own. In q_malloc (Kamailio's default manager for both pools) free is
// exactly total_size - real_used, so nothing is guessed; a CSV export with
// only free and total columns then has a used-memory series to split
// restarts on and to correlate with. Matching is by key: "shm.free{l}"
// with "shm.total{l}", "pkg.free/entry=3" with "pkg.total_size/entry=3",
// "pkg.free/weakest" with "pkg.total_size/weakest".
//
// The total is taken at the same time as the free value, or, when the
// total series is constant (the usual pool size), at any time.
func deriveRealUsed(s *Set) {
	byKey := make(map[string]*Series, len(s.Series))
	for _, x := range s.Series {
		if x.Segment == 0 {
			byKey[x.Key] = x
		}
	}
	for _, pair := range [...]struct{ free, total, used Metric }{
		{ShmFree, ShmTotal, ShmRealUsed},
		{PkgFree, PkgTotal, PkgRealUsed},
	} {
		for _, free := range s.Series {
			if free.Metric != pair.free || free.Segment != 0 {
				continue
			}
			rest := strings.TrimPrefix(free.Key, pair.free.String())
			total := byKey[pair.total.String()+rest]
			usedKey := pair.used.String() + rest
			if total == nil || byKey[usedKey] != nil || len(total.Points) == 0 {
				continue
			}
			at := totalAt(total)
			used := &Series{Key: usedKey, Metric: pair.used, Scope: free.Scope, Process: free.Process,
				Label: "total - free (" + free.Label + ")"}
			for _, p := range free.Points {
				if t, ok := at(p.Time); ok && t >= p.Value {
					used.Points = append(used.Points, Point{Time: p.Time, Value: t - p.Value})
				}
			}
			if len(used.Points) == 0 {
				continue
			}
			byKey[usedKey] = used
			s.Series = append(s.Series, used)
			s.note(NoteInfo, 0, time.Time{}, "%s derived as %s - %s (q_malloc: free = total - real_used)", usedKey, total.Key, free.Key)
		}
	}
	s.Sort()
}

// totalAt returns a lookup of the pool size at a time.
func totalAt(total *Series) func(time.Time) (float64, bool) {
	first := total.Points[0].Value
	constant := true
	for _, p := range total.Points {
		if p.Value != first {
			constant = false
			break
		}
	}
	if constant {
		return func(time.Time) (float64, bool) { return first, true }
	}
	m := make(map[int64]float64, len(total.Points))
	for _, p := range total.Points {
		m[p.Time.UnixNano()] = p.Value
	}
	return func(t time.Time) (float64, bool) {
		v, ok := m[t.UnixNano()]
		return v, ok
	}
}

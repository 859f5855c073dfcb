package memstat

import (
	"strings"
)

// IsUDPReceiver reports whether p is a UDP receiver: a SIP worker reading
// from a UDP socket, where a message-triggered pkg leak shows up first.
//
// With a description (Kamailio 5.4 and later) the decision is exact: the
// desc contains "udp receiver". Without one (5.2, 5.3, and any CSV import)
// the rank is all there is: SIP workers have ranks 1..N, every other
// process a rank <= 0 (main 0, timer -1, RPC -2, TCP main -4, no child init
// -128); the SIP RPC process has rank 127. TCP workers also have positive
// ranks, so without desc the TCP workers of a server that listens on TCP
// are counted too; on the UDP-only edges sipcorr is written for, rank >= 1
// is the UDP receivers.
func IsUDPReceiver(p Process) bool {
	if p.Desc != "" {
		return strings.Contains(strings.ToLower(p.Desc), "udp receiver")
	}
	return p.Rank >= 1 && p.Rank < 127
}

// Weakest is the pkg memory of the process closest to running out.
type Weakest struct {
	Key     string    // series key of its pkg.free, e.g. "pkg.free/entry=3"
	Process Process   // of the latest segment; zero with Entry -1 for Munin min_free
	End     Point     // its last pkg free value
	Min     Point     // its smallest pkg free value over the whole data
	Free    []*Series // its pkg.free segments, in order
}

// Weakest returns the process with the least pkg free memory at the end
// of the data (ties: the lower minimum over time, then the lower key).
// Without per-process series (a Munin/compass export) it falls back to the
// min_free series, whose process is unknown. ok is false without pkg data.
func (s *Set) Weakest() (w Weakest, ok bool) {
	return s.weakest(func(a, b Weakest) bool {
		if a.End.Value != b.End.Value {
			return a.End.Value < b.End.Value
		}
		if a.Min.Value != b.Min.Value {
			return a.Min.Value < b.Min.Value
		}
		return a.Key < b.Key
	})
}

// WeakestEver returns the process whose pkg free memory reached the lowest
// value at any time (ties: earlier, then the lower key). It differs from
// Weakest when the data spans a restart or a process recovered.
func (s *Set) WeakestEver() (w Weakest, ok bool) {
	return s.weakest(func(a, b Weakest) bool {
		if a.Min.Value != b.Min.Value {
			return a.Min.Value < b.Min.Value
		}
		if !a.Min.Time.Equal(b.Min.Time) {
			return a.Min.Time.Before(b.Min.Time)
		}
		return a.Key < b.Key
	})
}

func (s *Set) weakest(better func(a, b Weakest) bool) (Weakest, bool) {
	cands := groupByKey(s.Pkg(PkgFree))
	if len(cands) == 0 {
		cands = groupByKey(s.Select(PkgFree, ScopeWeakest))
	}
	var best Weakest
	found := false
	for _, segs := range cands {
		w, ok := summarise(segs)
		if !ok {
			continue
		}
		if !found || better(w, best) {
			best, found = w, true
		}
	}
	return best, found
}

// groupByKey splits series (in Set order) into runs of equal Key.
func groupByKey(ss []*Series) [][]*Series {
	var out [][]*Series
	for i, x := range ss {
		if i == 0 || x.Key != ss[i-1].Key {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], x)
	}
	return out
}

func summarise(segs []*Series) (Weakest, bool) {
	w := Weakest{Free: segs}
	found := false
	for _, sg := range segs {
		m, ok := sg.Min()
		if !ok {
			continue
		}
		if !found || m.Value < w.Min.Value {
			w.Min = m
		}
		w.End, _ = sg.Last()
		w.Key, w.Process = sg.Key, sg.Process
		found = true
	}
	return w, found
}

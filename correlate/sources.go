package correlate

import (
	"net/netip"
	"sort"
)

// topSources keeps the most frequent source addresses with the Space-Saving
// algorithm: counts are upper bounds, exact while fewer than the slot count
// of distinct sources were seen.
type topSources struct {
	slots []SourceCount
}

// SourceCount is a source address and its (upper-bound) message count.
type SourceCount struct {
	Addr  netip.AddrPort `json:"addr"`
	Count uint64         `json:"count"`
}

func (s *topSources) add(a netip.AddrPort, max int) { s.addN(a, 1, max) }

// addN counts n messages from a.
func (s *topSources) addN(a netip.AddrPort, n uint64, max int) {
	mi := -1
	for i := range s.slots {
		if s.slots[i].Addr == a {
			s.slots[i].Count += n
			return
		}
		if mi < 0 || s.slots[i].Count < s.slots[mi].Count {
			mi = i
		}
	}
	if len(s.slots) < max {
		s.slots = append(s.slots, SourceCount{Addr: a, Count: n})
		return
	}
	s.slots[mi] = SourceCount{Addr: a, Count: s.slots[mi].Count + n}
}

func (s *topSources) sorted() []SourceCount {
	out := append([]SourceCount(nil), s.slots...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Addr.Compare(out[j].Addr) < 0
	})
	return out
}

package correlate

import (
	"math/bits"
	"net/netip"
	"sort"
	"time"
)

// UAStats is what one User-Agent sent. Counts are exact except where a bound
// folded detail into an "other" entry (Other* fields).
type UAStats struct {
	UA        string // raw User-Agent (maybe truncated), or OtherUA
	Present   bool   // false when the messages carried no User-Agent header
	Messages  uint64
	Requests  uint64
	Responses uint64
	Malformed uint64 // messages Kamailio would reject (core drop or a failed check)
	CoreDrops uint64
	First     time.Time
	Last      time.Time

	methods      map[string]*uint64 // pointer values: updating a []byte-keyed entry must not allocate
	OtherMethods uint64
	codes        map[int]uint64
	sources      map[netip.AddrPort]uint64
	OtherSources uint64

	// ByRule[i] counts messages failing sanity bit 1<<i (every failed bit);
	// FirstRule[i] counts messages whose reported (first) failure is 1<<i.
	ByRule    [32]uint64
	FirstRule [32]uint64
}

func newUAStats(ua string, present bool) *UAStats {
	return &UAStats{
		UA:      ua,
		Present: present,
		methods: make(map[string]*uint64),
		codes:   make(map[int]uint64),
		sources: make(map[netip.AddrPort]uint64),
	}
}

func (s *UAStats) add(o *Observation, l InventoryLimits, folded *FoldCounts) {
	s.Messages++
	if s.First.IsZero() || o.Time.Before(s.First) {
		s.First = o.Time
	}
	if o.Time.After(s.Last) {
		s.Last = o.Time
	}
	if o.Request {
		s.Requests++
	} else {
		s.Responses++
		s.codes[o.Status]++ // status codes are 3 digits: at most 900 keys
	}
	if len(o.Method) > 0 {
		if n, ok := s.methods[string(o.Method)]; ok {
			*n++
		} else if len(s.methods) < l.MaxMethodsPer {
			one := uint64(1)
			s.methods[string(o.Method)] = &one
		} else {
			s.OtherMethods++
			folded.MethodMessages++
		}
	}
	if n, ok := s.sources[o.Src]; ok {
		s.sources[o.Src] = n + 1
	} else if len(s.sources) < l.MaxSourcesPer {
		s.sources[o.Src] = 1
	} else {
		s.OtherSources++
		folded.SourceMessages++
	}
	if o.Malformed() {
		s.Malformed++
	}
	if o.CoreDrop {
		s.CoreDrops++
	}
	for f := o.Failed; f != 0; f &= f - 1 {
		s.ByRule[bits.TrailingZeros32(f)]++
	}
	if o.First != 0 {
		s.FirstRule[bits.TrailingZeros32(o.First)]++
	}
}

// Count is a key with its number of messages.
type Count[K comparable] struct {
	Key      K
	Messages uint64
}

// Methods returns the method counts, most frequent first.
func (s *UAStats) Methods() []Count[string] {
	m := make(map[string]uint64, len(s.methods))
	for k, n := range s.methods {
		m[k] = *n
	}
	return sortedCounts(m, func(a, b string) bool { return a < b })
}

// Codes returns the response-code counts, most frequent first.
func (s *UAStats) Codes() []Count[int] { return sortedCounts(s.codes, func(a, b int) bool { return a < b }) }

// Sources returns the source addresses, most frequent first.
func (s *UAStats) Sources() []Count[netip.AddrPort] {
	return sortedCounts(s.sources, func(a, b netip.AddrPort) bool { return a.Compare(b) < 0 })
}

// Rules returns the failed sanity bits of this UA with their counts, ascending
// by bit. first selects the reported-first-failure counts instead of every failure.
func (s *UAStats) Rules(first bool) []Count[uint32] {
	arr := &s.ByRule
	if first {
		arr = &s.FirstRule
	}
	var out []Count[uint32]
	for i, n := range arr {
		if n > 0 {
			out = append(out, Count[uint32]{Key: 1 << i, Messages: n})
		}
	}
	return out
}

func sortedCounts[K comparable](m map[K]uint64, less func(a, b K) bool) []Count[K] {
	out := make([]Count[K], 0, len(m))
	for k, n := range m {
		out = append(out, Count[K]{Key: k, Messages: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Messages != out[j].Messages {
			return out[i].Messages > out[j].Messages
		}
		return less(out[i].Key, out[j].Key)
	})
	return out
}

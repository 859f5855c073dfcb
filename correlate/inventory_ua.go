package correlate

import (
	"cmp"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/internal/heavy"
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

	methods      methodCounts
	OtherMethods uint64
	codes        smallCounts[int]
	sources      smallCounts[netip.AddrPort]
	OtherSources uint64
	rules        *ruleCounts           // nil until the UA fails a check
	item         *heavy.Item[*UAStats] // its place in the Space-Saving summary; nil for OtherUA
}

// merge adds the counts of o (an evicted UA) to s (OtherUA).
func (s *UAStats) merge(o *UAStats, l InventoryLimits) {
	s.Messages += o.Messages
	s.Requests += o.Requests
	s.Responses += o.Responses
	s.Malformed += o.Malformed
	s.CoreDrops += o.CoreDrops
	if s.First.IsZero() || (!o.First.IsZero() && o.First.Before(s.First)) {
		s.First = o.First
	}
	if o.Last.After(s.Last) {
		s.Last = o.Last
	}
	for _, c := range o.methods.counts() {
		if !s.methods.addN(c.Key, c.Messages, l.MaxMethodsPer) {
			s.OtherMethods += c.Messages
		}
	}
	s.OtherMethods += o.OtherMethods
	for _, c := range o.codes.counts() {
		s.codes.addN(c.Key, c.Messages, maxCodes)
	}
	for _, c := range o.sources.counts() {
		if !s.sources.addN(c.Key, c.Messages, l.MaxSourcesPer) {
			s.OtherSources += c.Messages
		}
	}
	s.OtherSources += o.OtherSources
	if o.rules != nil {
		if s.rules == nil {
			s.rules = new(ruleCounts)
		}
		for i := range o.rules.failed {
			s.rules.failed[i] += o.rules.failed[i]
			s.rules.first[i] += o.rules.first[i]
		}
	}
}

func newUAStats(ua string, present bool) *UAStats {
	return &UAStats{UA: ua, Present: present}
}

// maxCodes bounds distinct response codes per UA (status codes have 3 digits).
const maxCodes = 1000

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
		s.codes.inc(o.Status, maxCodes)
	}
	if len(o.Method) > 0 && !s.methods.inc(o.Method, l.MaxMethodsPer) {
		s.OtherMethods++
		folded.MethodMessages++
	}
	if !s.sources.inc(o.Src, l.MaxSourcesPer) {
		s.OtherSources++
		folded.SourceMessages++
	}
	if o.Malformed() {
		s.Malformed++
	}
	if o.CoreDrop {
		s.CoreDrops++
	}
	if o.Failed == 0 && o.First == 0 {
		return
	}
	if s.rules == nil {
		s.rules = new(ruleCounts)
	}
	for f := o.Failed; f != 0; f &= f - 1 {
		s.rules.failed[bits.TrailingZeros32(f)]++
	}
	if o.First != 0 {
		s.rules.first[bits.TrailingZeros32(o.First)]++
	}
}

// Count is a key with its number of messages.
type Count[K comparable] struct {
	Key      K
	Messages uint64
}

// Methods returns the method counts, most frequent first.
func (s *UAStats) Methods() []Count[string] {
	return sortedCounts(s.methods.counts(), strings.Compare)
}

// Codes returns the response-code counts, most frequent first.
func (s *UAStats) Codes() []Count[int] {
	return sortedCounts(s.codes.counts(), cmp.Compare[int])
}

// Sources returns the source addresses, most frequent first.
func (s *UAStats) Sources() []Count[netip.AddrPort] {
	return sortedCounts(s.sources.counts(), netip.AddrPort.Compare)
}

// Rules returns the failed sanity bits of this UA with their counts, ascending
// by bit. first selects the reported-first-failure counts instead of every failure.
func (s *UAStats) Rules(first bool) []Count[uint32] {
	var out []Count[uint32]
	if s.rules == nil {
		return out
	}
	arr := &s.rules.failed
	if first {
		arr = &s.rules.first
	}
	for i, n := range arr {
		if n > 0 {
			out = append(out, Count[uint32]{Key: 1 << i, Messages: n})
		}
	}
	return out
}

// sortedCounts sorts counts most frequent first, ties by key.
func sortedCounts[K comparable](counts []Count[K], compareKeys func(a, b K) int) []Count[K] {
	slices.SortFunc(counts, func(a, b Count[K]) int {
		if c := cmp.Compare(b.Messages, a.Messages); c != 0 {
			return c
		}
		return compareKeys(a.Key, b.Key)
	})
	return counts
}

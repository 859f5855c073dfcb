package correlate

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/internal/heavy"
)

// Default bounds of an Inventory. Hostile traffic can invent a new User-Agent,
// method or source address in every packet; these caps keep memory proportional
// to what an operator can read, and every fold into an "other" bucket is counted.
const (
	DefaultMaxUAs        = 10000
	DefaultMaxSourcesPer = 64
	DefaultMaxMethodsPer = 32
	DefaultMaxUALen      = 512
)

// OtherUA is the key of the bucket that collects the messages of the lightest
// User-Agents once the inventory reached its UA cap.
const OtherUA = "\x00other"

// Observation is one judged SIP message as the inventory takes it. Byte slices
// are only read during Add and may be reused by the caller afterwards.
type Observation struct {
	Time     time.Time // capture timestamp
	UA       []byte    // raw User-Agent header value; nil when absent
	Src      netip.AddrPort
	Request  bool
	Method   []byte // request method, or the CSeq method of a response
	Status   int    // response status code; 0 for requests
	Failed   uint32 // every failed sanity check bit
	First    uint32 // the sanity check Kamailio reports (0: passed)
	CoreDrop bool   // Kamailio's core drops the message before sanity runs
}

// Malformed reports whether Kamailio would reject the message.
func (o *Observation) Malformed() bool { return o.CoreDrop || o.First != 0 }

// InventoryLimits bounds the memory of an Inventory. Zero fields take the defaults.
type InventoryLimits struct {
	MaxUAs        int // distinct User-Agents kept apart: the heaviest; the lightest fold into OtherUA
	MaxSourcesPer int // distinct source addresses counted per UA
	MaxMethodsPer int // distinct methods counted per UA
	MaxUALen      int // bytes of a User-Agent kept as its key
}

func (l InventoryLimits) withDefaults() InventoryLimits {
	if l.MaxUAs <= 0 {
		l.MaxUAs = DefaultMaxUAs
	}
	if l.MaxSourcesPer <= 0 {
		l.MaxSourcesPer = DefaultMaxSourcesPer
	}
	if l.MaxMethodsPer <= 0 {
		l.MaxMethodsPer = DefaultMaxMethodsPer
	}
	if l.MaxUALen <= 0 {
		l.MaxUALen = DefaultMaxUALen
	}
	return l
}

// Inventory counts SIP messages per User-Agent: what each device sent, from
// where, when, and which sanity checks it failed. Its memory grows with the
// number of distinct UAs (bounded), never with the number of messages.
// An Inventory is not safe for concurrent use.
type Inventory struct {
	limits InventoryLimits
	uas    map[string]*UAStats
	rank   *heavy.Summary[*UAStats]
	// Folded counts what did not fit the bounds, so the report can say so.
	Folded FoldCounts
	folded heavy.Distinct
}

// FoldCounts counts messages whose details were folded into an "other" bucket.
type FoldCounts struct {
	// UAMessages counts the messages in the OtherUA bucket: those of the
	// UAs evicted as the lightest when MaxUAs was reached (Space-Saving:
	// a newcomer takes the slot of the UA with the fewest messages, whose
	// counts move to OtherUA, so the heaviest UAs are always kept apart).
	UAMessages uint64
	// UAs is the number of distinct User-Agents with messages in OtherUA,
	// exact up to 4096, estimated (HyperLogLog, ≈1.6 %) beyond; UAsExact
	// says which. Set by UAs() and FoldedUAs().
	UAs            int
	UAsExact       bool
	TruncatedUAs   uint64 // messages whose UA was longer than MaxUALen
	SourceMessages uint64 // messages from sources beyond MaxSourcesPer
	MethodMessages uint64 // messages with methods beyond MaxMethodsPer
}

// NewInventory returns an empty inventory with the given bounds.
func NewInventory(l InventoryLimits) *Inventory {
	l = l.withDefaults()
	return &Inventory{limits: l, uas: make(map[string]*UAStats), rank: heavy.New[*UAStats](l.MaxUAs)}
}

// Add counts one message. For a UA, method and source already known it does
// not allocate.
func (inv *Inventory) Add(o *Observation) {
	ua := o.UA
	if len(ua) > inv.limits.MaxUALen {
		ua = ua[:inv.limits.MaxUALen]
		inv.Folded.TruncatedUAs++
	}
	s, ok := inv.uas[string(ua)]
	if !ok {
		s = inv.newUA(ua, o.UA != nil)
	}
	s.add(o, inv.limits, &inv.Folded)
	if s.item != nil {
		inv.rank.Touch(s.item, 1)
	} else {
		inv.Folded.UAMessages++
	}
}

// rankKey keys the Space-Saving summary: a UA that is the empty string and
// an absent UA are different devices.
func rankKey(ua string, present bool) string {
	if !present {
		return "\x00absent"
	}
	return ua
}

func (inv *Inventory) newUA(ua []byte, present bool) *UAStats {
	s := newUAStats(string(ua), present)
	it, ev := inv.rank.Admit(rankKey(s.UA, present))
	if ev != nil {
		old := ev.Val
		delete(inv.uas, old.UA)
		inv.other().merge(old, inv.limits)
		inv.Folded.UAMessages += old.Messages
		inv.folded.Add(ev.Key)
	}
	s.item, it.Val = it, s
	inv.uas[s.UA] = s
	return s
}

// other returns the OtherUA bucket, created on first use.
func (inv *Inventory) other() *UAStats {
	if s, ok := inv.uas[OtherUA]; ok {
		return s
	}
	s := newUAStats(OtherUA, true)
	inv.uas[OtherUA] = s
	return s
}

// Len returns the number of distinct UA buckets (the other bucket included).
func (inv *Inventory) Len() int { return len(inv.uas) }

// FoldedUAs returns the number of distinct User-Agents folded into OtherUA
// and whether it is exact, and stores them in Folded.
func (inv *Inventory) FoldedUAs() (n int, exact bool) {
	inv.Folded.UAs, inv.Folded.UAsExact = inv.folded.Count()
	return inv.Folded.UAs, inv.Folded.UAsExact
}

// UAs returns the per-UA statistics, most messages first, ties by UA string.
// It also brings Folded.UAs up to date.
func (inv *Inventory) UAs() []*UAStats {
	inv.FoldedUAs()
	out := make([]*UAStats, 0, len(inv.uas))
	for _, s := range inv.uas {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *UAStats) int {
		if c := cmp.Compare(b.Messages, a.Messages); c != 0 {
			return c
		}
		return strings.Compare(a.UA, b.UA)
	})
	return out
}

package correlate

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"
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

// OtherUA is the key of the bucket that collects messages of User-Agents seen
// after the inventory reached its UA cap.
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
	MaxUAs        int // distinct User-Agents kept; later ones fold into OtherUA
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
	// Folded counts what did not fit the bounds, so the report can say so.
	Folded FoldCounts
}

// FoldCounts counts messages whose details were folded into an "other" bucket.
type FoldCounts struct {
	UAMessages     uint64 // messages of UAs beyond MaxUAs
	TruncatedUAs   uint64 // messages whose UA was longer than MaxUALen
	SourceMessages uint64 // messages from sources beyond MaxSourcesPer
	MethodMessages uint64 // messages with methods beyond MaxMethodsPer
}

// NewInventory returns an empty inventory with the given bounds.
func NewInventory(l InventoryLimits) *Inventory {
	return &Inventory{limits: l.withDefaults(), uas: make(map[string]*UAStats)}
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
}

func (inv *Inventory) newUA(ua []byte, present bool) *UAStats {
	if len(inv.uas) >= inv.limits.MaxUAs {
		inv.Folded.UAMessages++
		if s, ok := inv.uas[OtherUA]; ok {
			return s
		}
		s := newUAStats(OtherUA, true)
		inv.uas[OtherUA] = s
		return s
	}
	s := newUAStats(string(ua), present)
	inv.uas[s.UA] = s
	return s
}

// Len returns the number of distinct UA buckets (the other bucket included).
func (inv *Inventory) Len() int { return len(inv.uas) }

// UAs returns the per-UA statistics, most messages first, ties by UA string.
func (inv *Inventory) UAs() []*UAStats {
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

package esquery

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/internal/heavy"
)

// DefaultMaxKeys bounds the distinct UAs (and, for lines without UA, source
// addresses) a Tally keeps apart; hostile traffic can invent one per packet.
const DefaultMaxKeys = 10000

// Tally counts hits per UA (or per source, for lines without UA) and time
// bucket with bounded memory: at most MaxKeys identities are kept apart.
// Which ones is decided by a Space-Saving summary (internal/heavy): a new
// identity at capacity evicts the one with the smallest estimated count,
// whose counts move to the Overflow buckets. So the heaviest identities
// are kept however late they first appear (every identity with more than
// Total/MaxKeys hits is kept), and what was folded is counted: FoldedKeys
// identities, OverflowHits hits. Both the hits path and the server-side
// aggregation feed the same Tally, so they give the same Buckets.
//
// Hits that carry neither a UA nor a parsable source (the phrase matched,
// the pattern did not) are no identity: they are counted in Unattributed
// and Total, never in Buckets, so no caller can make a suspect of them.
// A Tally is not safe for concurrent use.
type Tally struct {
	Bucket  time.Duration // DefaultBucket if zero
	MaxKeys int           // DefaultMaxKeys if zero

	sum      *heavy.Summary[*idCounts]
	overflow map[int64]int64 // bucket start (Unix ms) → folded hits
	folded   heavy.Distinct
	// OverflowHits counts hits that went to Overflow buckets (folded).
	OverflowHits int64
	// Unattributed counts hits with neither UA nor source.
	Unattributed int64
}

// idCounts are one kept identity's exact counts since its admission.
type idCounts struct {
	id     ident
	counts map[int64]int64 // bucket start (Unix ms) → hits
}

type ident struct {
	ua    string
	hasUA bool
	src   netip.Addr
}

// key is the identity's summary key; UA and address keys cannot collide.
//
// A UA is its own key, so counting a UA's hit allocates nothing; source
// keys start with NUL, which a UA key never does (a UA that does is
// prefixed with "\x00u", the one case that allocates).
func (id ident) key() string {
	if id.hasUA {
		if strings.HasPrefix(id.ua, "\x00") {
			return "\x00u" + id.ua
		}
		return id.ua
	}
	return "\x00s" + id.src.String()
}

// BucketStart returns the start of the bucket holding t: buckets of width d
// aligned to the Unix epoch, as Elasticsearch's fixed_interval aligns them.
func BucketStart(t time.Time, d time.Duration) time.Time {
	ms, w := t.UnixMilli(), d.Milliseconds()
	if w <= 0 {
		return time.UnixMilli(ms).UTC()
	}
	r := ms % w
	if r < 0 {
		r += w
	}
	return time.UnixMilli(ms - r).UTC()
}

func (t *Tally) init() {
	if t.Bucket <= 0 {
		t.Bucket = DefaultBucket
	}
	if t.MaxKeys <= 0 {
		t.MaxKeys = DefaultMaxKeys
	}
	if t.sum == nil {
		t.sum = heavy.New[*idCounts](t.MaxKeys)
		t.overflow = map[int64]int64{}
	}
}

// AddHit counts one hit.
func (t *Tally) AddHit(h Hit) {
	id := ident{ua: h.UA, hasUA: h.HasUA}
	if !h.HasUA {
		id.ua, id.src = "", h.Src.Addr()
	}
	t.add(BucketStart(h.Time, t.bucket()), id, 1)
}

// AddBucket counts an aggregated bucket; b.Start must already be aligned
// to t.Bucket (it is re-aligned otherwise).
func (t *Tally) AddBucket(b Bucket) {
	if b.Overflow {
		t.init()
		start := BucketStart(b.Start, t.bucket()).UnixMilli()
		t.overflow[start] += b.Count
		t.OverflowHits += b.Count
		return
	}
	id := ident{ua: b.UA, hasUA: b.HasUA}
	if !b.HasUA {
		id.ua, id.src = "", b.Src
	}
	t.add(BucketStart(b.Start, t.bucket()), id, b.Count)
}

func (t *Tally) bucket() time.Duration {
	if t.Bucket <= 0 {
		return DefaultBucket
	}
	return t.Bucket
}

func (t *Tally) add(start time.Time, id ident, n int64) {
	t.init()
	if n <= 0 {
		return
	}
	if !id.hasUA && !id.src.IsValid() {
		t.Unattributed += n
		return
	}
	k := id.key()
	it, ok := t.sum.Get(k)
	if !ok {
		var evicted *heavy.Item[*idCounts]
		it, evicted = t.sum.Admit(k)
		it.Val = &idCounts{id: id, counts: map[int64]int64{}}
		if evicted != nil {
			t.fold(evicted)
		}
	}
	t.sum.Touch(it, uint64(n))
	it.Val.counts[start.UnixMilli()] += n
}

// fold moves an evicted identity's counts into the Overflow buckets.
func (t *Tally) fold(ev *heavy.Item[*idCounts]) {
	t.folded.Add(ev.Key)
	for start, c := range ev.Val.counts {
		t.overflow[start] += c
		t.OverflowHits += c
	}
}

// Keys returns the number of identities kept apart.
func (t *Tally) Keys() int {
	if t.sum == nil {
		return 0
	}
	return t.sum.Len()
}

// FoldedKeys returns the number of distinct identities whose counts were
// folded into the Overflow buckets; exact reports whether the count is
// exact (up to 4096 identities) or a HyperLogLog estimate (≈1.6 %). An
// identity evicted and later re-admitted counts once here and keeps its
// later hits apart.
func (t *Tally) FoldedKeys() (n int, exact bool) { return t.folded.Count() }

// Total returns the sum of all counts, unattributed hits included.
func (t *Tally) Total() int64 {
	n := t.Unattributed
	for _, c := range t.overflow {
		n += c
	}
	if t.sum != nil {
		t.sum.All(func(it *heavy.Item[*idCounts]) {
			for _, c := range it.Val.counts {
				n += c
			}
		})
	}
	return n
}

// Buckets returns the counts ordered by start, then UA-less last, UA,
// source.
func (t *Tally) Buckets() []Bucket {
	// Sized exactly: at operator scale (issue 15) this is hundreds of
	// thousands of buckets, and growing by doubling allocated 5× them.
	n := len(t.overflow)
	if t.sum != nil {
		t.sum.All(func(it *heavy.Item[*idCounts]) { n += len(it.Val.counts) })
	}
	out := make([]Bucket, 0, n)
	for start, c := range t.overflow {
		out = append(out, Bucket{Start: time.UnixMilli(start).UTC(), Overflow: true, Count: c})
	}
	if t.sum != nil {
		t.sum.All(func(it *heavy.Item[*idCounts]) {
			id := it.Val.id
			for start, c := range it.Val.counts {
				out = append(out, Bucket{Start: time.UnixMilli(start).UTC(), UA: id.ua, HasUA: id.hasUA, Src: id.src, Count: c})
			}
		})
	}
	slices.SortFunc(out, compareBuckets)
	return out
}

func compareBuckets(a, b Bucket) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	if a.Overflow != b.Overflow {
		return boolCmp(a.Overflow, b.Overflow)
	}
	if a.HasUA != b.HasUA {
		return -boolCmp(a.HasUA, b.HasUA)
	}
	if c := cmp.Compare(a.UA, b.UA); c != 0 {
		return c
	}
	return a.Src.Compare(b.Src)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

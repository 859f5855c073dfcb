package esquery

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// DefaultMaxKeys bounds the distinct UAs (and, for lines without UA, source
// addresses) a Tally keeps apart; hostile traffic can invent one per packet.
const DefaultMaxKeys = 10000

// Tally counts hits per UA (or per source, for lines without UA) and time
// bucket with bounded memory: at most MaxKeys identities are kept apart, the
// rest are counted together in Overflow buckets. Both the hits path and the
// server-side aggregation feed the same Tally, so they give the same Buckets.
// A Tally is not safe for concurrent use.
type Tally struct {
	Bucket  time.Duration // DefaultBucket if zero
	MaxKeys int           // DefaultMaxKeys if zero

	ids    map[ident]struct{}
	counts map[tallyKey]int64
	// OverflowHits counts hits that went to Overflow buckets.
	OverflowHits int64
}

type ident struct {
	ua    string
	hasUA bool
	src   netip.Addr
}

type tallyKey struct {
	start    int64 // Unix milliseconds
	id       ident
	overflow bool
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
	if t.counts == nil {
		t.ids = map[ident]struct{}{}
		t.counts = map[tallyKey]int64{}
	}
	if t.Bucket <= 0 {
		t.Bucket = DefaultBucket
	}
	if t.MaxKeys <= 0 {
		t.MaxKeys = DefaultMaxKeys
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
	k := tallyKey{start: start.UnixMilli(), id: id}
	if _, ok := t.ids[id]; !ok {
		if len(t.ids) >= t.MaxKeys {
			t.OverflowHits += n
			t.counts[tallyKey{start: k.start, overflow: true}] += n
			return
		}
		t.ids[id] = struct{}{}
	}
	t.counts[k] += n
}

// Keys returns the number of identities kept apart.
func (t *Tally) Keys() int { return len(t.ids) }

// Total returns the sum of all counts.
func (t *Tally) Total() int64 {
	var n int64
	for _, c := range t.counts {
		n += c
	}
	return n
}

// Buckets returns the counts ordered by start, then UA-less last, UA,
// source.
func (t *Tally) Buckets() []Bucket {
	out := make([]Bucket, 0, len(t.counts))
	for k, c := range t.counts {
		out = append(out, Bucket{Start: time.UnixMilli(k.start).UTC(), UA: k.id.ua, HasUA: k.id.hasUA,
			Src: k.id.src, Overflow: k.overflow, Count: c})
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

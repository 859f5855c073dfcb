package correlate

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/internal/heavy"
)

// Defaults of TimelineOptions.
const (
	DefaultTimelineBucket  = time.Second
	DefaultTimelineBytes   = 256 << 20
	DefaultTimelineMaxUAs  = 1000
	DefaultTimelineUALen   = 512
	DefaultTimelineSources = 8
	DefaultTimelineTokens  = 4
)

// TimelineOptions bounds a Timeline. Zero fields take the defaults.
type TimelineOptions struct {
	// Bucket is the finest time resolution kept. Attribute sums buckets into
	// its own (coarser or equal) analysis buckets, so choose it no coarser
	// than the memory poll interval. Buckets are aligned to the Unix epoch.
	Bucket time.Duration
	// MaxUAs caps the distinct User-Agents kept apart. The heaviest are
	// kept (Space-Saving: at the cap a new UA evicts the one with the fewest
	// events, whose counts move into one "folded" entry), so a heavy sender
	// that appears late is never lost to early light ones. What was folded
	// is counted in TimelineStats and FoldedUAs.
	MaxUAs int
	// MaxUALen is the bytes of a User-Agent kept as its key.
	MaxUALen int
	// MaxSources is the number of source addresses tracked per UA (the most
	// frequent ones, by the Space-Saving algorithm).
	MaxSources int
	// MaxBytes bounds the memory of the bucket counts. When they outgrow
	// it, the Timeline doubles its bucket (merging neighbours) until they
	// fit again or the bucket reaches an hour; TimelineStats.Coarsened
	// counts the doublings and the report says so.
	MaxBytes int
}

func (o TimelineOptions) withDefaults() TimelineOptions {
	if o.Bucket <= 0 {
		o.Bucket = DefaultTimelineBucket
	}
	if o.MaxUAs <= 0 {
		o.MaxUAs = DefaultTimelineMaxUAs
	}
	if o.MaxUALen <= 0 {
		o.MaxUALen = DefaultTimelineUALen
	}
	if o.MaxSources <= 0 {
		o.MaxSources = DefaultTimelineSources
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultTimelineBytes
	}
	return o
}

// Timeline counts events per User-Agent × rule × source × time bucket. It is
// a streaming accumulator: its memory grows with the number of distinct UAs
// (capped) and with the number of buckets in which each (UA, rule) was seen,
// never with the number of events: about 300 bytes per (UA, rule) per 64
// buckets of activity, within MaxBytes overall (the bucket coarsens when
// needed). A Timeline is not safe for concurrent use.
type Timeline struct {
	opts     TimelineOptions
	bucketNs int64
	uas      map[string]*uaEntry
	rank     *heavy.Summary[*uaEntry] // which UAs are heaviest
	folded   *uaEntry
	foldedUA heavy.Distinct // distinct UAs whose events are (partly) in folded
	stats    TimelineStats
	chunks   int // allocated count chunks, for MaxBytes
}

// TimelineStats counts what the Timeline took and what it had to fold.
type TimelineStats struct {
	Events    uint64 // every Add
	Malformed uint64 // events with a rule
	Untimed   uint64 // events with a zero time: counted here only
	// FoldedEvents counts events in the folded entry: those of UAs evicted
	// as the lightest when MaxUAs was reached.
	FoldedEvents uint64
	// Evictions counts UAs moved into the folded entry (a UA can come back
	// and be evicted again).
	Evictions    uint64
	TruncatedUAs uint64 // events whose UA was cut to MaxUALen
	Coarsened    int    // bucket doublings to stay within MaxBytes
	// Span per Source (index Source), for coverage of the memory window.
	First, Last [3]time.Time
}

// FoldedUAs returns the number of distinct User-Agents whose events are
// (at least partly) in the folded entry, and whether it is exact: exact up
// to 4096, then a HyperLogLog estimate (≈1.6 % error) for any number.
func (t *Timeline) FoldedUAs() (n int, exact bool) { return t.foldedUA.Count() }

const (
	chunkLen = 64 // buckets per storage chunk
	// chunkBytes is what one chunk costs: the counts plus its map entry.
	chunkBytes = chunkLen*4 + 48
)

type uaEntry struct {
	raw     string
	folded  bool
	cells   []*cell
	sources topSources
	item    *heavy.Item[*uaEntry] // nil for the folded entry
}

// cell is one (UA, rule, source). rule 0 counts well-formed messages.
type cell struct {
	rule    uint32
	source  Source
	failed  uint32 // union of every failed bit seen
	n       uint64
	chunks  map[int64]*[chunkLen]uint32
	first   time.Time
	last    time.Time
	example Example
	tokens  []TokenCount
}

// Example is the evidence kept for a (UA, rule): the first message seen.
type Example struct {
	Ref    uint64    `json:"ref,omitempty"` // caller's id, e.g. packet number
	Time   time.Time `json:"time"`
	Header string    `json:"header,omitempty"` // offending header as received
}

// TokenCount is an unsupported Proxy-Require option tag and how often it was
// the first unsupported one.
type TokenCount struct {
	Token string `json:"token"`
	Count uint64 `json:"count"`
}

// NewTimeline returns an empty Timeline.
func NewTimeline(opts TimelineOptions) *Timeline {
	opts = opts.withDefaults()
	return &Timeline{opts: opts, bucketNs: int64(opts.Bucket), uas: make(map[string]*uaEntry),
		rank: heavy.New[*uaEntry](opts.MaxUAs)}
}

// Bucket returns the Timeline's bucket size.
func (t *Timeline) Bucket() time.Duration { return t.opts.Bucket }

// Stats returns the counts of what was added and folded.
func (t *Timeline) Stats() TimelineStats { return t.stats }

// Add counts one event. For a User-Agent, rule and bucket chunk already seen
// it does not allocate.
func (t *Timeline) Add(e *Event) { t.AddN(e, 1) }

// AddN counts n identical events (e.g. one aggregated bucket of log lines).
func (t *Timeline) AddN(e *Event, n uint64) {
	if n == 0 {
		return
	}
	t.stats.Events += n
	if e.Time.IsZero() {
		t.stats.Untimed += n
		return
	}
	src := e.Source
	if src != SourceLog {
		src = SourceCapture // the zero (or an invalid) Source is a capture
	}
	t.span(src, e.Time, e.Time)
	ua := e.UA
	if len(ua) > t.opts.MaxUALen {
		ua = ua[:t.opts.MaxUALen]
		t.stats.TruncatedUAs++
	}
	u, ok := t.uas[ua]
	if !ok {
		u = t.newUA(ua)
	}
	t.rank.Touch(u.item, n)
	rule := e.ruleKey()
	if rule != 0 {
		t.stats.Malformed += n
	}
	c := u.cell(rule, src)
	if c.add(e, t.bucketNs, n) {
		t.grew(1)
	}
	u.sources.addN(e.Src, n, t.opts.MaxSources)
}

// grew accounts for k new chunks and coarsens beyond MaxBytes.
func (t *Timeline) grew(k int) {
	t.chunks += k
	for t.chunks*chunkBytes > t.opts.MaxBytes && t.opts.Bucket < time.Hour {
		t.coarsen()
	}
}

// coarsen doubles the bucket size, merging the counts of neighbouring
// buckets: dense timelines halve their memory, and results computed later
// only lose time resolution.
func (t *Timeline) coarsen() {
	t.bucketNs *= 2
	t.opts.Bucket *= 2
	t.stats.Coarsened++
	t.chunks = 0
	all := make([]*uaEntry, 0, len(t.uas)+1)
	for _, u := range t.uas {
		all = append(all, u)
	}
	if t.folded != nil {
		all = append(all, t.folded)
	}
	for _, u := range all {
		for _, c := range u.cells {
			old := c.chunks
			c.chunks = make(map[int64]*[chunkLen]uint32, len(old)/2+1)
			for k, ch := range old {
				for i, n := range ch {
					if n == 0 {
						continue
					}
					b := floorDiv(k*chunkLen+int64(i), 2)
					nk := floorDiv(b, chunkLen)
					dst := c.chunks[nk]
					if dst == nil {
						dst = new([chunkLen]uint32)
						c.chunks[nk] = dst
						t.chunks++
					}
					dst[b-nk*chunkLen] = satAdd(dst[b-nk*chunkLen], n)
				}
			}
		}
	}
}

func satAdd(a, b uint32) uint32 {
	if a > math.MaxUint32-b {
		return math.MaxUint32
	}
	return a + b
}

// Cover declares that src was observed from `from` to `to` (e.g. the first
// and last packet of a capture, or the span of a log query), so a quiet
// start or end of the traffic counts as zero messages instead of as not
// covered.
func (t *Timeline) Cover(src Source, from, to time.Time) {
	if src > SourceLog || from.IsZero() || to.Before(from) {
		return
	}
	t.span(src, from, to)
}

func (t *Timeline) span(src Source, from, to time.Time) {
	if f := t.stats.First[src]; f.IsZero() || from.Before(f) {
		t.stats.First[src] = from
	}
	if to.After(t.stats.Last[src]) {
		t.stats.Last[src] = to
	}
}

// newUA admits ua. At MaxUAs the entry with the fewest events (by its
// Space-Saving estimate) is evicted into the folded entry and its storage
// is reused, so churn through hostile UAs does not allocate per event
// beyond the UA string.
func (t *Timeline) newUA(ua string) *uaEntry {
	raw := strings.Clone(ua)
	it, ev := t.rank.Admit(raw)
	var u *uaEntry
	if ev != nil {
		old := ev.Val
		delete(t.uas, old.raw)
		t.fold(old)
		t.stats.Evictions++
		t.foldedUA.Add(old.raw)
		u = old
	}
	if u == nil {
		u = &uaEntry{}
	} else {
		u.reset()
	}
	u.raw, u.item = raw, it
	it.Val = u
	t.uas[raw] = u
	return u
}

// fold moves the counts of u into the folded entry.
func (t *Timeline) fold(u *uaEntry) {
	if t.folded == nil {
		t.folded = &uaEntry{folded: true}
	}
	f := t.folded
	for _, c := range u.cells {
		t.stats.FoldedEvents += c.n
		fc := f.cell(c.rule, c.source)
		fc.n += c.n
		fc.failed |= c.failed
		if fc.first.IsZero() || (!c.first.IsZero() && c.first.Before(fc.first)) {
			fc.first = c.first
		}
		if c.last.After(fc.last) {
			fc.last = c.last
		}
		if fc.rule != 0 && !c.example.Time.IsZero() && (fc.example.Time.IsZero() || c.example.Time.Before(fc.example.Time)) {
			fc.example = c.example
		}
		for _, tk := range c.tokens {
			fc.addTokenN(tk.Token, tk.Count)
		}
		for k, ch := range c.chunks {
			dst := fc.chunks[k]
			if dst == nil {
				// Hand the chunk over: no copy, and the count of chunks
				// is unchanged.
				fc.chunks[k] = ch
				continue
			}
			for i, n := range ch {
				dst[i] = satAdd(dst[i], n)
			}
			t.chunks--
		}
	}
	for _, s := range u.sources.slots {
		f.sources.addN(s.Addr, s.Count, t.opts.MaxSources)
	}
}

// reset empties u for reuse by another UA; its chunks were handed to the
// folded entry, its cells and maps are kept.
func (u *uaEntry) reset() {
	for _, c := range u.cells {
		chunks := c.chunks
		clear(chunks)
		*c = cell{chunks: chunks, tokens: c.tokens[:0]}
	}
	u.cells = u.cells[:0]
	u.sources.slots = u.sources.slots[:0]
}

func (u *uaEntry) cell(rule uint32, src Source) *cell {
	for _, c := range u.cells {
		if c.rule == rule && c.source == src {
			return c
		}
	}
	c := &cell{rule: rule, source: src, chunks: make(map[int64]*[chunkLen]uint32)}
	u.cells = append(u.cells, c)
	return c
}

// add counts e n times and reports whether a new chunk was allocated.
func (c *cell) add(e *Event, bucketNs int64, n uint64) (grew bool) {
	c.n += n
	c.failed |= e.Failed
	if c.first.IsZero() || e.Time.Before(c.first) {
		c.first = e.Time
	}
	if e.Time.After(c.last) {
		c.last = e.Time
	}
	b := floorDiv(e.Time.UnixNano(), bucketNs)
	k := floorDiv(b, chunkLen)
	ch := c.chunks[k]
	if ch == nil {
		ch = new([chunkLen]uint32)
		c.chunks[k] = ch
		grew = true
	}
	v := &ch[b-k*chunkLen]
	*v = satAdd(*v, uint32(min(n, math.MaxUint32)))
	// The earliest message is the example, whatever the arrival order.
	if c.rule != 0 && (c.example.Time.IsZero() || e.Time.Before(c.example.Time)) {
		c.example = Example{Ref: e.Example, Time: e.Time, Header: cleanUA(string(e.Header), 512)}
	}
	if e.Token != nil { // an empty token ("foo,,") is still the one named
		c.addToken(e.Token, n)
	}
	return grew
}

func (c *cell) addToken(tok []byte, n uint64) {
	for i := range c.tokens {
		if c.tokens[i].Token == string(tok) {
			c.tokens[i].Count += n
			return
		}
	}
	if len(c.tokens) < DefaultTimelineTokens {
		c.tokens = append(c.tokens, TokenCount{Token: string(tok), Count: n})
	}
}

func (c *cell) addTokenN(tok string, n uint64) {
	for i := range c.tokens {
		if c.tokens[i].Token == tok {
			c.tokens[i].Count += n
			return
		}
	}
	if len(c.tokens) < DefaultTimelineTokens {
		c.tokens = append(c.tokens, TokenCount{Token: tok, Count: n})
	}
}

// sum returns the events of the cell in timeline buckets [from, to).
func (c *cell) sum(from, to int64) uint64 {
	var n uint64
	for b := from; b < to; {
		k := floorDiv(b, chunkLen)
		end := min((k+1)*chunkLen, to)
		if ch := c.chunks[k]; ch != nil {
			for i := b; i < end; i++ {
				n += uint64(ch[i-k*chunkLen])
			}
		}
		b = end
	}
	return n
}

// entries returns the UA entries sorted by raw string, the folded one last,
// so that every result is independent of the order events arrived in.
func (t *Timeline) entries() []*uaEntry {
	out := make([]*uaEntry, 0, len(t.uas)+1)
	for _, u := range t.uas {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].raw < out[j].raw })
	if t.folded != nil {
		out = append(out, t.folded)
	}
	return out
}

// info returns the normalised UA of an entry.
func (u *uaEntry) info() UAInfo {
	if u.folded {
		return UAInfo{Folded: true, Vendor: "(folded UAs)"}
	}
	return NormalizeUA(u.raw)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

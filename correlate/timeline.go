package correlate

import (
	"math"
	"math/bits"
	"sort"
	"strings"
	"time"
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
	// MaxUAs caps the distinct User-Agents; later ones fold into one
	// "folded" entry, counted and estimated in TimelineStats.
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
	folded   *uaEntry
	sketch   [foldSketchBits / 64]uint64 // linear counting of folded UAs
	stats    TimelineStats
	chunks   int // allocated count chunks, for MaxBytes
}

// TimelineStats counts what the Timeline took and what it had to fold.
type TimelineStats struct {
	Events       uint64 // every Add
	Malformed    uint64 // events with a rule
	Untimed      uint64 // events with a zero time: counted here only
	FoldedEvents uint64 // events of UAs beyond MaxUAs
	TruncatedUAs uint64 // events whose UA was cut to MaxUALen
	Coarsened    int    // bucket doublings to stay within MaxBytes
	// Span per Source (index Source), for coverage of the memory window.
	First, Last [3]time.Time
}

// FoldedUAs estimates the number of distinct User-Agents folded beyond
// MaxUAs (linear counting over a 4096-bit sketch; exact-ish below ~1000,
// saturating near 30 000).
func (t *Timeline) FoldedUAs() int {
	zeros := 0
	for _, w := range t.sketch {
		zeros += 64 - bits.OnesCount64(w)
	}
	if zeros == 0 {
		zeros = 1
	}
	m := float64(foldSketchBits)
	return int(math.Round(-m * math.Log(float64(zeros)/m)))
}

const (
	foldSketchBits = 4096
	chunkLen       = 64 // buckets per storage chunk
	// chunkBytes is what one chunk costs: the counts plus its map entry.
	chunkBytes = chunkLen*4 + 48
)

type uaEntry struct {
	raw     string
	folded  bool
	cells   []*cell
	sources topSources
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
	return &Timeline{opts: opts, bucketNs: int64(opts.Bucket), uas: make(map[string]*uaEntry)}
}

// Bucket returns the Timeline's bucket size.
func (t *Timeline) Bucket() time.Duration { return t.opts.Bucket }

// Stats returns the counts of what was added and folded.
func (t *Timeline) Stats() TimelineStats { return t.stats }

// Add counts one event. For a User-Agent, rule and bucket chunk already seen
// it does not allocate.
func (t *Timeline) Add(e *Event) {
	t.stats.Events++
	if e.Time.IsZero() {
		t.stats.Untimed++
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
	rule := e.ruleKey()
	if rule != 0 {
		t.stats.Malformed++
	}
	c := u.cell(rule, src)
	if c.add(e, t.bucketNs) {
		t.chunks++
		for t.chunks*chunkBytes > t.opts.MaxBytes && t.opts.Bucket < time.Hour {
			t.coarsen()
		}
	}
	u.sources.add(e.Src, t.opts.MaxSources)
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

func (t *Timeline) newUA(ua string) *uaEntry {
	if len(t.uas) >= t.opts.MaxUAs {
		t.stats.FoldedEvents++
		h := fnv1a(ua) % foldSketchBits
		t.sketch[h/64] |= 1 << (h % 64)
		if t.folded == nil {
			t.folded = &uaEntry{folded: true}
		}
		return t.folded
	}
	u := &uaEntry{raw: strings.Clone(ua)}
	t.uas[u.raw] = u
	return u
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

// add counts e and reports whether a new chunk was allocated.
func (c *cell) add(e *Event, bucketNs int64) (grew bool) {
	c.n++
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
	if v := &ch[b-k*chunkLen]; *v < math.MaxUint32 {
		*v++
	}
	// The earliest message is the example, whatever the arrival order.
	if c.rule != 0 && (c.example.Time.IsZero() || e.Time.Before(c.example.Time)) {
		c.example = Example{Ref: e.Example, Time: e.Time, Header: cleanUA(string(e.Header), 512)}
	}
	if len(e.Token) > 0 {
		c.addToken(e.Token)
	}
	return grew
}

func (c *cell) addToken(tok []byte) {
	for i := range c.tokens {
		if c.tokens[i].Token == string(tok) {
			c.tokens[i].Count++
			return
		}
	}
	if len(c.tokens) < DefaultTimelineTokens {
		c.tokens = append(c.tokens, TokenCount{Token: string(tok), Count: 1})
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

func fnv1a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

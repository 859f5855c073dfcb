package esquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/olivere/elastic/v7"
)

// ExportOptions configures an Exporter. Zero values mean the defaults.
type ExportOptions struct {
	Index      string // verdict index; rollups go to Index+"-rollup"
	Agent      string // observer.name of this capture agent
	BatchDocs  int    // documents per bulk request (500)
	BatchBytes int    // bytes per bulk request (4 MiB)
	MaxRetries int    // re-sends of items refused with 429/5xx (6)
	Backoff    time.Duration
	Rollup     time.Duration // rollup period (1 minute)
	// Lateness is how far behind the newest verdict a rollup period is
	// kept open (2 minutes); a verdict arriving later starts a new rollup
	// document for its period, so sums stay exact.
	Lateness time.Duration
	// MaxOpenRollups bounds the rollup keys held in memory (100000); when
	// reached, all are flushed early (again without losing counts).
	MaxOpenRollups int
	// Refresh makes Close refresh both indices, so what was exported is
	// searchable when it returns. For tests and small runs.
	Refresh bool
	// Progress, if set, is called from the sending goroutine after every
	// batch.
	Progress func(ExportStats)
	// OnRetry, if set, is called from the sending goroutine before each
	// re-send, so the user sees that Elasticsearch pushes back.
	OnRetry func(Retry)
	// Force replaces an index template and writes into indices that
	// sipcorr did not create (without it: ErrNotOwned, nothing changed).
	Force bool
}

// Retry describes one re-send of refused documents.
type Retry struct {
	Attempt int           // 1 for the first re-send
	Docs    int           // documents re-sent
	Delay   time.Duration // backoff before it
	Reason  string        // why (sanitized server text)
}

// ExportStats counts what an Exporter did. Every document added ends up in
// exactly one of Verdicts+Rollups (stored), Rejected or Unsent.
type ExportStats struct {
	Verdicts, Rollups int64 // documents stored
	Created, Updated  int64 // Updated > 0: a re-export overwrote earlier documents
	Requests          int64
	Retries           int64 // item re-sends after 429 or 5xx
	Rejected          int64 // refused by Elasticsearch, or retries exhausted
	Unsent            int64 // not sent because the export stopped on a fatal error
	LateVerdicts      int64 // verdicts older than an already flushed rollup period
	// RejectedByReason counts rejections by error type and reason (at
	// most 20 distinct reasons; the rest under "other").
	RejectedByReason map[string]int64
}

type item struct {
	index, id string
	doc       json.RawMessage
	rollup    bool
}

type rollKey struct {
	start int64 // Unix ms
	ua    string
	hasUA bool
	rule  string
}

type rollAgg struct {
	n       int64
	firstID string // _id of the first verdict: keeps each rollup document's _id unique and stable
}

// Exporter bulk-indexes verdict documents and per-period per-UA rollups.
// Add blocks while two batches are in flight (backpressure). Add and Close
// must be called from one goroutine; a second goroutine does the sending.
type Exporter struct {
	c    *Client
	ctx  context.Context
	opts ExportOptions

	batch      []item
	batchBytes int
	work       chan []item
	done       chan struct{}

	closed   bool
	rolls    map[rollKey]*rollAgg
	newest   time.Time
	flushed  int64 // rollup periods starting before this (Unix ms) were flushed
	lastScan int64

	mu        sync.Mutex
	stats     ExportStats
	fatal     error
	firstKind error // kind of the first rejection, for the summary error
}

// NewExporter checks that an existing template of that name and existing
// indices are sipcorr's (ErrNotOwned otherwise, unless opts.Force) and map
// the key fields as the template does (ErrMappingConflict otherwise), all
// before anything is written; then it installs the index template and
// starts the sender. ctx bounds the whole export.
func (c *Client) NewExporter(ctx context.Context, opts ExportOptions) (*Exporter, error) {
	if err := validIndexName(opts.Index); err != nil {
		return nil, &Error{Op: "export", Target: opts.Index, Kind: ErrQuery, Err: err}
	}
	setDefault(&opts.BatchDocs, 500)
	setDefault(&opts.BatchBytes, 4<<20)
	setDefault(&opts.MaxRetries, 6)
	setDefault(&opts.MaxOpenRollups, 100000)
	setDefault(&opts.Backoff, 250*time.Millisecond)
	setDefault(&opts.Rollup, time.Minute)
	setDefault(&opts.Lateness, 2*time.Minute)
	if err := c.installTemplate(ctx, opts.Index, opts.Force); err != nil {
		return nil, err
	}
	e := &Exporter{c: c, ctx: ctx, opts: opts, work: make(chan []item, 1), done: make(chan struct{}),
		rolls: map[rollKey]*rollAgg{}}
	go e.run()
	return e, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// installTemplate checks everything before it changes anything: a foreign
// template of the same name and foreign or conflicting existing indices
// are refused; then it installs sipcorr's template and makes sure indices
// still to be created will come from it.
func (c *Client) installTemplate(ctx context.Context, index string, force bool) error {
	if err := c.guardTemplate(ctx, index, force); err != nil {
		return err
	}
	var missing []string
	for _, idx := range []string{index, index + rollupSuffix} {
		exists, err := c.checkIndex(ctx, idx, force)
		if err != nil {
			return err
		}
		if !exists {
			missing = append(missing, idx)
		}
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	if _, err := c.es.IndexPutIndexTemplate(index).BodyJson(templateBody(index)).Do(cctx); err != nil {
		return classify("install template", index, err)
	}
	if force {
		return nil
	}
	for _, idx := range missing {
		if err := c.guardResolved(ctx, idx); err != nil {
			return err
		}
	}
	return nil
}

// Add queues one verdict and counts it into its rollup. It returns the
// export's fatal error (bad credentials, server gone) once there is one.
func (e *Exporter) Add(v VerdictDoc) error {
	if e.closed {
		return &Error{Op: "export", Target: e.opts.Index, Kind: ErrQuery, Err: errors.New("Add after Close")}
	}
	if err := e.err(); err != nil {
		return err
	}
	id := v.DocID()
	doc, err := json.Marshal(v.esDoc())
	if err != nil {
		return &Error{Op: "export", Target: e.opts.Index, Kind: ErrQuery, Err: err}
	}
	e.enqueue(item{index: e.opts.Index, id: id, doc: doc})
	e.roll(v, id)
	return nil
}

func (e *Exporter) enqueue(it item) {
	e.batch = append(e.batch, it)
	e.batchBytes += len(it.doc) + len(it.id) + 64
	if len(e.batch) >= e.opts.BatchDocs || e.batchBytes >= e.opts.BatchBytes {
		e.flushBatch()
	}
}

func (e *Exporter) flushBatch() {
	if len(e.batch) == 0 {
		return
	}
	e.work <- e.batch // blocks while the sender is busy and one batch waits
	e.batch, e.batchBytes = nil, 0
}

func (e *Exporter) roll(v VerdictDoc, id string) {
	start := BucketStart(v.Time, e.opts.Rollup).UnixMilli()
	if start < e.flushed {
		e.mu.Lock()
		e.stats.LateVerdicts++
		e.mu.Unlock()
	}
	k := rollKey{start: start, hasUA: v.HasUA, rule: v.First}
	if v.HasUA {
		k.ua = TruncateUA(v.UA)
	}
	if r, ok := e.rolls[k]; ok {
		r.n++
	} else {
		e.rolls[k] = &rollAgg{n: 1, firstID: id}
	}
	if v.Time.After(e.newest) {
		e.newest = v.Time
	}
	horizon := BucketStart(e.newest.Add(-e.opts.Lateness), e.opts.Rollup).UnixMilli()
	if len(e.rolls) >= e.opts.MaxOpenRollups {
		// Early flush to bound memory: later verdicts of these periods
		// start new rollup documents, but they are not late.
		e.flushRollups(maxMillis, false)
	} else if horizon > e.lastScan {
		e.lastScan = horizon
		e.flushRollups(horizon, true)
	}
}

const maxMillis = int64(^uint64(0) >> 1)

// flushRollups queues the rollups of periods starting before horizon;
// advance marks those periods closed, so that later verdicts for them
// count as LateVerdicts.
func (e *Exporter) flushRollups(horizon int64, advance bool) {
	keys := slices.SortedFunc(maps.Keys(e.rolls), func(a, b rollKey) int {
		if a.start != b.start {
			return int(a.start - b.start)
		}
		return strings.Compare(a.ua+"\x00"+a.rule, b.ua+"\x00"+b.rule)
	})
	for _, k := range keys {
		if k.start >= horizon {
			continue
		}
		r := e.rolls[k]
		delete(e.rolls, k)
		d := esDoc{
			Timestamp: time.UnixMilli(k.start).UTC().Format(time.RFC3339Nano),
			Event:     esEvent{Kind: "metric", Dataset: "sipcorr.rollup"},
			Sanity:    esSanity{First: k.rule},
			Observer:  esObserver{Name: e.opts.Agent},
			Sipcorr:   esSipcorr{Type: docTypeRollup, Count: r.n},
		}
		if k.hasUA {
			d.UserAgent = &esUA{Original: k.ua}
		}
		doc, err := json.Marshal(d)
		if err != nil { // plain strings and numbers: cannot happen
			panic(err)
		}
		id := hashID("rollup", e.opts.Agent, fmt.Sprint(k.start), fmt.Sprint(k.hasUA), k.ua, k.rule, r.firstID)
		e.enqueue(item{index: e.opts.Index + rollupSuffix, id: id, doc: doc, rollup: true})
	}
	if advance && horizon > e.flushed {
		e.flushed = horizon
	}
}

// Close flushes rollups and queued documents, waits for the sender and
// returns the counts. The error is the fatal error if the export stopped,
// or a summary naming how many documents were rejected and why.
func (e *Exporter) Close() (ExportStats, error) {
	if e.closed {
		return ExportStats{}, &Error{Op: "export", Target: e.opts.Index, Kind: ErrQuery, Err: errors.New("closed twice")}
	}
	e.closed = true
	e.flushRollups(maxMillis, false)
	e.flushBatch()
	close(e.work)
	<-e.done
	if e.opts.Refresh && e.err() == nil {
		for _, idx := range []string{e.opts.Index, e.opts.Index + rollupSuffix} {
			ctx, cancel := e.c.call(e.ctx)
			_, err := e.c.es.Refresh(idx).Do(ctx)
			cancel()
			if cerr := classify("refresh", idx, err); cerr != nil && !errors.Is(cerr, ErrIndexNotFound) {
				e.stop(cerr, nil)
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.stats
	st.RejectedByReason = maps.Clone(e.stats.RejectedByReason)
	if e.fatal != nil {
		return st, e.fatal
	}
	if st.Rejected > 0 {
		reasons := slices.Sorted(maps.Keys(st.RejectedByReason))
		for i, r := range reasons {
			reasons[i] = fmt.Sprintf("%d× %s", st.RejectedByReason[r], r)
		}
		return st, &Error{Op: "bulk", Target: e.opts.Index, Kind: e.firstKind,
			Err: fmt.Errorf("%d of %d documents rejected: %s", st.Rejected,
				st.Rejected+st.Verdicts+st.Rollups+st.Unsent, strings.Join(reasons, "; "))}
	}
	return st, nil
}

func (e *Exporter) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fatal
}

// Bulk requests get the same per-request timeout as every other call.
func (e *Exporter) bulk(items []item) (*elastic.BulkResponse, error) {
	svc := e.c.es.Bulk()
	for _, it := range items {
		svc.Add(elastic.NewBulkIndexRequest().Index(it.index).Id(it.id).Doc(it.doc))
	}
	ctx, cancel := e.c.call(e.ctx)
	defer cancel()
	return svc.Do(ctx)
}

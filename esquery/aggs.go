package esquery

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/olivere/elastic/v7"
)

// Shape is what the field mappings of the matched indices allow.
type Shape struct {
	Indices  []string // concrete indices matched by the pattern
	AggField string   // aggregatable UA field ("" if none): the UA field or its .keyword
	Reason   string   // why AggField is empty
}

// Shape implements Searcher with the field capabilities API: the UA field
// is aggregated only if every index that maps it maps it aggregatable
// (keyword); otherwise its ".keyword" sub-field is tried. Documents whose
// index lacks the chosen field are paged through by Collect, so a mapping
// that differs between indices loses nothing.
func (c *Client) Shape(ctx context.Context, q Query) (Shape, error) {
	var sh Shape
	q, err := q.normalize()
	if err != nil {
		return sh, &Error{Op: "field caps", Target: q.Indices, Kind: ErrQuery, Err: err}
	}
	f := q.fields()
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.es.FieldCaps(q.indexList()...).Fields(f.time, f.ua, f.ua+".keyword").Do(cctx)
	if err != nil {
		return sh, classify("field caps", q.Indices, err)
	}
	sh.Indices = slices.Sorted(slices.Values(res.Indices))
	if len(sh.Indices) == 0 {
		return sh, &Error{Op: "field caps", Target: q.Indices, Kind: ErrIndexNotFound, Err: fmt.Errorf("the pattern matches no index")}
	}
	if !hasDate(res.Fields[f.time]) {
		return sh, &Error{Op: "field caps", Target: q.Indices, Kind: ErrNoTimeField, Err: fmt.Errorf("field %q", f.time)}
	}
	for _, name := range []string{f.ua, f.ua + ".keyword"} {
		caps, ok := res.Fields[name]
		if !ok {
			continue
		}
		if allAggregatable(caps) {
			sh.AggField = name
			return sh, nil
		}
	}
	if _, ok := res.Fields[f.ua]; ok {
		sh.Reason = fmt.Sprintf("%s is not aggregatable in every index (text without keyword, or mapped differently)", f.ua)
	} else {
		sh.Reason = fmt.Sprintf("no index maps %s (message-only documents)", f.ua)
	}
	return sh, nil
}

func hasDate(caps elastic.FieldCapsType) bool {
	for typ := range caps {
		if typ == "date" || typ == "date_nanos" {
			return true
		}
	}
	return false
}

func allAggregatable(caps elastic.FieldCapsType) bool {
	if len(caps) == 0 {
		return false
	}
	for typ, c := range caps {
		if !c.Aggregatable || len(c.NonAggregatableIndices) > 0 || typ == "unmapped" {
			return false
		}
	}
	return true
}

// forAggregation normalises q for a server-side aggregation on aggField
// (Buckets, Histogram): an *Error of kind ErrQuery for a bad query,
// ErrNotStructured without a field to aggregate on.
func (q Query) forAggregation(aggField string) (Query, error) {
	q, err := q.normalize()
	if err != nil {
		return q, &Error{Op: "aggregate", Target: q.Indices, Kind: ErrQuery, Err: err}
	}
	if aggField == "" {
		return q, &Error{Op: "aggregate", Target: q.Indices, Kind: ErrNotStructured}
	}
	return q, nil
}

// Buckets implements Searcher with a composite aggregation (terms on
// aggField × date_histogram on the time field with a fixed interval),
// paginated by after_key: one page of buckets in memory at a time.
func (c *Client) Buckets(ctx context.Context, q Query, aggField string, emit func(Bucket) error) (Stats, error) {
	var st Stats
	q, err := q.forAggregation(aggField)
	if err != nil {
		return st, err
	}
	query := q.esQuery(docSubset{field: aggField, present: true})
	page := func(after map[string]any) *elastic.SearchService {
		return c.es.Search().Index(q.indexList()...).Query(query).Size(0).TrackTotalHits(false).
			Aggregation("by", q.compositeAgg(aggField, after))
	}
	err = c.pageComposite(ctx, "aggregate", q.Indices, q.Progress, &st, page, func(it *elastic.AggregationBucketCompositeItem) error {
		b, err := compositeBucket(it.Key, it.DocCount)
		if err != nil {
			return &Error{Op: "aggregate", Target: q.Indices, Kind: ErrServer, Err: err}
		}
		st.Aggregated += b.Count
		return emit(b)
	})
	return st, err
}

// pageComposite runs the composite aggregation "by" that page builds, one
// page of buckets at a time (after_key), handing every bucket to each and
// counting pages in st; op and target name it in errors. Buckets and
// VerdictBuckets page this way.
func (c *Client) pageComposite(ctx context.Context, op, target string, progress func(Progress), st *Stats,
	page func(after map[string]any) *elastic.SearchService, each func(*elastic.AggregationBucketCompositeItem) error) error {
	var after map[string]any
	for {
		cctx, cancel := c.call(ctx)
		res, err := page(after).Do(cctx)
		cancel()
		if err != nil {
			return classify(op, target, err)
		}
		if err := checkShards(op, target, res.Shards, c.partial, st); err != nil {
			return err
		}
		st.Pages++
		items, ok := res.Aggregations.Composite("by")
		if !ok {
			return &Error{Op: op, Target: target, Kind: ErrServer, Err: fmt.Errorf("response without the composite aggregation")}
		}
		for i := range items.Buckets {
			if err := each(items.Buckets[i]); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(Progress{Phase: "aggregate", Pages: st.Pages, Docs: st.Aggregated})
		}
		if len(items.Buckets) == 0 || items.AfterKey == nil {
			return nil
		}
		after = items.AfterKey
	}
}

func compositeBucket(key map[string]any, n int64) (Bucket, error) {
	ua, ok := key["ua"].(string)
	if !ok {
		return Bucket{}, fmt.Errorf("composite key without ua")
	}
	ms, ok := toInt64(key["t"])
	if !ok {
		return Bucket{}, fmt.Errorf("composite key without time")
	}
	return Bucket{Start: time.UnixMilli(ms).UTC(), UA: TruncateUA(ua), HasUA: true, Count: n}, nil
}

// histogrammer is the optional two-pass aggregation (Client.Histogram).
type histogrammer interface {
	Histogram(ctx context.Context, q Query, aggField string, emit func(Bucket) error) (Stats, error)
}

// Collect counts the malformed-SIP log documents of q into t: documents
// with an aggregatable UA field are counted by the server (unless q.Mode is
// ModeHits), all others are paged through and parsed. Every matched
// document lands in exactly one bucket of t.
func Collect(ctx context.Context, s Searcher, q Query, t *Tally) (Stats, error) {
	if t.Bucket <= 0 {
		t.Bucket = q.Bucket
	}
	if q.Bucket <= 0 {
		q.Bucket = t.Bucket
	}
	if t.Bucket != q.Bucket {
		return Stats{}, &Error{Op: "collect", Target: q.Indices, Kind: ErrQuery,
			Err: fmt.Errorf("tally bucket %v differs from query bucket %v", t.Bucket, q.Bucket)}
	}
	sh, err := s.Shape(ctx, q)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Indices: sh.Indices}
	agg := sh.AggField
	switch q.Mode {
	case ModeHits:
		agg, st.Reason = "", "hits mode requested"
	case ModeAggregate:
		if agg == "" {
			return st, &Error{Op: "aggregate", Target: q.Indices, Kind: ErrNotStructured, Err: fmt.Errorf("%s", sh.Reason)}
		}
	default:
		st.Reason = sh.Reason
	}
	if agg != "" {
		// The two-pass histogram where the searcher has one: work per
		// document, not per page of UA × bucket keys.
		buckets := s.Buckets
		if h, ok := s.(histogrammer); ok {
			buckets = h.Histogram
		}
		bs, err := buckets(ctx, q, agg, func(b Bucket) error { t.AddBucket(b); return nil })
		st.Aggregated, st.Pages = bs.Aggregated, bs.Pages
		st.FoldedUAs, st.FoldedHits = bs.FoldedUAs, bs.FoldedHits
		st.FailedShards, st.Partial = bs.FailedShards, bs.Partial
		if err != nil {
			return st, err
		}
		q.ExcludeField = agg
	}
	hs, err := s.Hits(ctx, q, func(h Hit) error { t.AddHit(h); return nil })
	st.Hits, st.Unparsed, st.NoSource, st.PIT = hs.Hits, hs.Unparsed, hs.NoSource, hs.PIT
	st.FailedShards += hs.FailedShards
	st.Partial = append(st.Partial, hs.Partial...)
	st.Pages += hs.Pages
	st.Mode = "hits"
	if agg != "" {
		st.Mode = "aggregate+hits"
	}
	return st, err
}

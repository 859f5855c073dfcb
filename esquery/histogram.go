package esquery

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/olivere/elastic/v7"
)

// DefaultTopUAs is how many UAs the histogram path keeps apart when
// Query.TopUAs is zero: the offender timeline's own default bound.
const DefaultTopUAs = 1000

// maxTopUAs bounds Query.TopUAs below index.max_terms_count.
const maxTopUAs = 50000

// histBucketsPerRequest bounds the buckets one histogram request returns
// (Elasticsearch refuses more than search.max_buckets, 65535 by default),
// and so the response held in memory at once.
const histBucketsPerRequest = 20000

// Histogram counts documents that have aggField in two passes, so that
// the work is proportional to the documents, not to UAs × buckets, and
// memory to TopUAs × buckets (issue 15):
//
//  1. a composite aggregation over aggField alone gives every UA's exact
//     count (10000 UAs per page); the TopUAs heaviest are kept;
//  2. for groups of kept UAs, a terms aggregation restricted to the group
//     with a date_histogram sub-aggregation (fixed_interval = q.Bucket,
//     empty buckets left out) gives their per-bucket counts; groups are
//     packed so that one response holds at most histBucketsPerRequest
//     buckets, and a UA with more buckets than that is split by time;
//  3. the other UAs together get one date_histogram (emitted with
//     Overflow set), so what is folded is still counted per bucket.
//
// Stats.Aggregated counts the documents, Stats.FoldedUAs and FoldedHits
// the UAs counted together and their documents. Each document is visited once per pass; the composite path
// (Buckets) walks all of them again for every page of 1000 buckets.
func (c *Client) Histogram(ctx context.Context, q Query, aggField string, emit func(Bucket) error) (Stats, error) {
	var st Stats
	q, err := q.forAggregation(aggField)
	if err != nil {
		return st, err
	}
	top := q.TopUAs
	if top <= 0 {
		top = DefaultTopUAs
	}
	// The kept UAs are listed in one terms query (must_not, for the
	// others); Elasticsearch refuses more than index.max_terms_count
	// (65536 by default).
	top = min(top, maxTopUAs)
	kept, others, err := c.topUAs(ctx, q, aggField, top, &st)
	if err != nil {
		return st, err
	}
	nb := int64(q.To.Sub(BucketStart(q.From, q.Bucket))/q.Bucket) + 1
	limit := int64(histBucketsPerRequest)
	if q.bucketsPerRequest > 0 {
		limit = int64(q.bucketsPerRequest)
	}
	base := q.esQuery(docSubset{field: aggField, present: true})
	for _, g := range packGroups(kept, nb, limit) {
		for _, sl := range q.timeSlices(g.slices) {
			vals := make([]any, len(g.uas))
			for i, u := range g.uas {
				vals[i] = u
			}
			query := elastic.NewBoolQuery().Filter(base, elastic.NewTermsQuery(aggField, vals...), sl.query(q.fields().time))
			agg := elastic.NewTermsAggregation().Field(aggField).Size(len(g.uas)).IncludeValues(vals...).
				SubAggregation("t", q.dateHistogram())
			res, err := c.aggSearch(ctx, q, query, agg, &st)
			if err != nil {
				return st, err
			}
			for _, tb := range res.Aggregations.By.Buckets {
				if err := emitHistogram(tb.T, Bucket{UA: TruncateUA(tb.Key), HasUA: true}, &st, emit); err != nil {
					return st, err
				}
			}
		}
	}
	if others.docs > 0 {
		vals := make([]any, len(kept))
		for i, k := range kept {
			vals[i] = k.ua
		}
		st.FoldedUAs, st.FoldedHits = others.uas, others.docs
		n := (nb + limit - 1) / limit
		for _, sl := range q.timeSlices(int(n)) {
			query := elastic.NewBoolQuery().Filter(base, sl.query(q.fields().time))
			if len(vals) > 0 {
				query = query.MustNot(elastic.NewTermsQuery(aggField, vals...))
			}
			res, err := c.aggSearch(ctx, q, query, q.dateHistogram(), &st)
			if err != nil {
				return st, err
			}
			if err := emitHistogram(res.Aggregations.T, Bucket{Overflow: true}, &st, emit); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

func (q *Query) dateHistogram() *elastic.DateHistogramAggregation {
	return elastic.NewDateHistogramAggregation().Field(q.fields().time).
		FixedInterval(fmt.Sprintf("%dms", q.Bucket.Milliseconds())).MinDocCount(1)
}

// histResponse is the part of a histogram search response Histogram
// reads, decoded into plain types: olivere's generic aggregation decoding
// keeps a raw message and a map per bucket, several times the response.
type histResponse struct {
	Shards       *elastic.ShardsInfo `json:"_shards"`
	Aggregations struct {
		By struct {
			Buckets []struct {
				Key string  `json:"key"`
				T   histAgg `json:"t"`
			} `json:"buckets"`
		} `json:"by"`
		T histAgg `json:"t"`
	} `json:"aggregations"`
}

type histAgg struct {
	Buckets []struct {
		Key      int64 `json:"key"`
		DocCount int64 `json:"doc_count"`
	} `json:"buckets"`
}

// aggSearch runs one size-0 search with agg under the name "by" ("t" for a
// bare date_histogram).
func (c *Client) aggSearch(ctx context.Context, q Query, query elastic.Query, agg elastic.Aggregation, st *Stats) (*histResponse, error) {
	name := "by"
	if _, ok := agg.(*elastic.DateHistogramAggregation); ok {
		name = "t"
	}
	body, err := elastic.NewSearchSource().Query(query).Size(0).TrackTotalHits(false).Aggregation(name, agg).Source()
	if err != nil {
		return nil, &Error{Op: "aggregate", Target: q.Indices, Kind: ErrQuery, Err: err}
	}
	idx := q.indexList()
	for i, s := range idx {
		idx[i] = url.PathEscape(s)
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.es.PerformRequest(cctx, elastic.PerformRequestOptions{Method: "POST",
		Path: "/" + strings.Join(idx, ",") + "/_search", Body: body})
	if err != nil {
		return nil, classify("aggregate", q.Indices, err)
	}
	var r histResponse
	if err := json.Unmarshal(res.Body, &r); err != nil {
		return nil, &Error{Op: "aggregate", Target: q.Indices, Kind: ErrServer, Err: fmt.Errorf("undecodable response: %w", err)}
	}
	if err := checkShards("aggregate", q.Indices, r.Shards, c.partial, st); err != nil {
		return nil, err
	}
	st.Pages++
	if q.Progress != nil {
		q.Progress(Progress{Phase: "aggregate", Pages: st.Pages, Docs: st.Aggregated})
	}
	return &r, nil
}

func emitHistogram(h histAgg, tmpl Bucket, st *Stats, emit func(Bucket) error) error {
	for _, hb := range h.Buckets {
		b := tmpl
		b.Start, b.Count = time.UnixMilli(hb.Key).UTC(), hb.DocCount
		st.Aggregated += b.Count
		if err := emit(b); err != nil {
			return err
		}
	}
	return nil
}

// uaCount is one UA's exact document count from the first pass.
type uaCount struct {
	ua string
	n  int64
}

// heavier orders UAs by count, then by name, so the choice is stable.
func heavier(a, b uaCount) bool { return a.n > b.n || a.n == b.n && a.ua < b.ua }

// minHeap keeps the heaviest UAs seen: its root is the lightest kept.
type minHeap []uaCount

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return heavier(h[j], h[i]) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(uaCount)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// folded sums the UAs the first pass did not keep.
type folded struct{ uas, docs int64 }

// topUAs pages a composite aggregation over aggField and returns the top
// heaviest UAs (heaviest first) and what the others add up to. Memory is
// one page plus top entries, however many UAs there are.
func (c *Client) topUAs(ctx context.Context, q Query, aggField string, top int, st *Stats) ([]uaCount, folded, error) {
	var h minHeap
	var rest folded
	query := q.esQuery(docSubset{field: aggField, present: true})
	page := func(after map[string]any) *elastic.SearchService {
		agg := elastic.NewCompositeAggregation().Size(10000).
			Sources(elastic.NewCompositeAggregationTermsValuesSource("ua").Field(aggField))
		if after != nil {
			agg = agg.AggregateAfter(after)
		}
		return c.es.Search().Index(q.indexList()...).Query(query).Size(0).TrackTotalHits(false).Aggregation("by", agg)
	}
	var scratch Stats // Aggregated counts the second pass only
	err := c.pageComposite(ctx, "aggregate", q.Indices, q.Progress, &scratch, page, func(it *elastic.AggregationBucketCompositeItem) error {
		ua, ok := it.Key["ua"].(string)
		if !ok {
			return &Error{Op: "aggregate", Target: q.Indices, Kind: ErrServer, Err: fmt.Errorf("composite key without ua")}
		}
		u := uaCount{ua: ua, n: it.DocCount}
		switch {
		case len(h) < top:
			heap.Push(&h, u)
		case heavier(u, h[0]):
			rest.uas++
			rest.docs += h[0].n
			h[0] = u
			heap.Fix(&h, 0)
		default:
			rest.uas++
			rest.docs += u.n
		}
		return nil
	})
	st.Pages += scratch.Pages
	st.FailedShards, st.Partial = scratch.FailedShards, scratch.Partial
	if err != nil {
		return nil, rest, err
	}
	slices.SortFunc(h, func(a, b uaCount) int {
		switch {
		case heavier(a, b):
			return -1
		case heavier(b, a):
			return 1
		}
		return 0
	})
	return h, rest, nil
}

// histGroup is a set of UAs whose histograms one request returns, split
// into slices time slices.
type histGroup struct {
	uas    []string
	slices int
}

// packGroups packs UAs (heaviest first) into groups whose estimated
// buckets (a UA has at most min(count, nb) non-empty buckets) stay within
// limit; a UA alone above it is cut into time slices of at most limit
// buckets.
func packGroups(uas []uaCount, nb int64, limit int64) []histGroup {
	var out []histGroup
	var cur histGroup
	var load int64
	for _, u := range uas {
		est := min(u.n, nb)
		if est > limit {
			// Sliced by window buckets, not by its count: however its
			// hits cluster, no slice can hold more than limit buckets.
			out = append(out, histGroup{uas: []string{u.ua}, slices: int((nb + limit - 1) / limit)})
			continue
		}
		if load+est > limit && len(cur.uas) > 0 {
			out = append(out, cur)
			cur, load = histGroup{}, 0
		}
		cur.uas = append(cur.uas, u.ua)
		cur.slices = 1
		load += est
	}
	if len(cur.uas) > 0 {
		out = append(out, cur)
	}
	return out
}

// timeSlice is one part [from, to) of the query window, on bucket bounds.
type timeSlice struct{ from, to time.Time }

func (s timeSlice) query(field string) elastic.Query {
	return elastic.NewRangeQuery(field).Gte(s.from.UnixMilli()).Lt(s.to.UnixMilli()).Format("epoch_millis")
}

// timeSlices cuts the window into about n parts whose inner bounds are
// bucket starts, so no bucket is split between two requests.
func (q *Query) timeSlices(n int) []timeSlice {
	if n <= 1 {
		return []timeSlice{{q.From, q.To}}
	}
	first := BucketStart(q.From, q.Bucket)
	nb := int64(q.To.Sub(first)/q.Bucket) + 1
	step := time.Duration((nb+int64(n)-1)/int64(n)) * q.Bucket
	var out []timeSlice
	for from := q.From; from.Before(q.To); {
		to := first.Add(time.Duration(len(out)+1) * step)
		if !to.Before(q.To) {
			to = q.To
		}
		out = append(out, timeSlice{from, to})
		from = to
	}
	return out
}

package esquery

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/olivere/elastic/v7"
)

// VerdictQuery selects exported verdicts for `analyze --from-es`.
type VerdictQuery struct {
	Index    string    // the export index (its -rollup sibling is not read)
	From, To time.Time // window [From, To); both required
	Bucket   time.Duration
	Agents   []string // observer.name filter; empty means every agent
	PageSize int
	Progress func(Progress)
}

// VerdictBucket counts exported verdicts of one UA (HasUA false: messages
// without User-Agent) and first failed check in one time bucket. These are
// the per-UA × rule × bucket counts correlate works on.
type VerdictBucket struct {
	Start time.Time
	UA    string
	HasUA bool
	Rule  string // sanity.first
	Count int64
}

func (v VerdictQuery) query() (Query, elastic.Query, error) {
	q := Query{Indices: v.Index, From: v.From, To: v.To, Bucket: v.Bucket, PageSize: v.PageSize, Progress: v.Progress}
	q, err := q.normalize()
	if err == nil {
		err = validIndexName(v.Index)
	}
	if err != nil {
		return q, nil, &Error{Op: "read verdicts", Target: v.Index, Kind: ErrQuery, Err: err}
	}
	b := elastic.NewBoolQuery().Filter(
		elastic.NewRangeQuery("@timestamp").Gte(v.From.UnixMilli()).Lt(v.To.UnixMilli()).Format("epoch_millis"),
		elastic.NewTermQuery("sipcorr.type", docTypeVerdict))
	if len(v.Agents) > 0 {
		agents := make([]any, len(v.Agents))
		for i, a := range v.Agents {
			agents[i] = a
		}
		b.Filter(elastic.NewTermsQuery("observer.name", agents...))
	}
	return q, b, nil
}

// Verdicts streams the exported verdict documents of the window, oldest
// first, with search_after (and a point-in-time where available).
func (c *Client) Verdicts(ctx context.Context, vq VerdictQuery, emit func(VerdictDoc) error) (Stats, error) {
	var st Stats
	q, query, err := vq.query()
	if err != nil {
		return st, err
	}
	var bad int64
	err = c.page(ctx, pageReq{op: "read verdicts", indices: q.Indices, query: query, timeField: "@timestamp",
		src: elastic.NewFetchSourceContext(true), size: q.PageSize}, &st,
		func(sh *elastic.SearchHit) error {
			st.Hits++
			var d esDoc
			if err := json.Unmarshal(sh.Source, &d); err != nil {
				bad++
				return nil
			}
			v, err := fromESDoc(&d)
			if err != nil {
				bad++
				return nil
			}
			return emit(v)
		}, func(total int64) {
			if q.Progress != nil {
				q.Progress(Progress{Phase: "hits", Pages: st.Pages, Docs: st.Hits, Total: total})
			}
		})
	st.Unparsed = bad
	return st, err
}

// VerdictBuckets aggregates the exported verdicts server-side: a composite
// aggregation over UA (documents without one in their own bucket), first
// failed check and a fixed-interval date histogram, paginated by after_key.
// Several agents exporting into one index are summed.
func (c *Client) VerdictBuckets(ctx context.Context, vq VerdictQuery, emit func(VerdictBucket) error) (Stats, error) {
	var st Stats
	q, query, err := vq.query()
	if err != nil {
		return st, err
	}
	page := func(after map[string]any) *elastic.SearchService {
		agg := elastic.NewCompositeAggregation().Size(q.PageSize).Sources(
			elastic.NewCompositeAggregationTermsValuesSource("ua").Field("user_agent.original").MissingBucket(true),
			elastic.NewCompositeAggregationTermsValuesSource("rule").Field("sanity.first").MissingBucket(true),
			elastic.NewCompositeAggregationDateHistogramValuesSource("t").Field("@timestamp").
				FixedInterval(fmt.Sprintf("%dms", q.Bucket.Milliseconds())))
		if after != nil {
			agg = agg.AggregateAfter(after)
		}
		return c.es.Search().Index(vq.Index).Query(query).Size(0).TrackTotalHits(false).Aggregation("by", agg)
	}
	err = c.pageComposite(ctx, "aggregate verdicts", vq.Index, q.Progress, &st, page, func(it *elastic.AggregationBucketCompositeItem) error {
		ms, ok := toInt64(it.Key["t"])
		if !ok {
			return &Error{Op: "aggregate verdicts", Target: vq.Index, Kind: ErrServer, Err: fmt.Errorf("composite key without time")}
		}
		b := VerdictBucket{Start: time.UnixMilli(ms).UTC(), Count: it.DocCount}
		b.UA, b.HasUA = it.Key["ua"].(string)
		b.Rule, _ = it.Key["rule"].(string) // null: no first check recorded
		st.Aggregated += it.DocCount
		return emit(b)
	})
	return st, err
}

package esquery

import (
	"fmt"
	"strings"
	"time"

	"github.com/olivere/elastic/v7"
)

// maxPageSize is Elasticsearch's default index.max_result_window, the
// largest page it serves.
const maxPageSize = 10000

// normalize applies the defaults and checks the query.
func (q Query) normalize() (Query, error) {
	if q.Indices == "" {
		q.Indices = DefaultIndices
	}
	if len(q.Phrases) == 0 {
		q.Phrases = DefaultPhrases
	}
	if q.Bucket <= 0 {
		q.Bucket = DefaultBucket
	}
	if q.PageSize <= 0 {
		q.PageSize = DefaultPageSize
	}
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return q, fmt.Errorf("%w: a time window (from and to) is required", ErrQuery)
	case !q.From.Before(q.To):
		return q, fmt.Errorf("%w: window ends (%s) before it starts (%s)", ErrQuery, q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))
	case q.Bucket < time.Millisecond || q.Bucket%time.Millisecond != 0:
		return q, fmt.Errorf("%w: bucket %v is not a whole number of milliseconds", ErrQuery, q.Bucket)
	case q.PageSize > maxPageSize:
		return q, fmt.Errorf("%w: page size %d above %d", ErrQuery, q.PageSize, maxPageSize)
	case q.Mode < ModeAuto || q.Mode > ModeAggregate:
		return q, fmt.Errorf("%w: mode %d", ErrQuery, q.Mode)
	}
	for _, p := range q.Phrases {
		if strings.TrimSpace(p) == "" {
			return q, fmt.Errorf("%w: empty phrase", ErrQuery)
		}
	}
	return q, nil
}

func (q *Query) indexList() []string {
	var out []string
	for _, s := range strings.Split(q.Indices, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// docSubset selects documents by the presence of the aggregated UA field:
// Collect aggregates those that have it and pages through the others.
type docSubset struct {
	field   string // "" for all documents
	present bool
}

// esQuery builds the query as a tree of typed clauses; no user text is ever
// spliced into query syntax (Extra is passed whole to query_string, which
// is what the user asked for).
func (q *Query) esQuery(sub docSubset) elastic.Query {
	f := q.fields()
	b := elastic.NewBoolQuery().Filter(
		elastic.NewRangeQuery(f.time).Gte(q.From.UnixMilli()).Lt(q.To.UnixMilli()).Format("epoch_millis"))
	phrases := make([]elastic.Query, len(q.Phrases))
	for i, p := range q.Phrases {
		phrases[i] = elastic.NewMatchPhraseQuery(f.msg, p)
	}
	b.Filter(elastic.NewBoolQuery().Should(phrases...).MinimumNumberShouldMatch(1))
	if q.Extra != "" {
		b.Filter(elastic.NewQueryStringQuery(q.Extra))
	}
	if sub.field != "" {
		if sub.present {
			b.Filter(elastic.NewExistsQuery(sub.field))
		} else {
			b.MustNot(elastic.NewExistsQuery(sub.field))
		}
	}
	return b
}

// compositeAgg counts documents per UA field value and time bucket.
func (q *Query) compositeAgg(uaField string, after map[string]any) *elastic.CompositeAggregation {
	f := q.fields()
	agg := elastic.NewCompositeAggregation().Size(q.PageSize).Sources(
		elastic.NewCompositeAggregationTermsValuesSource("ua").Field(uaField),
		elastic.NewCompositeAggregationDateHistogramValuesSource("t").Field(f.time).
			FixedInterval(fmt.Sprintf("%dms", q.Bucket.Milliseconds())))
	if after != nil {
		agg = agg.AggregateAfter(after)
	}
	return agg
}

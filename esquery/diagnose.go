package esquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/olivere/elastic/v7"
)

// Cause is why a log query found no malformed-SIP line.
type Cause string

// Causes Diagnose tells apart, in the order it checks them.
const (
	CauseNoIndex        Cause = "no-index"         // the pattern matches no index
	CauseEmpty          Cause = "empty"            // the indices hold no document
	CauseOutsideWindow  Cause = "outside-window"   // documents exist, none in the window
	CauseNoMessageField Cause = "no-message-field" // no index maps the message field
	CauseMessageNotText Cause = "message-not-text" // the message field is keyword (or other non-text): phrases match only whole values
	CauseNoPhrase       Cause = "no-phrase"        // documents in the window, none contains a phrase
	CauseExtraFilter    Cause = "extra-filter"     // phrase lines in the window, the Extra query excludes them all
	CauseNone           Cause = "none"             // the query does match now (documents arrived since)
)

// Diagnosis says why a Query finds nothing, with what the indices do hold,
// so that a zero is never silent. Strings quoting documents or mappings
// are sanitized and cut.
type Diagnosis struct {
	Cause   Cause
	Indices []string // concrete indices the pattern matches
	// Docs counts all documents of the indices; First and Last span their
	// time field (zero if none has it).
	Docs        int64
	First, Last time.Time
	InWindow    int64 // documents in [From, To)
	// Phrased counts documents containing a phrase at any time, spanning
	// PhraseFirst to PhraseLast; PhrasedInWindow those in the window
	// (before Extra).
	Phrased                 int64
	PhraseFirst, PhraseLast time.Time
	PhrasedInWindow         int64
	MessageTypes            []string // types the indices map the message field as ("" none)
	Fields                  []string // field names (type) the indices have, text fields first, at most maxDiagFields
	MoreFields              int      // fields not listed
	Sample                  string   // message (or field names) of the newest document in the window, phrase lines preferred
	Text                    string   // one sentence for people: the cause and what to do, naming Query's fields (a program maps them to its flags)
}

const maxDiagFields = 30

// Diagnose finds out why q matches no document. It asks the server for the
// indices' fields, their time span, the documents in the window and the
// phrase matches with and without the window and q.Extra, and samples one
// document. Collect does not call it: the caller does when the count is 0
// (or when no hit could be attributed, to show a sample).
func (c *Client) Diagnose(ctx context.Context, q Query) (Diagnosis, error) {
	var d Diagnosis
	q, err := q.normalize()
	if err != nil {
		return d, &Error{Op: "diagnose", Target: q.Indices, Kind: ErrQuery, Err: err}
	}
	f := q.fields()
	cctx, cancel := c.call(ctx)
	caps, err := c.es.FieldCaps(q.indexList()...).Fields("*").Do(cctx)
	cancel()
	if err != nil {
		if cerr := classify("diagnose", q.Indices, err); errors.Is(cerr, ErrIndexNotFound) {
			d.Cause = CauseNoIndex
			d.Text = d.explain(q, f)
			return d, nil
		}
		return d, classify("diagnose", q.Indices, err)
	}
	d.Indices = slices.Sorted(slices.Values(caps.Indices))
	if len(d.Indices) == 0 {
		d.Cause = CauseNoIndex
		d.Text = d.explain(q, f)
		return d, nil
	}
	d.listFields(caps.Fields, f.msg)
	if err := c.diagCounts(ctx, q, f, &d); err != nil {
		return d, err
	}
	if d.InWindow > 0 {
		if err := c.diagSample(ctx, q, f, &d); err != nil {
			return d, err
		}
	}
	text := slices.ContainsFunc(d.MessageTypes, func(t string) bool { return t == "text" || t == "match_only_text" })
	switch {
	case d.Docs == 0:
		d.Cause = CauseEmpty
	case d.InWindow == 0:
		d.Cause = CauseOutsideWindow
	case len(d.MessageTypes) == 0:
		d.Cause = CauseNoMessageField
	case !text && d.PhrasedInWindow == 0:
		d.Cause = CauseMessageNotText
	case d.PhrasedInWindow == 0:
		d.Cause = CauseNoPhrase
	case q.Extra != "":
		d.Cause = CauseExtraFilter
	default:
		d.Cause = CauseNone
	}
	d.Text = d.explain(q, f)
	return d, nil
}

// listFields records the message field's types and the field names worth
// showing: text fields first (where a message could be), then the rest.
func (d *Diagnosis) listFields(fields map[string]elastic.FieldCapsType, msg string) {
	for typ := range fields[msg] {
		if typ != "unmapped" {
			d.MessageTypes = append(d.MessageTypes, typ)
		}
	}
	slices.Sort(d.MessageTypes)
	var textual, other []string
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if strings.HasPrefix(name, "_") {
			continue // metadata fields every index has
		}
		types := slices.Sorted(maps.Keys(fields[name]))
		types = slices.DeleteFunc(types, func(t string) bool { return t == "unmapped" })
		if len(types) == 0 || types[0] == "object" || types[0] == "nested" {
			continue
		}
		s := sanitize(name, 80) + " (" + strings.Join(types, "/") + ")"
		if slices.Contains(types, "text") || slices.Contains(types, "match_only_text") {
			textual = append(textual, s)
		} else {
			other = append(other, s)
		}
	}
	all := append(textual, other...)
	if len(all) > maxDiagFields {
		d.MoreFields = len(all) - maxDiagFields
		all = all[:maxDiagFields]
	}
	d.Fields = all
}

// diagCounts asks one size-0 search for the counts and spans.
func (c *Client) diagCounts(ctx context.Context, q Query, f fieldSet, d *Diagnosis) error {
	window := elastic.NewRangeQuery(f.time).Gte(q.From.UnixMilli()).Lt(q.To.UnixMilli()).Format("epoch_millis")
	phrases := make([]elastic.Query, len(q.Phrases))
	for i, p := range q.Phrases {
		phrases[i] = elastic.NewMatchPhraseQuery(f.msg, p)
	}
	phrased := elastic.NewBoolQuery().Should(phrases...).MinimumNumberShouldMatch(1)
	svc := c.es.Search().Index(q.indexList()...).Query(elastic.NewMatchAllQuery()).Size(0).TrackTotalHits(true).
		Aggregation("first", elastic.NewMinAggregation().Field(f.time)).
		Aggregation("last", elastic.NewMaxAggregation().Field(f.time)).
		Aggregation("window", elastic.NewFilterAggregation().Filter(window)).
		Aggregation("phrased", elastic.NewFilterAggregation().Filter(phrased).
			SubAggregation("first", elastic.NewMinAggregation().Field(f.time)).
			SubAggregation("last", elastic.NewMaxAggregation().Field(f.time))).
		Aggregation("phrased_window", elastic.NewFilterAggregation().Filter(elastic.NewBoolQuery().Filter(window, phrased)))
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := svc.Do(cctx)
	if err != nil {
		return classify("diagnose", q.Indices, err)
	}
	var st Stats
	if err := checkShards("diagnose", q.Indices, res.Shards, c.partial, &st); err != nil {
		return err
	}
	if res.Hits != nil && res.Hits.TotalHits != nil {
		d.Docs = res.Hits.TotalHits.Value
	}
	a := res.Aggregations
	d.First, d.Last = aggTime(a, "first"), aggTime(a, "last")
	if w, ok := a.Filter("window"); ok {
		d.InWindow = w.DocCount
	}
	if p, ok := a.Filter("phrased"); ok {
		d.Phrased = p.DocCount
		d.PhraseFirst, d.PhraseLast = aggTime(p.Aggregations, "first"), aggTime(p.Aggregations, "last")
	}
	if p, ok := a.Filter("phrased_window"); ok {
		d.PhrasedInWindow = p.DocCount
	}
	return nil
}

func aggTime(a elastic.Aggregations, name string) time.Time {
	v, ok := a.Min(name) // min and max decode alike
	if !ok || v.Value == nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(*v.Value)).UTC()
}

// diagSample fetches the newest document in the window, a phrase line if
// there is one, and keeps its message, or its field names if it has none.
func (c *Client) diagSample(ctx context.Context, q Query, f fieldSet, d *Diagnosis) error {
	query := q.esQuery(docSubset{})
	if d.PhrasedInWindow == 0 {
		query = elastic.NewRangeQuery(f.time).Gte(q.From.UnixMilli()).Lt(q.To.UnixMilli()).Format("epoch_millis")
	} else if q.Extra != "" {
		noExtra := q
		noExtra.Extra = ""
		query = noExtra.esQuery(docSubset{})
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.es.Search().Index(q.indexList()...).Query(query).Size(1).
		SortBy(elastic.NewFieldSort(f.time).Desc().UnmappedType("date")).Do(cctx)
	if err != nil {
		return classify("diagnose", q.Indices, err)
	}
	if res.Hits == nil || len(res.Hits.Hits) == 0 || len(res.Hits.Hits[0].Source) == 0 {
		return nil
	}
	var doc map[string]any
	if err := json.Unmarshal(res.Hits.Hits[0].Source, &doc); err != nil {
		return nil // a sample is a courtesy; the counts stand without it
	}
	if msg, ok := docMessage(doc, f); ok {
		d.Sample = sanitize(msg, 200)
		return nil
	}
	keys := slices.Sorted(maps.Keys(doc))
	for i, k := range keys {
		keys[i] = sanitize(k, 60)
	}
	if len(keys) > 20 {
		keys = append(keys[:20], "...")
	}
	d.Sample = "(no " + f.msg + " field; the document has " + strings.Join(keys, ", ") + ")"
	return nil
}

// explain renders the cause as one sentence, with the facts that show it.
func (d *Diagnosis) explain(q Query, f fieldSet) string {
	const day = "2006-01-02 15:04:05Z"
	span := func(a, b time.Time) string {
		if a.IsZero() {
			return "(no " + f.time + " value)"
		}
		return a.Format(day) + " to " + b.Format(day)
	}
	window := q.From.UTC().Format(day) + " to " + q.To.UTC().Format(day)
	fields := strings.Join(d.Fields, ", ")
	if d.MoreFields > 0 {
		fields += fmt.Sprintf(" and %d more", d.MoreFields)
	}
	sample := ""
	if d.Sample != "" {
		sample = fmt.Sprintf("; newest document in the window: %q", d.Sample)
	}
	idx := strings.Join(d.Indices, ",")
	if len(d.Indices) > 5 {
		idx = strings.Join(d.Indices[:5], ",") + fmt.Sprintf(" and %d more", len(d.Indices)-5)
	}
	switch d.Cause {
	case CauseNoIndex:
		return fmt.Sprintf("the index pattern %s matches no index (check Query.Indices)", q.Indices)
	case CauseEmpty:
		return fmt.Sprintf("the indices %s hold no document", idx)
	case CauseOutsideWindow:
		s := fmt.Sprintf("no document of %s lies in the window %s: their %d document(s) span %s", idx, window, d.Docs, span(d.First, d.Last))
		if d.Phrased > 0 {
			s += fmt.Sprintf(", their %d malformed-SIP line(s) %s", d.Phrased, span(d.PhraseFirst, d.PhraseLast))
		}
		return s + " (check Query.From/Query.To, or Query.TimeField)"
	case CauseNoMessageField:
		return fmt.Sprintf("%d document(s) in the window, but no index of %s maps the message field %q; the indices have: %s (set Query.MessageField)", d.InWindow, idx, f.msg, fields)
	case CauseMessageNotText:
		return fmt.Sprintf("%d document(s) in the window, but %s is mapped as %s, not text: a phrase matches only a whole value (give Query.MessageField a text field; the indices have: %s)%s",
			d.InWindow, f.msg, strings.Join(d.MessageTypes, "/"), fields, sample)
	case CauseNoPhrase:
		s := fmt.Sprintf("%d document(s) in the window, none of whose %s contains %q", d.InWindow, f.msg, q.Phrases)
		if d.Phrased > 0 {
			s += fmt.Sprintf(" (%d malformed-SIP line(s) outside it, %s)", d.Phrased, span(d.PhraseFirst, d.PhraseLast))
		}
		return s + sample + fmt.Sprintf(" (check Query.Phrases or Query.MessageField; the indices have: %s)", fields)
	case CauseExtraFilter:
		return fmt.Sprintf("%d malformed-SIP line(s) in the window, but the extra query %q excludes all of them%s", d.PhrasedInWindow, sanitize(q.Extra, 200), sample)
	}
	return fmt.Sprintf("the query matches %d document(s) now (indexed after it ran?)", d.PhrasedInWindow)
}

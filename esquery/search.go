package esquery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/olivere/elastic/v7"
)

// pitKeepAlive is how long a point-in-time survives between two pages.
const pitKeepAlive = "2m"

// Searcher finds malformed-SIP log documents. *Client implements it over
// Elasticsearch; Collect drives it. The interface is what a move to another
// client library has to provide.
type Searcher interface {
	// Shape reports the concrete indices q.Indices matches and the UA
	// field, if any, that the server can aggregate on.
	Shape(ctx context.Context, q Query) (Shape, error)
	// Hits streams every matching document, oldest first, one page in
	// memory at a time. If q.ExcludeField is set, documents having that
	// field are skipped (Buckets counts them).
	Hits(ctx context.Context, q Query, emit func(Hit) error) (Stats, error)
	// Buckets streams per-UA counts per bucket aggregated by the server
	// over documents that have the field aggField.
	Buckets(ctx context.Context, q Query, aggField string, emit func(Bucket) error) (Stats, error)
}

// Hits implements Searcher. It pages with search_after on (time, tiebreaker)
// inside a point-in-time where the server has one (Elasticsearch 7.12+,
// tiebreaker _shard_doc), else directly on the indices with _id as the
// tiebreaker. A hit whose message matches no pattern is still emitted
// (HasUA false, Src invalid) and counted in Stats.Unparsed.
func (c *Client) Hits(ctx context.Context, q Query, emit func(Hit) error) (Stats, error) {
	var st Stats
	q, err := q.normalize()
	if err != nil {
		return st, &Error{Op: "search", Target: q.Indices, Kind: ErrQuery, Err: err}
	}
	p, err := NewLineParser(q.Pattern)
	if err != nil {
		return st, &Error{Op: "search", Target: q.Indices, Kind: ErrQuery, Err: err}
	}
	f := q.fields()
	query := q.esQuery(docSubset{field: q.ExcludeField, present: false})
	src := elastic.NewFetchSourceContext(true).Include(f.time, f.msg, "MESSAGE", f.ua, f.ip, f.port)

	err = c.page(ctx, pageReq{op: "search", indices: q.Indices, query: query, timeField: f.time, src: src, size: q.PageSize},
		&st, func(sh *elastic.SearchHit) error {
			h, herr := searchHit(sh, f, p)
			st.Hits++
			switch {
			case errors.Is(herr, ErrBadSource):
				st.NoSource++
			case herr != nil:
				st.Unparsed++
			}
			return emit(h)
		}, func(total int64) {
			if q.Progress != nil {
				q.Progress(Progress{Phase: "hits", Pages: st.Pages, Docs: st.Hits, Total: total})
			}
		})
	return st, err
}

// pageReq is one search_after traversal.
type pageReq struct {
	op, indices string // for errors; indices is the comma-separated list
	query       elastic.Query
	timeField   string
	src         *elastic.FetchSourceContext
	size        int
}

// page walks all hits of r sorted by (time, tiebreaker), calling fn per hit
// and onPage(total hits) per page, and counts pages in st.
func (c *Client) page(ctx context.Context, r pageReq, st *Stats, fn func(*elastic.SearchHit) error, onPage func(int64)) error {
	indices := (&Query{Indices: r.indices}).indexList()
	var pit *elastic.PointInTime
	if c.hasPIT() {
		cctx, cancel := c.call(ctx)
		res, err := c.es.OpenPointInTime(indices...).KeepAlive(pitKeepAlive).Do(cctx)
		cancel()
		if err != nil {
			return classify("open point-in-time", r.indices, err)
		}
		pit = elastic.NewPointInTimeWithKeepAlive(res.Id, pitKeepAlive)
		st.PIT = true
		defer c.closePIT(pit)
	}
	var after []any
	for {
		svc := c.es.Search().Query(r.query).Size(r.size).FetchSourceContext(r.src).
			SortBy(elastic.NewFieldSort(r.timeField).Asc().UnmappedType("date"))
		if pit != nil {
			svc = svc.PointInTime(pit).SortBy(elastic.NewFieldSort("_shard_doc").Asc())
		} else {
			svc = svc.Index(indices...).SortBy(elastic.NewFieldSort("_id").Asc())
		}
		svc = svc.TrackTotalHits(st.Pages == 0)
		if after != nil {
			svc = svc.SearchAfter(after...)
		}
		cctx, cancel := c.call(ctx)
		res, err := svc.Do(cctx)
		cancel()
		if err != nil {
			return classify(r.op, r.indices, err)
		}
		if err := checkShards(r.op, r.indices, res.Shards, c.partial, st); err != nil {
			return err
		}
		if res.PitId != "" && pit != nil {
			pit.Id = res.PitId
		}
		st.Pages++
		for _, sh := range res.Hits.Hits {
			if err := fn(sh); err != nil {
				return err
			}
		}
		var total int64
		if res.Hits.TotalHits != nil {
			total = res.Hits.TotalHits.Value
		}
		onPage(total)
		if len(res.Hits.Hits) < r.size {
			return nil
		}
		after = res.Hits.Hits[len(res.Hits.Hits)-1].Sort
	}
}

func (c *Client) closePIT(pit *elastic.PointInTime) {
	// Closing is a courtesy (the PIT expires anyway), but it must not hang
	// on a dead server or a cancelled caller.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.es.ClosePointInTime(pit.Id).Do(ctx); err != nil {
		return // expiry takes care of it
	}
}

// searchHit decodes one search hit. The document time is read from
// _source for full precision; the sort value (epoch milliseconds) stands in
// when _source lacks it.
func searchHit(sh *elastic.SearchHit, f fieldSet, p *LineParser) (Hit, error) {
	doc := map[string]any{}
	if len(sh.Source) > 0 {
		d := json.NewDecoder(bytes.NewReader(sh.Source))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			return Hit{Index: sh.Index, ID: sh.Id}, fmt.Errorf("%w: _source of %s/%s", ErrBadJSON, sh.Index, sh.Id)
		}
	}
	h, err := docHit(doc, f, p)
	h.Index, h.ID = sh.Index, sh.Id
	if t, terr := docTime(doc, f); terr == nil {
		h.Time = t
	} else if len(sh.Sort) > 0 {
		if ms, ok := toInt64(sh.Sort[0]); ok {
			h.Time = time.UnixMilli(ms).UTC()
		}
	}
	return h, err
}

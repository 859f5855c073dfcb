package esquery

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// partialBody is what Elasticsearch 7.17 answers when a query fails on one
// shard of two (captured from the real node for a range query on a field
// that one index maps as integer): HTTP 200, _shards.failed 1. A single
// node does not produce it for sipcorr's own query_string (lenient on type
// mismatches), hence the fake.
const partialBody = `{"took":8,"timed_out":false,"_shards":{"total":2,"successful":1,"skipped":0,"failed":1,"failures":[{"shard":0,"index":"logs-int","node":"n1","reason":{"type":"query_shard_exception","reason":"failed to create query: For input string: \"abc\"","index":"logs-int","caused_by":{"type":"number_format_exception","reason":"For input string: \"abc\""}}}]},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]},
"aggregations":{"by":{"buckets":[]}}}`

// TestFakePartialShards: every search response with failed shards is an
// ErrPartial error naming index[shard] and the reason, in hits and in
// aggregate mode; with AllowPartial it is a note in Stats and no error.
func TestFakePartialShards(t *testing.T) {
	srv := fakeES(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_field_caps"):
			w.Write([]byte(`{"indices":["logs-int","logs-kw"],"fields":{"@timestamp":{"date":{"type":"date","searchable":true,"aggregatable":true}},
"user_agent.original":{"keyword":{"type":"keyword","searchable":true,"aggregatable":true}}}}`))
		case strings.HasSuffix(r.URL.Path, "/_pit"):
			w.Write([]byte(`{"id":"pit1"}`))
		default:
			w.Write([]byte(partialBody))
		}
	})
	q := Query{Indices: "logs-*", From: winFrom, To: winTo}
	for _, allow := range []bool{false, true} {
		c := fakeConnect(t, srv, func(c *Config) { c.AllowPartial = allow })
		for _, mode := range []Mode{ModeHits, ModeAggregate} {
			q.Mode = mode
			st, err := Collect(context.Background(), c, q, &Tally{})
			if !allow {
				if !errors.Is(err, ErrPartial) {
					t.Fatalf("%v: err = %v, want ErrPartial", mode, err)
				}
				for _, want := range []string{"1 of 2 shards failed", "logs-int[0]", "number_format_exception"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%v: %q lacks %q", mode, err, want)
					}
				}
				continue
			}
			if err != nil || st.FailedShards == 0 || len(st.Partial) == 0 || !strings.Contains(st.Partial[0], "logs-int[0]") {
				t.Errorf("%v allowed: err %v, stats %+v", mode, err, st)
			}
		}
	}
}

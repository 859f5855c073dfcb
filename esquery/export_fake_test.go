package esquery

// The export path against an httptest fake: retries, rejection accounting,
// fatal stops and backpressure, which a healthy real node cannot produce
// on demand.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeBulk is an Elasticsearch double for the export path: it has no
// template, accepts sipcorr's, reports no existing index, and answers
// _bulk with respond, recording every document it stored.
type fakeBulk struct {
	mu      sync.Mutex
	calls   int
	stored  map[string]json.RawMessage // index/_id -> doc
	respond func(call, item int) int   // HTTP status per item; 0 = whole request 429
}

func (f *fakeBulk) handler(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/_index_template/_simulate_index/"):
		w.Write([]byte(`{"template":{"mappings":{"_meta":{"managed_by":"sipcorr"}}},"overlapping":[]}`))
	case strings.HasPrefix(r.URL.Path, "/_index_template/") && r.Method == http.MethodGet:
		esError(w, 404, "resource_not_found_exception", "index template matching [x] not found")
	case strings.HasPrefix(r.URL.Path, "/_index_template/"):
		w.Write([]byte(`{"acknowledged":true}`))
	case strings.Contains(r.URL.Path, "/_mapping"):
		esError(w, 404, "index_not_found_exception", "no such index")
	case r.URL.Path == "/_bulk":
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls++
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(nil, 1<<20)
		var items []string
		for i := 0; sc.Scan(); i++ {
			var action map[string]struct {
				Index string `json:"_index"`
				ID    string `json:"_id"`
			}
			if err := json.Unmarshal(sc.Bytes(), &action); err != nil {
				esError(w, 400, "parse_exception", "bad action")
				return
			}
			sc.Scan()
			a := action["index"]
			st := f.respond(f.calls, i)
			if st == 0 {
				esError(w, 429, "es_rejected_execution_exception", "rejected execution of coordinating operation")
				return
			}
			if st < 300 {
				f.stored[a.Index+"/"+a.ID] = append(json.RawMessage(nil), sc.Bytes()...)
				items = append(items, fmt.Sprintf(`{"index":{"_index":%q,"_id":%q,"status":%d,"result":"created"}}`, a.Index, a.ID, st))
			} else {
				items = append(items, fmt.Sprintf(`{"index":{"_index":%q,"_id":%q,"status":%d,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}`, a.Index, a.ID, st))
			}
		}
		fmt.Fprintf(w, `{"took":1,"errors":true,"items":[%s]}`, strings.Join(items, ","))
	default:
		esError(w, 400, "unexpected", r.URL.Path)
	}
}

func runExport(t *testing.T, f *fakeBulk, vs []VerdictDoc, opts ExportOptions) (ExportStats, error) {
	t.Helper()
	f.stored = map[string]json.RawMessage{}
	srv := fakeES(t, f.handler)
	c := fakeConnect(t, srv)
	opts.Index, opts.Backoff = "verdicts", time.Millisecond
	ex, err := c.NewExporter(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if err := ex.Add(v); err != nil {
			break
		}
	}
	return ex.Close()
}

func TestFakeBulk429ThenSuccess(t *testing.T) {
	// Every other item is refused with 429 on the first two requests.
	f := &fakeBulk{respond: func(call, item int) int {
		if call <= 2 && item%2 == 1 {
			return 429
		}
		return 201
	}}
	vs := genVerdicts("a", 100)
	st, err := runExport(t, f, vs, ExportOptions{BatchDocs: 64})
	if err != nil {
		t.Fatal(err)
	}
	if st.Verdicts != 100 || st.Rejected != 0 || st.Retries == 0 || int64(len(f.stored)) != st.Verdicts+st.Rollups {
		t.Errorf("stats %+v, stored %d", st, len(f.stored))
	}
	// Rollups add up to the verdicts, per UA.
	var sum int64
	for k, doc := range f.stored {
		if strings.HasPrefix(k, "verdicts-rollup/") {
			var d esDoc
			if err := json.Unmarshal(doc, &d); err != nil {
				t.Fatal(err)
			}
			sum += d.Sipcorr.Count
		}
	}
	if sum != 100 {
		t.Errorf("rollups sum to %d", sum)
	}
}

func TestFakeBulk429Forever(t *testing.T) {
	f := &fakeBulk{respond: func(call, item int) int { return 0 }}
	st, err := runExport(t, f, genVerdicts("a", 30), ExportOptions{BatchDocs: 8, MaxRetries: 2})
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "after 2 retries") {
		t.Fatalf("err = %v", err)
	}
	// 30 verdicts plus their rollups, all accounted as rejected.
	if st.Rejected <= 30 || st.Verdicts+st.Rollups != 0 || st.Unsent != 0 || st.Requests != int64(f.calls) ||
		!strings.Contains(err.Error(), fmt.Sprintf("%d of %d documents rejected", st.Rejected, st.Rejected)) {
		t.Errorf("nothing may be lost silently: %+v, %v", st, err)
	}
}

func TestFakeBulkUnauthorizedStops(t *testing.T) {
	var calls atomic.Int32
	srv := fakeES(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_bulk" {
			calls.Add(1)
			esError(w, 401, "security_exception", "token expired")
			return
		}
		(&fakeBulk{}).handler(w, r)
	})
	c := fakeConnect(t, srv)
	ex, err := c.NewExporter(context.Background(), ExportOptions{Index: "v", BatchDocs: 5})
	if err != nil {
		t.Fatal(err)
	}
	var addErr error
	added := 0
	for _, v := range genVerdicts("a", 200) {
		if addErr = ex.Add(v); addErr != nil {
			break
		}
		added++
	}
	st, err := ex.Close()
	if !errors.Is(err, ErrUnauthorized) || !errors.Is(addErr, ErrUnauthorized) {
		t.Fatalf("close: %v, add: %v", err, addErr)
	}
	if st.Verdicts != 0 || st.Unsent == 0 || calls.Load() != 1 {
		t.Errorf("stats %+v after %d adds and %d bulk calls", st, added, calls.Load())
	}
}

// TestFakeBulkBackpressure: with the sender stuck, Add stops returning once
// one batch is in flight and one waits.
func TestFakeBulkBackpressure(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	f := &fakeBulk{stored: map[string]json.RawMessage{}, respond: func(int, int) int { return 201 }}
	srv := fakeES(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_bulk" {
			entered <- struct{}{}
			<-release
		}
		f.handler(w, r)
	})
	c := fakeConnect(t, srv, func(c *Config) { c.Timeout = 10 * time.Second })
	ex, err := c.NewExporter(context.Background(), ExportOptions{Index: "v", BatchDocs: 1})
	if err != nil {
		t.Fatal(err)
	}
	vs := genVerdicts("a", 3)
	ex.Add(vs[0]) // batch 1: taken by the sender, stuck in the request
	<-entered
	ex.Add(vs[1]) // batch 2: waits in the channel
	third := make(chan struct{})
	go func() { ex.Add(vs[2]); close(third) }()
	select {
	case <-third:
		t.Fatal("Add returned while two batches were pending")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-third
	st, err := ex.Close()
	if err != nil || st.Verdicts != 3 {
		t.Fatalf("%+v, %v", st, err)
	}
}

func TestExportIDsDeterministic(t *testing.T) {
	f := &fakeBulk{respond: func(int, int) int { return 201 }}
	vs := genVerdicts("a", 50)
	if _, err := runExport(t, f, vs, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	first := f.stored
	if _, err := runExport(t, f, vs, ExportOptions{BatchDocs: 7}); err != nil {
		t.Fatal(err)
	}
	if len(first) != len(f.stored) {
		t.Fatalf("%d then %d documents", len(first), len(f.stored))
	}
	for k, v := range first {
		if !bytes.Equal(f.stored[k], v) {
			t.Errorf("document %s differs between runs", k)
		}
	}
	a := VerdictDoc{Key: "x"}
	b := VerdictDoc{Key: "x", Packet: 9}
	if a.DocID() != b.DocID() || len(a.DocID()) != 22 {
		t.Errorf("caller key ids: %q %q", a.DocID(), b.DocID())
	}
	if (&VerdictDoc{Source: "ab", Agent: "c"}).DocID() == (&VerdictDoc{Source: "a", Agent: "bc"}).DocID() {
		t.Error("id parts run into each other")
	}
}

// TestExportRollupMemoryBound: with at most 3 open rollup keys, rollups
// are flushed early and more often, yet sum exactly, and verdicts are not
// miscounted as late.
func TestExportRollupMemoryBound(t *testing.T) {
	f := &fakeBulk{respond: func(int, int) int { return 201 }}
	vs := genVerdicts("a", 200)
	st, err := runExport(t, f, vs, ExportOptions{MaxOpenRollups: 3})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for k, doc := range f.stored {
		if strings.HasPrefix(k, "verdicts-rollup/") {
			var d esDoc
			if err := json.Unmarshal(doc, &d); err != nil {
				t.Fatal(err)
			}
			sum += d.Sipcorr.Count
		}
	}
	normal, err := runExport(t, f, vs, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum != 200 || st.Rollups <= normal.Rollups || st.LateVerdicts != normal.LateVerdicts {
		t.Errorf("bounded: %+v (sum %d); unbounded: %+v", st, sum, normal)
	}
}

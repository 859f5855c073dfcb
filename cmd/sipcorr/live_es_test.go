package main

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/esquery"
)

// fakeLogSearcher serves canned log hits, as an index without an aggregatable
// UA field would (so Collect pages through hits).
type fakeLogSearcher struct{ hits []esquery.Hit }

func (f *fakeLogSearcher) Shape(context.Context, esquery.Query) (esquery.Shape, error) {
	return esquery.Shape{Indices: []string{"logstash-test"}, Reason: "no UA field"}, nil
}

func (f *fakeLogSearcher) Hits(_ context.Context, q esquery.Query, emit func(esquery.Hit) error) (esquery.Stats, error) {
	var st esquery.Stats
	for _, h := range f.hits {
		if !h.Time.Before(q.From) && h.Time.Before(q.To) {
			st.Hits++
			if err := emit(h); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

func (f *fakeLogSearcher) Buckets(context.Context, esquery.Query, string, func(esquery.Bucket) error) (esquery.Stats, error) {
	return esquery.Stats{}, nil
}

func TestLiveLogHits(t *testing.T) {
	now := time.Now()
	src := netip.MustParseAddrPort("192.0.2.7:5060")
	var hits []esquery.Hit
	for i := 0; i < 3; i++ {
		hits = append(hits, esquery.Hit{Time: now.Add(-5 * time.Second), UA: "Yealink SIP-T48G 66.86.0.15", HasUA: true, Src: src})
	}
	for i := 0; i < 2; i++ {
		hits = append(hits, esquery.Hit{Time: now.Add(-4 * time.Second), Src: src})
	}
	hits = append(hits, esquery.Hit{Time: now.Add(time.Hour), UA: "future", HasUA: true}) // beyond the lag: never asked for
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newLiveRun(testConfig(), &fakeLiveSource{}, defaultJudge(t))
	r.es = startESPoller(ctx, &fakeLogSearcher{hits: hits}, esquery.Query{Indices: "logstash-*", Bucket: time.Second},
		20*time.Millisecond, 0, now.Add(-10*time.Second))
	deadline := time.Now().Add(5 * time.Second)
	for r.logs.hits+r.logs.unattributed < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		r.takeLogBatches()
	}
	cancel()
	<-r.es.finished
	r.takeLogBatches()
	if r.logs.hits != 3 || r.logs.unattributed != 2 {
		t.Errorf("log hits %d, unattributed %d; want 3 and 2", r.logs.hits, r.logs.unattributed)
	}
	st := r.tl.timeline().Stats()
	if st.First[correlate.SourceLog].IsZero() || st.Malformed != 3 {
		t.Errorf("timeline: %+v", st)
	}
	if polls, errs := r.es.counts(); polls == 0 || errs != 0 {
		t.Errorf("polls %d errors %d", polls, errs)
	}
	notes := r.captureNotes(true)
	found := false
	for _, n := range notes {
		found = found || n == "2 malformed-SIP log lines carried no User-Agent (or were over the key cap): counted, not attributed"
	}
	if !found {
		t.Errorf("notes: %q", notes)
	}
}

package esquery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
)

var (
	winFrom = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	winTo   = winFrom.Add(10 * time.Minute)
)

// logDoc is one generated log line and what sipcorr must make of it.
type logDoc struct {
	t     time.Time
	ua    string // "" for the stock line
	hasUA bool
	ip    string
	port  int
	msg   string
}

// genLogs generates n malformed-SIP log lines starting 5 s before the test
// window, 1.1 s apart, so that some fall before and after it, from three
// UAs (one hostile) and two UA-less stock sources, one of them IPv6.
func genLogs(n int) []logDoc {
	uas := []string{"Yealink SIP-T48G 35.80.0.95", "Grandstream GXP2170 1.0.11.3",
		"Evil] received from <10.6.6.6:1> \"q\" \x1b[31m\u202e"}
	out := make([]logDoc, n)
	for i := range out {
		d := logDoc{t: winFrom.Add(-5*time.Second + time.Duration(i)*1100*time.Millisecond)}
		switch k := (i * 7) % 5; k {
		case 0, 1, 2:
			d.ua, d.hasUA, d.ip, d.port = uas[k], true, fmt.Sprintf("192.0.2.%d", 10+k), 5060
			if k == 1 {
				d.ip = "2001:db8::1"
			}
			src := fmt.Sprintf("%s:%d", d.ip, d.port)
			if k == 1 {
				src = fmt.Sprintf("[%s]:%d", d.ip, d.port)
			}
			d.msg = fmt.Sprintf("NOTICE: <script>: Malformed SIP received. ua: [%s] received from <%s>", d.ua, src)
		case 3:
			d.ip, d.port = "2001:db8::5", 5062
			d.msg = "ERROR: <script>: Malformed SIP request from 2001:db8::5:5062"
		case 4:
			d.ip, d.port = "203.0.113.9", 5060
			d.msg = "ERROR: <script>: Malformed SIP message from 203.0.113.9:5060"
		}
		out[i] = d
	}
	return out
}

// expectedCounts counts the generated lines inside the window per minute
// and identity, independently of Tally.
func expectedCounts(docs []logDoc) map[string]int64 {
	m := map[string]int64{}
	for _, d := range docs {
		if d.t.Before(winFrom) || !d.t.Before(winTo) {
			continue
		}
		start := d.t.Truncate(time.Minute).Format("15:04")
		if d.hasUA {
			m[fmt.Sprintf("%s ua=%q", start, d.ua)]++
		} else {
			m[fmt.Sprintf("%s src=%s", start, d.ip)]++
		}
	}
	return m
}

func tallyCounts(t *testing.T, tl *Tally) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	for _, b := range tl.Buckets() {
		start := b.Start.Format("15:04")
		switch {
		case b.Overflow:
			t.Errorf("unexpected overflow bucket %v", b)
		case b.HasUA:
			m[fmt.Sprintf("%s ua=%q", start, b.UA)] += b.Count
		default:
			m[fmt.Sprintf("%s src=%s", start, b.Src)] += b.Count
		}
	}
	return m
}

func diffCounts(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s = %d, want %d", what, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s = %d", what, k, g)
		}
	}
}

// messageDoc is the message-only shape; structuredDoc adds ECS fields
// (the stock line has a source but no UA field).
func messageDoc(d logDoc) map[string]any {
	return map[string]any{"@timestamp": d.t.Format(time.RFC3339Nano), "message": d.msg}
}

func structuredDoc(d logDoc) map[string]any {
	m := messageDoc(d)
	m["source"] = map[string]any{"ip": d.ip, "port": d.port}
	if d.hasUA {
		m["user_agent"] = map[string]any{"original": d.ua}
	}
	return m
}

const ecsMapping = `{"properties":{"@timestamp":{"type":"date"},"message":{"type":"text"},
 "user_agent":{"properties":{"original":{"type":"keyword","ignore_above":1024}}},
 "source":{"properties":{"ip":{"type":"ip"},"port":{"type":"integer"}}}}}`

// TestNodeCollectBothShapes seeds the same kind of lines as message-only
// documents, as ECS documents with a keyword UA, and as dynamically mapped
// documents (UA as text with a .keyword sub-field) in three indices under
// one pattern, then counts them per UA and minute through both code paths
// and through the log-file reader. All must equal the generator's counts.
func TestNodeCollectBothShapes(t *testing.T) {
	c := testNode(t)
	prefix := testIndex(t, c)
	docs := genLogs(600)
	noise := logDoc{t: winFrom.Add(time.Minute), msg: "INFO: <core>: all is well"}
	createIndex(t, c, prefix+"-msg", "")
	createIndex(t, c, prefix+"-ecs", ecsMapping)
	createIndex(t, c, prefix+"-dyn", "")
	var msg, ecs, dyn []map[string]any
	var ndjson bytes.Buffer
	for i, d := range append(docs, noise) {
		switch i % 3 {
		case 0:
			msg = append(msg, messageDoc(d))
		case 1:
			ecs = append(ecs, structuredDoc(d))
		case 2:
			dyn = append(dyn, structuredDoc(d))
		}
		b, _ := json.Marshal(structuredDoc(d))
		ndjson.Write(append(b, '\n'))
	}
	seed(t, c, prefix+"-msg", msg)
	seed(t, c, prefix+"-ecs", ecs)
	seed(t, c, prefix+"-dyn", dyn)
	want := expectedCounts(docs)

	q := Query{Indices: prefix + "-*", From: winFrom, To: winTo, PageSize: 37}
	var pages int
	q.Progress = func(Progress) { pages++ }
	ctx := context.Background()

	sh, err := c.Shape(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if sh.AggField != "user_agent.original.keyword" || len(sh.Indices) != 3 {
		t.Fatalf("shape = %+v; want the .keyword field over 3 indices", sh)
	}

	for _, mode := range []Mode{ModeAuto, ModeHits, ModeAggregate} {
		q.Mode = mode
		tl := &Tally{Bucket: time.Minute}
		pages = 0
		st, err := Collect(ctx, c, q, tl)
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		diffCounts(t, mode.String(), tallyCounts(t, tl), want)
		if st.Pages != pages || pages < 2 {
			t.Errorf("%v: %d pages, %d progress calls", mode, st.Pages, pages)
		}
		if st.Unparsed != 0 || st.NoSource != 0 {
			t.Errorf("%v: stats %+v", mode, st)
		}
		wantMode := "aggregate+hits"
		if mode == ModeHits {
			wantMode = "hits"
		}
		if st.Mode != wantMode || (mode != ModeHits && st.Aggregated == 0) {
			t.Errorf("%v: mode %q, aggregated %d", mode, st.Mode, st.Aggregated)
		}
		if v, _ := c.Version(); strings.HasPrefix(v, "7.17") && !st.PIT {
			t.Errorf("%v: no point-in-time on %s", mode, v)
		}
		t.Logf("%v: %+v", mode, st)
	}

	// The same lines from an NDJSON export, read as --logs does.
	tl := &Tally{Bucket: time.Minute}
	fst, err := ReadLog(&ndjson, "export.ndjson", Query{From: winFrom, To: winTo}, FileOptions{}, func(h Hit) error {
		tl.AddHit(h)
		return nil
	})
	if err != nil || fst.Bad != 0 || fst.Other != 1 {
		t.Fatalf("file: %+v, %v", fst, err)
	}
	diffCounts(t, "file", tallyCounts(t, tl), want)
}

// TestNodeAggregateKeyword: with only ECS documents the UA field itself is
// aggregated, and Hits returns the stock lines' sources from source.ip.
func TestNodeAggregateKeyword(t *testing.T) {
	c := testNode(t)
	index := testIndex(t, c)
	createIndex(t, c, index, ecsMapping)
	docs := genLogs(200)
	var ecs []map[string]any
	for _, d := range docs {
		ecs = append(ecs, structuredDoc(d))
	}
	seed(t, c, index, ecs)
	q := Query{Indices: index, From: winFrom, To: winTo, Mode: ModeAggregate, Bucket: 30 * time.Second}
	sh, err := c.Shape(context.Background(), q)
	if err != nil || sh.AggField != "user_agent.original" {
		t.Fatalf("shape %+v, %v", sh, err)
	}
	tl := &Tally{}
	st, err := Collect(context.Background(), c, q, tl)
	if err != nil {
		t.Fatal(err)
	}
	var want, got int64
	for _, d := range docs {
		if !d.t.Before(winFrom) && d.t.Before(winTo) {
			want++
		}
	}
	for _, b := range tl.Buckets() {
		got += b.Count
		if b.Start.UnixMilli()%30000 != 0 {
			t.Errorf("bucket %v not aligned to 30 s", b.Start)
		}
	}
	if got != want || st.Aggregated+st.Hits != want || st.Hits == 0 {
		t.Errorf("counted %d (aggregated %d + hits %d), want %d", got, st.Aggregated, st.Hits, want)
	}
}

func TestNodeMissingIndex(t *testing.T) {
	c := testNode(t)
	index := testIndex(t, c)
	for _, pattern := range []string{index, index + "-*"} {
		_, err := Collect(context.Background(), c, Query{Indices: pattern, From: winFrom, To: winTo}, &Tally{})
		if !errors.Is(err, ErrIndexNotFound) || !strings.Contains(err.Error(), pattern) {
			t.Errorf("%s: err = %v, want ErrIndexNotFound naming the index", pattern, err)
		}
	}
}

func TestNodeWrongCredentials(t *testing.T) {
	testNode(t)
	cfg := ConfigFromEnv(os.Getenv)
	u, err := url.Parse(cfg.URLs[0])
	if err != nil {
		t.Fatal(err)
	}
	user, pass := cfg.Username, cfg.Password
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	if user == "" {
		needs.Skip(t, "node runs without security (SIPCORR_ES_SECURITY=false): 401 is covered by TestFake401 only")
	}
	wrong := "wrong-" + pass
	u.User = url.UserPassword(user, wrong)
	cfg.URLs, cfg.Username, cfg.Password = []string{u.String()}, "", ""
	_, err = Connect(context.Background(), cfg)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(cfg.String(), wrong) {
		t.Errorf("password leaked: %v", err)
	}
}

func TestNodeServerDown(t *testing.T) {
	testNode(t) // only meaningful where the real node is expected
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	_, err = Connect(context.Background(), Config{URLs: []string{"http://" + addr}, Timeout: 2 * time.Second})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want ErrUnavailable naming %s", err, addr)
	}
}

// TestNodeNoTimeField: documents without the configured time field give
// ErrNoTimeField naming the field, not an empty result.
func TestNodeNoTimeField(t *testing.T) {
	c := testNode(t)
	index := testIndex(t, c)
	createIndex(t, c, index, "")
	seed(t, c, index, []map[string]any{{"ts": "2026-11-29T10:00:01Z", "message": "Malformed SIP request from 192.0.2.1:5060"}})
	_, err := Collect(context.Background(), c, Query{Indices: index, From: winFrom, To: winTo}, &Tally{})
	if !errors.Is(err, ErrNoTimeField) || !strings.Contains(err.Error(), `"@timestamp"`) {
		t.Fatalf("err = %v, want ErrNoTimeField", err)
	}
	// Aggregating a text field fails on the server; the error shows the
	// root cause, not "all shards failed".
	_, err = c.Buckets(context.Background(), Query{Indices: index, From: winFrom, To: winTo, TimeField: "ts"}, "message", func(Bucket) error { return nil })
	if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "illegal_argument_exception") {
		t.Fatalf("err = %v", err)
	}
	t.Log(err)
}

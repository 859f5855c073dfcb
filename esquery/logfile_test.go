package esquery

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A syslog file as rsyslog's traditional format writes it (RFC 3164, no
// year), with the noise a real kamailio.log carries around the lines we want.
const syslogText = `Dec 31 23:59:58 edge1 /usr/sbin/kamailio[2211]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G 35.80.0.95] received from <198.51.100.7:5060>
Dec 31 23:59:59 edge1 /usr/sbin/kamailio[2211]: INFO: <core> [core/tcp_main.c:4370]: tcpconn_main_timeout(): timeout for connection
Jan  1 00:00:01 edge1 /usr/sbin/kamailio[2212]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G 35.80.0.95] received from <198.51.100.7:5060>
Jan  1 00:00:02 edge1 /usr/sbin/kamailio[2212]: ERROR: <script>: Malformed SIP request from 203.0.113.5:5060
Jan 99 00:00:03 edge1 /usr/sbin/kamailio[2212]: NOTICE: <script>: Malformed SIP received. ua: [x] received from <192.0.2.1:1>
Jan  1 00:00:04 edge1 /usr/sbin/kamailio[2212]: NOTICE: <script>: Malformed SIP received. ua: [Yealink
`

// journalctl -o short-iso-precise, and RFC 5424 as rsyslog forwards it.
const journalText = `2026-11-29T10:00:01.250000+00:00 edge1 kamailio[880]: NOTICE: <script>: Malformed SIP received. ua: [Zoiper rv2.10] received from <[2001:db8::1]:5060>
2026-11-29T11:00:01+0100 edge1 kamailio[880]: NOTICE: <script>: Malformed SIP received. ua: [Zoiper rv2.10] received from <2001:db8::1:5060>
<189>1 2026-11-29T10:00:03.5Z edge1 kamailio 880 - - NOTICE: <script>: Malformed SIP received. ua: [Linphone/5.0] received from <192.0.2.8:5070>
2026-11-29 10:00:04.000 edge1 kamailio: Malformed SIP message from 192.0.2.9:5060
`

// NDJSON in the shapes exports take: a plain document, a structured (ECS)
// one, an Elasticsearch dump line with _source, journalctl -o json (MESSAGE
// as bytes because of the control character), and two broken lines.
const ndjsonText = `{"@timestamp":"2026-11-29T10:00:01Z","message":"Malformed SIP received. ua: [Yealink SIP-T48G] received from <198.51.100.7:5060>"}
{"@timestamp":"2026-11-29T10:00:02.5Z","message":"Malformed SIP received. ua: [ignored] received from <1.1.1.1:1>","user_agent":{"original":"Grandstream GXP2170"},"source":{"ip":"192.0.2.20","port":5062}}
{"_index":"logstash-2026.11.29","_id":"a1","_source":{"@timestamp":"2026-11-29T10:00:03Z","message":"Malformed SIP request from 203.0.113.5:5060"}}
{"__REALTIME_TIMESTAMP":"1795946404000000","MESSAGE":[77,97,108,102,111,114,109,101,100,32,83,73,80,32,114,101,99,101,105,118,101,100,46,32,117,97,58,32,91,97,7,98,93,32,114,101,99,101,105,118,101,100,32,102,114,111,109,32,60,49,57,50,46,48,46,50,46,49,58,49,62]}
{"@timestamp":"2026-11-29T10:00:05Z","message":"Malformed SIP received. ua: [x] received from <192.0.2.1:1>"
{"@timestamp":"not a time","message":"Malformed SIP received. ua: [x] received from <192.0.2.1:1>"}
{"@timestamp":"2026-11-29T10:00:06Z","message":"all fine here"}
`

func readAll(t *testing.T, data []byte, opts FileOptions, q Query) ([]Hit, FileStats) {
	t.Helper()
	var hits []Hit
	st, err := ReadLog(bytes.NewReader(data), "kamailio.log", q, opts, func(h Hit) error {
		hits = append(hits, h)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadLog: %v", err)
	}
	return hits, st
}

func TestReadLogSyslogYearRollover(t *testing.T) {
	// Rotated on Jan 1 2027: December's lines belong to 2026.
	opts := FileOptions{ModTime: time.Date(2027, 1, 1, 6, 25, 0, 0, time.UTC)}
	hits, st := readAll(t, []byte(syslogText), opts, Query{})
	if st.Lines != 6 || st.Hits != 4 || st.Other != 1 || st.Bad != 1 || st.Unparsed != 1 {
		t.Fatalf("stats = %+v", st)
	}
	want := []struct {
		t   string
		ua  string
		src string
	}{
		{"2026-12-31T23:59:58Z", "Yealink SIP-T48G 35.80.0.95", "198.51.100.7:5060"},
		{"2027-01-01T00:00:01Z", "Yealink SIP-T48G 35.80.0.95", "198.51.100.7:5060"},
		{"2027-01-01T00:00:02Z", "", "203.0.113.5:5060"},
		{"2027-01-01T00:00:04Z", "", "invalid AddrPort"},
	}
	for i, w := range want {
		h := hits[i]
		if h.Time.Format(time.RFC3339) != w.t || h.UA != w.ua || h.Src.String() != w.src {
			t.Errorf("hit %d = %v %q %v; want %s %q %s", i, h.Time, h.UA, h.Src, w.t, w.ua, w.src)
		}
	}
	if hits[2].HasUA || hits[2].ID != "line 4" {
		t.Errorf("stock line: HasUA=%v ID=%q", hits[2].HasUA, hits[2].ID)
	}
	// Bad and unparsed lines are reported by number, without content.
	got := fmt.Sprint(st.Examples[0].Error(), " | ", st.Examples[1].Error())
	if got != "kamailio.log:5: esquery: unparsable timestamp | kamailio.log:6: esquery: line does not match the pattern" {
		t.Errorf("examples: %s", got)
	}
}

func TestReadLogSyslogWithoutYear(t *testing.T) {
	_, st := readAll(t, []byte(syslogText), FileOptions{}, Query{})
	if st.Hits != 0 || st.Bad != 5 || st.BadByReason[ErrNoYear.Error()] != 4 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestReadLogJournalText(t *testing.T) {
	hits, st := readAll(t, []byte(journalText), FileOptions{}, Query{})
	if st.Hits != 4 || st.Bad != 0 {
		t.Fatalf("stats = %+v", st)
	}
	want := []string{
		`2026-11-29T10:00:01.25Z "Zoiper rv2.10" [2001:db8::1]:5060`,
		`2026-11-29T10:00:01Z "Zoiper rv2.10" [2001:db8::1]:5060`,
		`2026-11-29T10:00:03.5Z "Linphone/5.0" 192.0.2.8:5070`,
		`2026-11-29T10:00:04Z "" 192.0.2.9:5060`,
	}
	for i, w := range want {
		h := hits[i]
		if got := fmt.Sprintf("%s %q %v", h.Time.UTC().Format(time.RFC3339Nano), h.UA, h.Src); got != w {
			t.Errorf("hit %d = %s, want %s", i, got, w)
		}
	}
}

func TestReadLogNDJSON(t *testing.T) {
	hits, st := readAll(t, []byte(ndjsonText), FileOptions{}, Query{})
	if st.Hits != 4 || st.Bad != 2 || st.Other != 1 {
		t.Fatalf("stats = %+v", st)
	}
	want := []string{
		`2026-11-29T10:00:01Z "Yealink SIP-T48G" true 198.51.100.7:5060`,
		`2026-11-29T10:00:02.5Z "Grandstream GXP2170" true 192.0.2.20:5062`,
		`2026-11-29T10:00:03Z "" false 203.0.113.5:5060`,
		`2026-11-29T10:00:04Z "a\ab" true 192.0.2.1:1`,
	}
	for i, w := range want {
		h := hits[i]
		if got := fmt.Sprintf("%s %q %v %v", h.Time.UTC().Format(time.RFC3339Nano), h.UA, h.HasUA, h.Src); got != w {
			t.Errorf("hit %d = %s, want %s", i, got, w)
		}
	}
	if st.Examples[0].Line != 5 || !errors.Is(&st.Examples[0], ErrBadJSON) || st.Examples[1].Line != 6 {
		t.Errorf("examples = %v", st.Examples)
	}
}

func TestReadLogFileGzipAndWindow(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	// Two gzip members, as `cat a.gz b.gz` leaves them.
	zw.Write([]byte(journalText[:strings.Index(journalText, "<189>")]))
	zw.Close()
	zw = gzip.NewWriter(&buf)
	zw.Write([]byte(journalText[strings.Index(journalText, "<189>"):]))
	zw.Close()
	path := filepath.Join(t.TempDir(), "kamailio.log.2.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	q := Query{From: time.Date(2026, 11, 29, 10, 0, 2, 0, time.UTC), To: time.Date(2026, 11, 29, 10, 0, 4, 0, time.UTC)}
	var n int
	st, err := ReadLogFile(path, q, FileOptions{}, func(h Hit) error {
		n++
		if h.Index != path {
			t.Errorf("hit index = %q", h.Index)
		}
		return nil
	})
	if err != nil || !st.Gzip || st.Lines != 4 || st.Hits != 1 || st.Outside != 3 || n != 1 {
		t.Fatalf("stats = %+v, err = %v, n = %d", st, err, n)
	}
}

func TestReadLogTruncatedGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Repeat(journalText, 50)))
	zw.Close()
	data := buf.Bytes()[:buf.Len()/2]
	_, err := ReadLog(bytes.NewReader(data), "kamailio.log.3.gz", Query{}, FileOptions{}, func(Hit) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "kamailio.log.3.gz: after line ") {
		t.Fatalf("err = %v, want the file name and line", err)
	}
}

func TestReadLogLongLine(t *testing.T) {
	data := "2026-11-29T10:00:01Z h k: Malformed SIP received. ua: [" + strings.Repeat("A", MaxLineLen) + "] received from <192.0.2.1:1>\n" + journalText
	hits, st := readAll(t, []byte(data), FileOptions{}, Query{})
	if len(hits) != 4 || st.Bad != 1 || st.BadByReason[ErrLineTooLong.Error()] != 1 || st.Lines != 5 {
		t.Fatalf("hits = %d, stats = %+v", len(hits), st)
	}
}

func TestReadLogEmitErrorStops(t *testing.T) {
	stop := errors.New("stop")
	_, err := ReadLog(strings.NewReader(journalText), "x", Query{}, FileOptions{}, func(Hit) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v", err)
	}
}

func TestReadLogFileMissing(t *testing.T) {
	_, err := ReadLogFile(filepath.Join(t.TempDir(), "nope.log"), Query{}, FileOptions{}, func(Hit) error { return nil })
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.log") {
		t.Fatalf("err = %v", err)
	}
}

func TestTallyBucketsAndOverflow(t *testing.T) {
	tl := Tally{Bucket: time.Minute, MaxKeys: 2}
	base := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	src := netip.MustParseAddrPort("192.0.2.1:5060")
	tl.AddHit(Hit{Time: base.Add(59 * time.Second), UA: "A", HasUA: true})
	tl.AddHit(Hit{Time: base.Add(60 * time.Second), UA: "A", HasUA: true})
	tl.AddHit(Hit{Time: base, Src: src})
	tl.AddBucket(Bucket{Start: base, UA: "A", HasUA: true, Count: 5})
	// A third identity evicts the lightest (the source, 1 hit), whose
	// count moves to the overflow bucket.
	tl.AddHit(Hit{Time: base, UA: "B", HasUA: true})
	tl.AddHit(Hit{Time: base, Index: "unparsed"}) // neither UA nor source: no identity
	got := fmt.Sprint(tl.Buckets())
	want := fmt.Sprint([]Bucket{
		{Start: base, UA: "A", HasUA: true, Count: 6},
		{Start: base, UA: "B", HasUA: true, Count: 1},
		{Start: base, Overflow: true, Count: 1},
		{Start: base.Add(time.Minute), UA: "A", HasUA: true, Count: 1},
	})
	folded, exact := tl.FoldedKeys()
	if got != want || tl.OverflowHits != 1 || tl.Total() != 10 || tl.Keys() != 2 || folded != 1 || !exact || tl.Unattributed != 1 {
		t.Errorf("buckets\n got %s\nwant %s (overflow %d, folded %d, unattributed %d, total %d)",
			got, want, tl.OverflowHits, folded, tl.Unattributed, tl.Total())
	}
	if s := BucketStart(time.UnixMilli(-1), time.Minute); s.UnixMilli() != -60000 {
		t.Errorf("BucketStart before epoch = %v", s)
	}
}

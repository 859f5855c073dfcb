package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// logsOut is the part of the analyze JSON the log tests read.
type logsOut struct {
	Logs *struct {
		Inputs []struct {
			Kind       string `json:"kind"`
			Name       string `json:"name"`
			Hits       int64  `json:"hits"`
			Aggregated int64  `json:"aggregated"`
			Paged      int64  `json:"paged"`
			Unparsed   int64  `json:"unparsed"`
			Error      string `json:"error"`
		} `json:"inputs"`
		Hits int64 `json:"hits"`
		UAs  []struct {
			UA         string `json:"ua"`
			Present    bool   `json:"ua_present"`
			Unknown    bool   `json:"unknown"`
			Source     string `json:"source"`
			Hits       uint64 `json:"hits"`
			Attributed uint64 `json:"attributed_by_source"`
		} `json:"uas"`
		Notes []string `json:"notes"`
	} `json:"logs"`
	Cross *struct {
		LogHits          uint64   `json:"log_hits"`
		CaptureMalformed uint64   `json:"capture_malformed"`
		Ratio            *float64 `json:"ratio"`
		Both             int      `json:"uas_in_both"`
		OnlyLogs         int      `json:"uas_only_in_logs"`
		OnlyCapture      int      `json:"uas_only_in_capture"`
		Rows             []struct {
			UA      string   `json:"ua"`
			Unknown bool     `json:"unknown"`
			Source  string   `json:"source"`
			Status  string   `json:"status"`
			LogHits uint64   `json:"log_hits"`
			Capture uint64   `json:"capture_malformed"`
			Ratio   *float64 `json:"ratio"`
			Agree   bool     `json:"agree"`
		} `json:"uas"`
	} `json:"log_crosscheck"`
	Export *struct {
		Messages int64  `json:"messages"`
		Verdicts int64  `json:"verdicts_stored"`
		Rollups  int64  `json:"rollups_stored"`
		Updated  int64  `json:"updated"`
		Rejected int64  `json:"rejected"`
		Unsent   int64  `json:"unsent"`
		NotAdded int64  `json:"not_added"`
		Error    string `json:"error"`
	} `json:"es_export"`
}

// offenderOut is the part of the offender JSON the log tests read.
type offenderOut struct {
	Window struct {
		Source string `json:"source"`
	} `json:"window"`
	Suspects []struct {
		UA              string  `json:"ua"`
		FirstRule       uint32  `json:"first_rule"`
		Messages        uint64  `json:"messages"`
		MessagesCapture uint64  `json:"messages_capture"`
		MessagesLog     uint64  `json:"messages_log"`
		BytesPerMessage float64 `json:"bytes_per_message"`
		CI              struct {
			Low, High float64
		} `json:"bytes_per_message_ci95"`
	} `json:"suspects"`
	Bystanders []struct {
		UA string `json:"ua"`
	} `json:"malformed_without_impact"`
	Remediation []string `json:"remediation"`
	Analysis    logsOut  `json:"analysis"`
}

func leakFile(name string) string { return repo("testdata", "demo", "leak", name) }

// TestAnalyzeLogsOnlyLeakDemo: the leak demo's Kamailio log (one line per
// request Kamailio rejected; the Yealink's with its UA, the Grandstream's
// stock lines without) and its memory recording, no capture: the logs alone
// find the Yealink and its bytes per message (truth: 456.0 B, run.json),
// and the Grandstream's UA-less lines stay an unknown UA by address.
func TestAnalyzeLogsOnlyLeakDemo(t *testing.T) {
	code, stdout, stderr := runCmd(t, "analyze", "--logs", leakFile("kamailio.log"), "--memory", leakFile("mem.jsonl"), "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var o offenderOut
	if err := json.Unmarshal([]byte(stdout), &o); err != nil {
		t.Fatal(err)
	}
	if o.Window.Source != "log" || len(o.Suspects) != 1 {
		t.Fatalf("window source %q, suspects %+v", o.Window.Source, o.Suspects)
	}
	s := o.Suspects[0]
	if s.UA != "Yealink SIP-T48G 35.72.188.7" || s.FirstRule != correlate.RuleUnknown || s.MessagesLog != 404 || s.MessagesCapture != 0 {
		t.Errorf("suspect %+v", s)
	}
	if s.BytesPerMessage < 440 || s.BytesPerMessage > 470 || s.CI.Low > 456 || s.CI.High < 450 {
		t.Errorf("bytes per message %.1f [%.1f, %.1f], truth 456.0", s.BytesPerMessage, s.CI.Low, s.CI.High)
	}
	if len(o.Bystanders) != 1 || o.Bystanders[0].UA != "(unknown UA from 127.0.0.3)" {
		t.Errorf("bystanders %+v", o.Bystanders)
	}
	l := o.Analysis.Logs
	if l == nil || l.Hits != 1032 || len(l.UAs) != 2 || l.UAs[0].Hits != 628 || !l.UAs[0].Unknown || l.UAs[0].Source != "127.0.0.3" ||
		l.UAs[1].Hits != 404 || l.UAs[1].UA != "Yealink SIP-T48G 35.72.188.7" {
		t.Errorf("logs section %+v", l)
	}
	if o.Analysis.Cross != nil {
		t.Errorf("cross-check without a capture: %+v", o.Analysis.Cross)
	}
}

// TestAnalyzeLogsWithCaptureLeakDemo: with the capture, the UA-less lines
// are attributed by source address, the capture's rule names the check
// (so the remediation is written), the capture is the regressed source,
// and the cross-check finds both UAs in both with equal counts.
func TestAnalyzeLogsWithCaptureLeakDemo(t *testing.T) {
	code, stdout, stderr := runCmd(t, "analyze", "--logs", leakFile("kamailio.log"), "--memory", leakFile("mem.jsonl"),
		"--format", "json", leakFile("edge.pcapng"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var o offenderOut
	if err := json.Unmarshal([]byte(stdout), &o); err != nil {
		t.Fatal(err)
	}
	if o.Window.Source != "capture" || len(o.Suspects) != 1 || o.Suspects[0].FirstRule != 512 ||
		o.Suspects[0].MessagesCapture != 404 || o.Suspects[0].MessagesLog != 404 {
		t.Fatalf("window %q suspects %+v", o.Window.Source, o.Suspects)
	}
	if !strings.Contains(strings.Join(o.Remediation, "\n"), `"default_checks", 2535`) {
		t.Errorf("remediation %q", o.Remediation)
	}
	l := o.Analysis.Logs
	if l == nil || len(l.UAs) != 2 || l.UAs[0].UA != "Grandstream GXP1625 1.0.4.128" || l.UAs[0].Attributed != 628 {
		t.Errorf("UA-less lines not attributed by address: %+v", l)
	}
	x := o.Analysis.Cross
	if x == nil || x.LogHits != 1032 || x.CaptureMalformed != 1032 || x.Both != 2 || x.OnlyLogs != 0 || x.OnlyCapture != 0 {
		t.Fatalf("cross-check %+v", x)
	}
	for _, r := range x.Rows {
		if r.Status != "both" || !r.Agree || r.Ratio == nil || *r.Ratio != 1 {
			t.Errorf("row %+v", r)
		}
	}
}

// TestAnalyzeLogsCrossCheckDisagreement: a log with a UA the capture never
// saw, missing lines of another, and a stock line from an unknown address,
// against the leak demo's capture.
func TestAnalyzeLogsCrossCheckDisagreement(t *testing.T) {
	b, err := os.ReadFile(leakFile("kamailio.log"))
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	dropped := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		// Drop every second Yealink line: the log lost half of them.
		if strings.Contains(line, "Yealink") {
			if dropped++; dropped%2 == 0 {
				continue
			}
		}
		keep = append(keep, line)
	}
	keep = append(keep,
		"2026-11-29T16:08:00.000000+00:00 edge1 kamailio[27495]: NOTICE: <script>: Malformed SIP received. ua: [=cmd|' /C calc'!A0 \x1b[31m] received from <127.0.0.9:5060>",
		"2026-11-29T16:08:01.000000+00:00 edge1 kamailio[27495]: ERROR: <script>: Malformed SIP request from 192.0.2.77:5060",
		"2026-11-29T18:00:00.000000+00:00 edge1 kamailio[27495]: ERROR: <script>: Malformed SIP request from 127.0.0.3:5060") // after the capture
	path := filepath.Join(t.TempDir(), "kamailio.log")
	if err := os.WriteFile(path, []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--logs", path, "--format", "json", leakFile("edge.pcapng"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var o logsOut
	if err := json.Unmarshal([]byte(stdout), &o); err != nil {
		t.Fatal(err)
	}
	x := o.Cross
	if x == nil {
		t.Fatal("no cross-check")
	}
	got := map[string]string{}
	for _, r := range x.Rows {
		ratio := "-"
		if r.Ratio != nil {
			ratio = strconv.FormatFloat(*r.Ratio, 'g', -1, 64)
		}
		name := r.UA
		if r.Unknown {
			name = "unknown " + r.Source
		}
		got[name] = fmt.Sprintf("%s %d/%d %s %v", r.Status, r.LogHits, r.Capture, ratio, r.Agree)
	}
	want := map[string]string{
		"Grandstream GXP1625 1.0.4.128": "both 628/628 1 true",
		"Yealink SIP-T48G 35.72.188.7":  "both 202/404 0.5 false",
		"=cmd|' /C calc'!A0 \x1b[31m":   "logs_only 1/0 - false",
		"unknown 192.0.2.77":            "logs_only 1/0 - false",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%q: %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) || x.Both != 2 || x.OnlyLogs != 2 || x.OnlyCapture != 0 || x.LogHits != 832 || x.CaptureMalformed != 1032 {
		t.Errorf("cross-check %+v", x)
	}
	// The table and CSV show the hostile UA inert.
	for _, format := range []string{"table", "csv"} {
		code, out, stderr := runCmd(t, "analyze", "--logs", path, "--format", format, leakFile("edge.pcapng"))
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		if strings.ContainsRune(out, 0x1b) {
			t.Errorf("%s: an escape character reached the output", format)
		}
		if format == "csv" {
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if h := recs[0]; h[len(h)-4] != "log_status" {
				t.Errorf("csv header %q", h)
			}
			found := false
			for _, r := range recs[1:] {
				if strings.HasPrefix(r[0], "'=cmd") && r[len(r)-4] == "logs_only" && r[len(r)-3] == "1" {
					found = true
				}
				if r[0] == "Yealink SIP-T48G 35.72.188.7" && (r[len(r)-4] != "both" || r[len(r)-3] != "202" || r[len(r)-2] != "404") {
					t.Errorf("yealink csv row %q", r)
				}
			}
			if !found {
				t.Errorf("no defused logs-only row in\n%s", out)
			}
		}
	}
}

// TestAnalyzeLogsBadInput: an unreadable log file makes the run exit 1 with
// the file named, the report is still written, and the good file counts.
func TestAnalyzeLogsBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "truncated.log.gz")
	if err := os.WriteFile(bad, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--logs", bad+","+leakFile("kamailio.log"), "--logs", filepath.Join(dir, "missing.log"), "--format", "json")
	if code != exitInput {
		t.Fatalf("exit %d, want %d: %s", code, exitInput, stderr)
	}
	if !strings.Contains(stderr, "truncated.log.gz") || !strings.Contains(stderr, "missing.log") {
		t.Errorf("stderr does not name the files: %s", stderr)
	}
	var o logsOut
	if err := json.Unmarshal([]byte(stdout), &o); err != nil {
		t.Fatal(err)
	}
	if o.Logs == nil || len(o.Logs.Inputs) != 3 || o.Logs.Hits != 1032 || o.Logs.Inputs[0].Error == "" || o.Logs.Inputs[2].Error == "" {
		t.Errorf("logs %+v", o.Logs)
	}
}

func TestLogFlagsUsageErrors(t *testing.T) {
	pcap := leakFile("edge.pcapng")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--es-mode", "fast", pcap}, "--es-mode"},
		{[]string{"--es-pattern", "(", pcap}, "--es-pattern"},
		{[]string{"--es-pattern", "Malformed (?P<ua>.*)", "--logs", "x.log"}, "--es-pattern"},
		{[]string{"--es-from", "yesterday", pcap}, "--es-from"},
		{[]string{"--es-from", "2026-11-29", "--es-to", "2026-11-28", pcap}, "after"},
		{[]string{"--logs-tz", "Mars/Olympus", "--logs", "x.log"}, "--logs-tz"},
		{[]string{"--es", "http://127.0.0.1:9"}, "time window"},
		{[]string{"--from-es", "v", "--es", "http://127.0.0.1:9", "--memory", "m", pcap}, "either CAPTURE"},
		{[]string{"--es", "http://127.0.0.1:9", "--es-export", "v", "--logs", "x.log"}, "CAPTURE"},
		{[]string{"--es", "http://127.0.0.1:9", "--es-export", "v", "--from-es", "v", "--memory", "m"}, "CAPTURE"},
		{[]string{"--es-timeout", "0s", "--logs", "x.log"}, "--es-timeout"},
	} {
		code, _, stderr := runCmd(t, append([]string{"analyze"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want exit 2 mentioning %q", tc.args, code, stderr, tc.want)
		}
	}
	// Without any URL, --es-export cannot run.
	t.Setenv("SIPCORR_ES_URL", "")
	if code, _, stderr := runCmd(t, "analyze", "--es-export", "v", pcap); code != exitUsage || !strings.Contains(stderr, "SIPCORR_ES_URL") {
		t.Errorf("--es-export without URL: exit %d %q", code, stderr)
	}
}

func TestLogFlagsConfig(t *testing.T) {
	env := map[string]string{"SIPCORR_ES_URL": "http://a:9200", "SIPCORR_ES_USERNAME": "envuser", "SIPCORR_ES_PASSWORD": "s3cret",
		"SIPCORR_ES_API_KEY": "envkey"}
	getenv := func(k string) string { return env[k] }
	var f logFlags
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	if err := fs.Parse([]string{"--es", "https://u:p@b:9200, http://c:9200", "--es-user", "flaguser", "--es-timeout", "5s",
		"--es-sniff", "--es-ca", "/etc/ca.pem", "--es-insecure", "--es-phrase", "Bad SIP", "--es-phrase", "Broken SIP,Worse SIP", "--logs", "a.log,b.log", "--logs", "c.log"}); err != nil {
		t.Fatal(err)
	}
	cfg := f.config(getenv)
	if strings.Join(cfg.URLs, " ") != "https://u:p@b:9200 http://c:9200" || cfg.Username != "flaguser" || cfg.Password != "s3cret" ||
		cfg.APIKey != "envkey" || cfg.Timeout != 5*time.Second || !cfg.Sniff || !cfg.Insecure || cfg.CAFile != "/etc/ca.pem" {
		t.Errorf("config %#v", cfg)
	}
	if got := esName(cfg); got != "https://b:9200,http://c:9200" || strings.Contains(got, "p@") {
		t.Errorf("esName %q", got)
	}
	if q := f.query(); strings.Join(q.Phrases, "|") != "Bad SIP|Broken SIP|Worse SIP" || q.Indices != "logstash-*,filebeat-*" {
		t.Errorf("query %+v", q)
	}
	if strings.Join(f.logs, "|") != "a.log|b.log|c.log" {
		t.Errorf("logs %q", f.logs)
	}
	if !f.queryLogs() || !f.inputs() {
		t.Error("--es alone queries the logs")
	}
	f.esExport = "v"
	if f.queryLogs() {
		t.Error("--es with --es-export queries the logs only with an explicit --es-index")
	}
}

func TestParseWhenAndBucket(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-29T10:00:00Z":      "2026-11-29T10:00:00Z",
		"2026-11-29T11:00:00+01:00": "2026-11-29T10:00:00Z",
		"2026-11-29T10:00:00.5Z":    "2026-11-29T10:00:00.5Z",
		"2026-11-29 10:00:00":       "2026-11-29T10:00:00Z",
		"2026-11-29":                "2026-11-29T00:00:00Z",
	} {
		got, err := parseWhen(in)
		if err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("parseWhen(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	t0 := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for span, want := range map[time.Duration]time.Duration{
		time.Hour: time.Second, 24 * time.Hour: time.Second, 28 * time.Hour: 2 * time.Second, 30 * 24 * time.Hour: 26 * time.Second,
	} {
		if got := esBucket(t0, t0.Add(span)); got != want {
			t.Errorf("esBucket(%v) = %v, want %v", span, got, want)
		}
		if n := span / esBucket(t0, t0.Add(span)); n > 100000 {
			t.Errorf("%v: %d buckets", span, n)
		}
	}
}

func TestAddrMapAttribution(t *testing.T) {
	m := newAddrMap()
	a := netip.MustParseAddr
	for range 9 {
		m.add(a("192.0.2.1"), []byte("Yealink"), true)
	}
	m.add(a("192.0.2.1"), nil, false) // a UA-less response of the same phone
	m.add(a("::ffff:192.0.2.2"), []byte("A"), true)
	m.add(a("192.0.2.2"), []byte("B"), true) // NAT: no majority
	m.add(a("192.0.2.3"), nil, false)
	for i := range maxUAsPerAddr + 3 {
		m.add(a("192.0.2.4"), []byte{'a' + byte(i)}, true)
	}
	for _, tc := range []struct {
		addr                   string
		ua                     string
		present, ok, ambiguous bool
	}{
		{"192.0.2.1", "Yealink", true, true, false},
		{"::ffff:192.0.2.1", "Yealink", true, true, false},
		{"192.0.2.2", "", false, false, true},
		{"192.0.2.3", "", false, true, false},
		{"192.0.2.4", "", false, false, true},
		{"192.0.2.9", "", false, false, false},
	} {
		ua, present, ok, amb := m.lookup(a(tc.addr))
		if ua != tc.ua || present != tc.present || ok != tc.ok || amb != tc.ambiguous {
			t.Errorf("%s: %q %v %v %v", tc.addr, ua, present, ok, amb)
		}
	}
	// Bounded: no address beyond maxAddrs is kept.
	big := newAddrMap()
	for i := range maxAddrs + 10 {
		big.add(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), []byte("x"), true)
	}
	if len(big.m) != maxAddrs {
		t.Errorf("%d addresses kept", len(big.m))
	}
	// ... and what was not learned is counted (issue 20: it stopped
	// learning without a word).
	big.add(netip.AddrFrom4([4]byte{10, 0, 0, 5}), []byte("x"), true) // a known one still counts
	if big.unlearned != 10 || len(big.unlearnedAddrs) != 10 {
		t.Errorf("unlearned %d messages from %d addresses, want 10 from 10", big.unlearned, len(big.unlearnedAddrs))
	}
}

func TestAgreeAndRuleNames(t *testing.T) {
	for _, tc := range []struct {
		l, c uint64
		want bool
	}{{0, 0, true}, {2, 0, true}, {3, 0, false}, {100, 91, true}, {100, 89, false}, {628, 628, true}, {202, 404, false}} {
		if agree(tc.l, tc.c) != tc.want {
			t.Errorf("agree(%d, %d) != %v", tc.l, tc.c, tc.want)
		}
	}
	for b := sipparse.Check(1); b <= sipparse.CheckSizes; b <<= 1 {
		if got := ruleBit(b.String()); got != uint32(b) {
			t.Errorf("ruleBit(%q) = %d, want %d", b.String(), got, b)
		}
	}
	if ruleBit(sipparse.RuleNameCoreDrop) != correlate.RuleCoreDrop || ruleBit("") != correlate.RuleUnknown || ruleBit("frobnicate") != correlate.RuleUnknown {
		t.Error("pseudo rules")
	}
}

// TestAnalyzeLogsOnlyCSV: without a capture the CSV still carries the
// log's per-UA counts.
func TestAnalyzeLogsOnlyCSV(t *testing.T) {
	code, stdout, stderr := runCmd(t, "analyze", "--logs", leakFile("kamailio.log"), "--format", "csv")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range recs[1:] {
		got[r[0]] = strings.Join(r[len(r)-4:], ",")
	}
	want := map[string]string{"(unknown UA from 127.0.0.3)": "log,628,,", "Yealink SIP-T48G 35.72.188.7": "log,404,,"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("csv rows %v, want %v", got, want)
	}
}

// TestAnalyzeLogsRotated: the demo log split as logrotate leaves it (the
// older half compressed) gives the same counts as the whole file.
func TestAnalyzeLogsRotated(t *testing.T) {
	b, err := os.ReadFile(leakFile("kamailio.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	half := len(lines) / 2
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(strings.Join(lines[:half], ""))); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	old, cur := filepath.Join(dir, "kamailio.log.1.gz"), filepath.Join(dir, "kamailio.log")
	if err := os.WriteFile(old, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cur, []byte(strings.Join(lines[half:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--logs", old, "--logs", cur, "--format", "json", leakFile("edge.pcapng"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var o logsOut
	if err := json.Unmarshal([]byte(stdout), &o); err != nil {
		t.Fatal(err)
	}
	if o.Logs == nil || o.Logs.Hits != 1032 || len(o.Logs.Inputs) != 2 || o.Cross == nil || o.Cross.LogHits != 1032 || o.Cross.Both != 2 {
		t.Errorf("logs %+v cross %+v", o.Logs, o.Cross)
	}
}

package main

// Tests against the real Elasticsearch node of scripts/es/start.sh:
//
//	export SIPCORR_ES_URL=$(scripts/es/start.sh)   # the URL carries the test user
//	go test ./cmd/sipcorr -run TestNode
//
// Without SIPCORR_ES_URL they skip, except under CI=true, where they fail.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// esNode returns the node's URL (with credentials) or skips.
func esNode(t *testing.T) string {
	t.Helper()
	u := esNodeURL // TestMain took it out of the environment
	if u == "" {
		needs.Skip(t, "no Elasticsearch (SIPCORR_ES_URL is not set): export SIPCORR_ES_URL=$(scripts/es/start.sh) before go test to run against a real node")
	}
	return u
}

// esCall sends one request to the node and returns the status and body;
// the URL's user info becomes basic auth.
func esCall(t *testing.T, base, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimRight(base, "/")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(path, "/_bulk") {
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	c := &http.Client{Timeout: 60 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

var esIndexSeq atomic.Int64

// esTestIndex is an index name unique to the test run; every index and
// template starting with it is deleted at the end.
func esTestIndex(t *testing.T, base, what string) string {
	t.Helper()
	name := fmt.Sprintf("sipcorr-cmdtest-%s-%d-%d", what, os.Getpid(), esIndexSeq.Add(1))
	t.Cleanup(func() {
		esCall(t, base, "DELETE", "/"+name+"*", "")
		esCall(t, base, "DELETE", "/_index_template/"+name+"*", "")
	})
	return name
}

// esSeed creates index with mappings (JSON, "" for dynamic) and bulk-indexes
// docs, then refreshes it.
func esSeed(t *testing.T, base, index, mappings string, docs []map[string]any) {
	t.Helper()
	body := `{"settings":{"number_of_shards":1,"number_of_replicas":0}}`
	if mappings != "" {
		body = `{"settings":{"number_of_shards":1,"number_of_replicas":0},"mappings":` + mappings + `}`
	}
	if code, res := esCall(t, base, "PUT", "/"+index, body); code != 200 {
		t.Fatalf("create %s: %d %s", index, code, res)
	}
	var nd bytes.Buffer
	for _, d := range docs {
		nd.WriteString(`{"index":{}}` + "\n")
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		nd.Write(b)
		nd.WriteByte('\n')
	}
	if len(docs) == 0 {
		return
	}
	code, res := esCall(t, base, "POST", "/"+index+"/_bulk?refresh=true", nd.String())
	if code != 200 || strings.Contains(res, `"errors":true`) {
		t.Fatalf("bulk %s: %d %.500s", index, code, res)
	}
}

const ecsMapping = `{"properties":{"@timestamp":{"type":"date"},"message":{"type":"text"},
  "user_agent":{"properties":{"original":{"type":"keyword"}}},
  "source":{"properties":{"ip":{"type":"ip"},"port":{"type":"long"}}}}}`

var (
	syslogLine = regexp.MustCompile(`^(\S+) \S+ kamailio\[\d+\]: (.*)$`)
	uaLine     = regexp.MustCompile(`ua: \[(.*)\] received from <([0-9.]+):(\d+)>`)
)

// demoLogDocs turns the leak demo's Kamailio log into documents: lines
// with a UA in the ECS shape (message plus user_agent.original, source.ip,
// source.port, as Filebeat's Kamailio pipeline would store them), the
// stock lines without UA as message-only documents, as a bare syslog
// shipper stores them.
func demoLogDocs(t *testing.T) (structured, messageOnly []map[string]any) {
	t.Helper()
	f, err := os.Open(leakFile("kamailio.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := syslogLine.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("unexpected line %q", sc.Text())
		}
		ts, msg := m[1], m[2]
		if u := uaLine.FindStringSubmatch(msg); u != nil {
			var port int
			fmt.Sscan(u[3], &port)
			structured = append(structured, map[string]any{"@timestamp": ts, "message": msg,
				"user_agent": map[string]any{"original": u[1]}, "source": map[string]any{"ip": u[2], "port": port}})
			continue
		}
		messageOnly = append(messageOnly, map[string]any{"@timestamp": ts, "message": msg})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return structured, messageOnly
}

// TestNodeAnalyzeLogs seeds the leak demo's log lines into Elasticsearch in
// both shapes (404 structured Yealink lines, 628 message-only stock lines
// plus 3 unrelated lines), adds lines outside the memory window and a
// hostile UA inside it, and runs analyze --es over the memory's window,
// with and without the capture, in auto and hits mode.
func TestNodeAnalyzeLogs(t *testing.T) {
	base := esNode(t)
	prefix := esTestIndex(t, base, "logs")
	structured, messageOnly := demoLogDocs(t)
	if len(structured) != 404 || len(messageOnly) != 631 {
		t.Fatalf("demo log: %d structured, %d message-only lines", len(structured), len(messageOnly))
	}
	extra := []map[string]any{
		// Outside the memory window (16:07:42.6 – 16:08:59.9): not counted.
		{"@timestamp": "2026-11-29T16:00:00Z", "message": "NOTICE: <script>: Malformed SIP received. ua: [Early Phone] received from <192.0.2.5:5060>"},
		{"@timestamp": "2026-11-29T16:30:00Z", "message": "ERROR: <script>: Malformed SIP request from 127.0.0.3:32911"},
		// Inside, hostile, logs only.
		{"@timestamp": "2026-11-29T16:08:10.5Z", "message": "NOTICE: <script>: Malformed SIP received. ua: [Evil] received from <6.6.6.6:1> \x1b[31m] received from <192.0.2.66:5060>"},
	}
	esSeed(t, base, prefix+"-ecs", ecsMapping, structured)
	esSeed(t, base, prefix+"-msg", "", append(messageOnly, extra...))
	pattern := prefix + "-*"

	for _, mode := range []string{"auto", "hits"} {
		t.Run("logs-only-"+mode, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "analyze", "--es", base, "--es-index", pattern, "--es-mode", mode,
				"--memory", leakFile("mem.jsonl"), "--format", "json")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var o offenderOut
			if err := json.Unmarshal([]byte(stdout), &o); err != nil {
				t.Fatal(err)
			}
			l := o.Analysis.Logs
			if l == nil || len(l.Inputs) != 1 {
				t.Fatalf("logs %+v", l)
			}
			in := l.Inputs[0]
			wantAgg := int64(404)
			if mode == "hits" {
				wantAgg = 0
			}
			if in.Kind != "elasticsearch" || in.Hits != 1033 || in.Aggregated != wantAgg || in.Aggregated+in.Paged != 1033 || in.Error != "" {
				t.Errorf("input %+v", in)
			}
			got := map[string]uint64{}
			for _, u := range l.UAs {
				k := u.UA
				if u.Unknown {
					k = "unknown " + u.Source
				}
				got[k] = u.Hits
			}
			want := map[string]uint64{"Yealink SIP-T48G 35.72.188.7": 404, "unknown 127.0.0.3": 628, "Evil] received from <6.6.6.6:1> \x1b[31m": 1}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("per-UA hits %v, want %v", got, want)
			}
			if len(o.Suspects) != 1 || o.Suspects[0].UA != "Yealink SIP-T48G 35.72.188.7" || o.Window.Source != "log" ||
				o.Suspects[0].BytesPerMessage < 440 || o.Suspects[0].BytesPerMessage > 470 {
				t.Errorf("window %q suspects %+v", o.Window.Source, o.Suspects)
			}
		})
	}
	t.Run("with-capture", func(t *testing.T) {
		code, stdout, stderr := runCmd(t, "analyze", "--es", base, "--es-index", pattern, "--format", "json",
			"--es-from", "2026-11-29T16:07:00Z", "--es-to", "2026-11-29T16:10:00Z", leakFile("edge.pcapng"))
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var o logsOut
		if err := json.Unmarshal([]byte(stdout), &o); err != nil {
			t.Fatal(err)
		}
		x := o.Cross
		if x == nil || x.LogHits != 1033 || x.CaptureMalformed != 1032 || x.Both != 2 || x.OnlyLogs != 1 || x.OnlyCapture != 0 {
			t.Fatalf("cross-check %+v", x)
		}
		for _, r := range x.Rows {
			if r.Status == "both" && (!r.Agree || r.LogHits != r.Capture) {
				t.Errorf("row %+v", r)
			}
		}
	})
}

// TestNodeExportRoundTrip exports the leak demo's verdicts, re-exports them
// (no duplicates), and analyses them back with --from-es: the attribution
// from the index names the Yealink's Proxy-Require check like the capture.
func TestNodeExportRoundTrip(t *testing.T) {
	base := esNode(t)
	index := esTestIndex(t, base, "verdicts")
	export := func() logsOut {
		t.Helper()
		code, stdout, stderr := runCmd(t, "analyze", "--es", base, "--es-export", index, "--es-agent", "edge1", "--format", "json", leakFile("edge.pcapng"))
		if code != exitOK {
			t.Fatalf("export: exit %d: %s", code, stderr)
		}
		var o logsOut
		if err := json.Unmarshal([]byte(stdout), &o); err != nil {
			t.Fatal(err)
		}
		if o.Export == nil {
			t.Fatal("no es_export in the report")
		}
		return o
	}
	first := export()
	if x := first.Export; x.Messages != 1032 || x.Verdicts != 1032 || x.Rollups == 0 || x.Rejected != 0 || x.Unsent != 0 || x.Updated != 0 {
		t.Fatalf("first export %+v", x)
	}
	second := export()
	if x := second.Export; x.Verdicts != 1032 || x.Updated != 1032+first.Export.Rollups {
		t.Errorf("re-export %+v: every document must overwrite its twin", x)
	}
	if code, res := esCall(t, base, "GET", "/"+index+"/_count", ""); code != 200 || !strings.Contains(res, `"count":1032`) {
		t.Errorf("index holds %s after two exports, want 1032 documents", res)
	}

	code, stdout, stderr := runCmd(t, "analyze", "--es", base, "--from-es", index, "--memory", leakFile("mem.jsonl"), "--format", "json")
	if code != exitOK {
		t.Fatalf("--from-es: exit %d: %s", code, stderr)
	}
	var o offenderOut
	if err := json.Unmarshal([]byte(stdout), &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Suspects) != 1 || o.Suspects[0].UA != "Yealink SIP-T48G 35.72.188.7" || o.Suspects[0].FirstRule != 512 ||
		o.Suspects[0].MessagesCapture != 404 || o.Suspects[0].BytesPerMessage < 440 || o.Suspects[0].BytesPerMessage > 470 {
		t.Errorf("suspects from the index %+v", o.Suspects)
	}
	if !strings.Contains(strings.Join(o.Remediation, "\n"), `"default_checks", 2535`) {
		t.Errorf("remediation %q", o.Remediation)
	}
	in := o.Analysis.Logs.Inputs
	if len(in) != 1 || in[0].Kind != "verdicts" || in[0].Hits != 1032 {
		t.Errorf("inputs %+v", in)
	}

	// The verdicts as the capture side of a cross-check with the log file.
	code, stdout, stderr = runCmd(t, "analyze", "--es", base, "--from-es", index, "--logs", leakFile("kamailio.log"),
		"--es-from", "2026-11-29T16:07:00Z", "--es-to", "2026-11-29T16:10:00Z", "--format", "json")
	if code != exitOK {
		t.Fatalf("--from-es --logs: exit %d: %s", code, stderr)
	}
	var lo logsOut
	if err := json.Unmarshal([]byte(stdout), &lo); err != nil {
		t.Fatal(err)
	}
	if x := lo.Cross; x == nil || x.LogHits != 1032 || x.CaptureMalformed != 1032 || x.Both != 1 || x.OnlyLogs != 1 {
		// Without packets there are no source addresses: the stock lines
		// stay an unknown UA, the Grandstream's verdicts capture-only.
		t.Errorf("cross-check %+v", lo.Cross)
	}
}

// TestNodeFailures: wrong password, server down, missing index, mapping
// conflict and bulk 429s each exit 1 with a message naming the server or
// index, never a secret, and the report is still written.
func TestNodeFailures(t *testing.T) {
	base := esNode(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	wrong := *u
	wrong.User = url.UserPassword(u.User.Username(), "not-the-password")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	mem, pcap := leakFile("mem.jsonl"), leakFile("edge.pcapng")

	conflict := esTestIndex(t, base, "conflict")
	esSeed(t, base, conflict, `{"properties":{"user_agent":{"properties":{"original":{"type":"long"}}}}}`, nil)
	foreign := esTestIndex(t, base, "foreign")
	esSeed(t, base, foreign, ecsMapping, []map[string]any{{"@timestamp": "2026-11-29T10:00:00Z", "message": "an operator's log line"}})

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"wrong password", []string{"--es", wrong.String(), "--memory", mem}, []string{u.Host, "authentication failed"}},
		{"wrong password export", []string{"--es", wrong.String(), "--es-export", "x", pcap}, []string{u.Host, "authentication failed"}},
		{"server down", []string{"--es", down, "--memory", mem}, []string{down, "unreachable"}},
		{"missing index", []string{"--es", base, "--es-index", "sipcorr-no-such-index-*", "--memory", mem}, []string{"sipcorr-no-such-index-*", "no such index"}},
		{"mapping conflict", []string{"--es", base, "--es-export", conflict, "--es-export-force", pcap}, []string{conflict, "mapping conflict", "user_agent.original"}},
		// Issue 15: exporting into an operator's log index is refused.
		{"foreign index", []string{"--es", base, "--es-export", foreign, pcap}, []string{foreign, "sipcorr did not create it", "another --es-export name", "--es-export-force"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"analyze", "--format", "json"}, tc.args...)...)
			if code != exitInput {
				t.Fatalf("exit %d, want %d: %s", code, exitInput, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if password != "" && (strings.Contains(stderr, password) || strings.Contains(stdout, password)) {
				t.Error("the password reached the output")
			}
			if strings.Contains(stderr+stdout, "not-the-password") {
				t.Error("the wrong password reached the output")
			}
			var o logsOut
			if err := json.Unmarshal([]byte(stdout), &o); err != nil || len(stdout) < 100 {
				t.Fatalf("no report written (%v): %q", err, stdout)
			}
			if x := o.Export; x != nil && (x.Messages != 1032 || x.NotAdded != 1032 || x.Error == "") {
				t.Errorf("a failed export must count every malformed message as not exported: %+v", x)
			}
		})
	}
	if code, res := esCall(t, base, "GET", "/"+foreign+"/_count", ""); code != 200 || !strings.Contains(res, `"count":1,`) {
		t.Errorf("the refused export touched the operator's index: %d %s", code, res)
	}

	// 429: the flood-stage block makes the node refuse every bulk item with
	// TOO_MANY_REQUESTS; the export retries, then reports every document as
	// rejected and nothing is lost silently.
	t.Run("bulk 429", func(t *testing.T) {
		index := esTestIndex(t, base, "blocked")
		esSeed(t, base, index, "", nil)
		esSeed(t, base, index+"-rollup", "", nil)
		for _, ix := range []string{index, index + "-rollup"} {
			if code, res := esCall(t, base, "PUT", "/"+ix+"/_settings", `{"index.blocks.read_only_allow_delete":true}`); code != 200 {
				t.Fatalf("block %s: %d %s", ix, code, res)
			}
		}
		code, stdout, stderr := runCmd(t, "analyze", "--es", base, "--es-export", index, "--es-export-force", "--es-retries", "1", "--format", "json", pcap)
		if code != exitInput || !strings.Contains(stderr, "429") || !strings.Contains(stderr, index) || !strings.Contains(stderr, "pushes back") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		var o logsOut
		if err := json.Unmarshal([]byte(stdout), &o); err != nil {
			t.Fatal(err)
		}
		x := o.Export
		if x == nil || x.Messages != 1032 || x.Rejected == 0 || x.Verdicts != 0 || x.Error == "" {
			t.Fatalf("export %+v", x)
		}
		if x.Verdicts+x.Rollups+x.Rejected+x.Unsent+x.NotAdded < x.Messages {
			t.Errorf("documents lost: %+v", x)
		}
	})
}

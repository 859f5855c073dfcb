package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const hostileLogUA = "=cmd|' /C calc'!A0\x1b[31m\u202e"

// logsFixture is the analyze fixture with a log signal: a file and an
// Elasticsearch query, per-UA hits (one attributed by address, one unknown
// source, one hostile UA only in the logs), a cross-check and an export
// with rejections.
func logsFixture() *Analysis {
	a := fixture()
	a.Logs = &LogSignal{
		Inputs: []LogInput{
			{Kind: "file", Name: "kamailio.log.1.gz", Lines: 120, Hits: 9, Outside: 2, Other: 108, Bad: 1, Unparsed: 1,
				Examples: []string{"kamailio.log.1.gz:17: esquery: unparsable timestamp"}},
			{Kind: "elasticsearch", Name: "logstash-* @ https://es1:9200", Hits: 4, Aggregated: 3, Paged: 1, Mode: "aggregate+hits"},
		},
		From: t0.Add(-time.Hour), To: t0.Add(time.Hour), Hits: 13,
		UAs: []LogUA{
			{UA: "Yealink SIP-T48G 66.84.0.15", Present: true, Hits: 5, First: t0, Last: t0.Add(40 * time.Second)},
			{UA: "", Present: false, Hits: 3, Attributed: 3, First: t0.Add(7 * time.Second), Last: t0.Add(8 * time.Second)},
			{Unknown: true, Source: "192.0.2.77", Hits: 2, First: t0.Add(-30 * time.Minute), Last: t0.Add(-29 * time.Minute)},
			{UA: hostileLogUA, Present: true, Hits: 1, First: t0.Add(20 * time.Second), Last: t0.Add(20 * time.Second)},
		},
		OtherUAs: 1, OtherHits: 2,
		Cross: &LogCrossCheck{Start: t0, End: t0.Add(40 * time.Second), Bucket: time.Second, LogHits: 6, CaptureMalformed: 6,
			Ratio: 1, Tolerance: "log hits within ±10% (or ±2) of the captured sanity failures",
			Rows: []CrossRow{
				{UA: "Yealink SIP-T48G 66.84.0.15", Present: true, Status: "both", LogHits: 5, Capture: 5, Ratio: 1, Agree: true},
				{UA: "=HYPERLINK(\"x\")\x1b[31m<script>alert(1)</script>", Present: true, Status: "capture_only", Capture: 1},
				{UA: hostileLogUA, Present: true, Status: "logs_only", LogHits: 1},
			},
			Both: 1, OnlyLogs: 1, OnlyCapture: 1, Agree: 1},
		Export: &ExportSummary{Index: "sipcorr-verdicts", Agent: "edge1", Messages: 6, Verdicts: 4, Rollups: 2, Retries: 3,
			Rejected: 2, Rejections: map[string]int64{"HTTP 429 es_rejected_execution_exception: rejected execution": 2},
			Error: "esquery: bulk sipcorr-verdicts: rejected: too many requests (HTTP 429): 2 of 8 documents rejected"},
		Notes: []string{"more than 10000 distinct UAs or sources in the logs: 2 hits counted together"},
	}
	return a
}

func TestWriteLogsGolden(t *testing.T) {
	for _, f := range []Format{FormatTable, FormatJSON, FormatCSV} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteAnalysis(&buf, f, logsFixture()); err != nil {
				t.Fatal(err)
			}
			golden(t, "logs."+string(f), buf.Bytes())
		})
	}
}

// TestLogsJSONKeys pins the keys SCHEMA.md documents for the log signal,
// and that an analysis without logs has none of them.
func TestLogsJSONKeys(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAnalysis(&buf, FormatJSON, logsFixture()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"logs", "log_crosscheck", "es_export"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	var x struct {
		Rows []struct {
			UA    string   `json:"ua"`
			Ratio *float64 `json:"ratio"`
		} `json:"uas"`
	}
	if err := json.Unmarshal(doc["log_crosscheck"], &x); err != nil {
		t.Fatal(err)
	}
	if len(x.Rows) != 3 || x.Rows[2].UA != hostileLogUA || x.Rows[2].Ratio != nil || x.Rows[0].Ratio == nil || *x.Rows[0].Ratio != 1 {
		t.Errorf("rows %+v: JSON keeps raw UAs, a ratio without capture messages is null", x.Rows)
	}
	buf.Reset()
	if err := WriteAnalysis(&buf, FormatJSON, fixture()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"logs"`, `"log_crosscheck"`, `"es_export"`} {
		if strings.Contains(buf.String(), k) {
			t.Errorf("%s in an analysis without logs", k)
		}
	}
}

func TestLogsTableAndCSVNeutraliseHostileUA(t *testing.T) {
	for _, f := range []Format{FormatTable, FormatCSV} {
		var buf bytes.Buffer
		if err := WriteAnalysis(&buf, f, logsFixture()); err != nil {
			t.Fatal(err)
		}
		for _, c := range buf.String() {
			if (c < 0x20 && c != '\n') || c == '\u202e' {
				t.Fatalf("%s: control or bidi character %#x reached the output", f, c)
			}
		}
	}
	var buf bytes.Buffer
	if err := WriteAnalysis(&buf, FormatCSV, logsFixture()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	width := len(recs[0])
	logsOnly := 0
	for _, r := range recs {
		if len(r) != width {
			t.Fatalf("ragged CSV row %q", r)
		}
		if r[width-4] == "logs_only" {
			logsOnly++
			if !strings.HasPrefix(r[0], "'=cmd") {
				t.Errorf("logs-only row not defused: %q", r[0])
			}
		}
	}
	if logsOnly != 1 {
		t.Errorf("%d logs-only rows, want 1", logsOnly)
	}
}

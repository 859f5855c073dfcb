package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNodeZeroHitsExplained: a log query that finds nothing says why in
// the report's notes (issue 15, "no silent answers"), with the indices'
// real time span, the fields they have, or a sample message; hits that
// the pattern attributes to nobody show the newest such message.
func TestNodeZeroHitsExplained(t *testing.T) {
	base := esNode(t)
	prefix := esTestIndex(t, base, "zero")
	malformed := "NOTICE: <script>: Malformed SIP received. ua: [Yealink] received from <192.0.2.1:5060>"
	esSeed(t, base, prefix+"-old", ecsMapping, []map[string]any{
		{"@timestamp": "2026-11-01T08:00:00Z", "message": malformed},
		{"@timestamp": "2026-11-02T08:00:00Z", "message": malformed},
	})
	esSeed(t, base, prefix+"-kw", `{"properties":{"@timestamp":{"type":"date"},"message":{"type":"keyword"},"event":{"properties":{"original":{"type":"text"}}}}}`,
		[]map[string]any{{"@timestamp": "2026-11-29T10:01:00Z", "message": malformed, "event": map[string]any{"original": malformed}}})
	esSeed(t, base, prefix+"-txt", `{"properties":{"@timestamp":{"type":"date"},"message":{"type":"text"}}}`,
		[]map[string]any{{"@timestamp": "2026-11-29T10:01:00Z", "message": malformed}})
	window := []string{"--es-from", "2026-11-29T10:00:00Z", "--es-to", "2026-11-29T10:10:00Z"}

	for _, tc := range []struct {
		name string
		args []string
		hits int64
		want []string // in one note
	}{
		{"outside the window", []string{"--es-index", prefix + "-old"}, 0,
			[]string{"no malformed-SIP line", "lies in the window 2026-11-29 10:00:00Z", "span 2026-11-01 08:00:00Z to 2026-11-02 08:00:00Z", "--es-from"}},
		{"message is keyword", []string{"--es-index", prefix + "-kw"}, 0,
			[]string{"mapped as keyword, not text", "event.original (text)", "Malformed SIP received. ua: [Yealink]"}},
		{"message field absent", []string{"--es-index", prefix + "-txt", "--es-message-field", "log.text"}, 0,
			[]string{`maps the message field "log.text"`, "message (text)", "--es-message-field"}},
		{"pattern matches none", []string{"--es-index", prefix + "-txt", "--es-pattern", `agent=(?P<ua>\S+) from (?P<src>\S+)`}, 1,
			[]string{"pattern matched none of the 1 hits", "ua: [Yealink] received from", "--es-pattern"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"analyze", "--es", base, "--format", "json"}, window...)
			code, stdout, stderr := runCmd(t, append(args, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var o logsOut
			if err := json.Unmarshal([]byte(stdout), &o); err != nil {
				t.Fatal(err)
			}
			if o.Logs == nil || o.Logs.Hits != tc.hits {
				t.Fatalf("logs %+v, want %d hits", o.Logs, tc.hits)
			}
			for _, n := range o.Logs.Notes {
				ok := true
				for _, w := range tc.want {
					ok = ok && strings.Contains(n, w)
				}
				if ok {
					t.Logf("note: %s", n)
					return
				}
			}
			t.Errorf("no note says all of %q: %q", tc.want, o.Logs.Notes)
		})
	}
}

package esquery

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestNodeDiagnose seeds one index per way a log query can find nothing
// and checks that the query does find nothing there, and that Diagnose
// names the cause with the facts: the indices' time span, the fields they
// have, a sample message.
func TestNodeDiagnose(t *testing.T) {
	c := testNode(t)
	ctx := context.Background()
	const textMapping = `{"properties":{"@timestamp":{"type":"date"},"message":{"type":"text"},"host":{"properties":{"name":{"type":"keyword"}}}}}`
	line := func(at time.Time, msg string) map[string]any {
		return map[string]any{"@timestamp": at.Format(time.RFC3339Nano), "message": msg, "host": map[string]any{"name": "edge1"}}
	}
	malformed := "NOTICE: <script>: Malformed SIP received. ua: [Yealink] received from <192.0.2.1:5060>"
	early := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

	for _, tc := range []struct {
		name    string
		mapping string // "-" for no index at all
		docs    []map[string]any
		extra   string
		want    Cause
		check   func(t *testing.T, d Diagnosis)
		text    []string // in Diagnosis.Text
	}{
		{name: "no index", mapping: "-", want: CauseNoIndex, text: []string{"matches no index"}},
		{name: "empty", mapping: textMapping, want: CauseEmpty, text: []string{"hold no document"}},
		{
			name: "outside the window", mapping: textMapping,
			docs: []map[string]any{line(early, "sshd: session opened"), line(early.Add(time.Hour), malformed),
				line(early.Add(48*time.Hour), malformed)},
			want: CauseOutsideWindow,
			check: func(t *testing.T, d Diagnosis) {
				if d.Docs != 3 || d.InWindow != 0 || !d.First.Equal(early) || !d.Last.Equal(early.Add(48*time.Hour)) ||
					d.Phrased != 2 || !d.PhraseFirst.Equal(early.Add(time.Hour)) {
					t.Errorf("%+v", d)
				}
			},
			text: []string{"3 document(s) span 2026-11-01 08:00:00Z to 2026-11-03 08:00:00Z",
				"2 malformed-SIP line(s) 2026-11-01 09:00:00Z to 2026-11-03 08:00:00Z", "Query.From"},
		},
		{
			name:    "message under another field",
			mapping: `{"properties":{"@timestamp":{"type":"date"},"log":{"properties":{"text":{"type":"text"}}},"level":{"type":"keyword"}}}`,
			docs: []map[string]any{{"@timestamp": winFrom.Add(time.Minute).Format(time.RFC3339), "log": map[string]any{"text": malformed},
				"level": "notice"}},
			want: CauseNoMessageField,
			check: func(t *testing.T, d Diagnosis) {
				if d.InWindow != 1 || len(d.Fields) != 3 || d.Fields[0] != "log.text (text)" {
					t.Errorf("fields %q, in window %d", d.Fields, d.InWindow)
				}
			},
			text: []string{`maps the message field "message"`, "log.text (text), @timestamp (date), level (keyword)", "Query.MessageField"},
		},
		{
			name:    "message mapped as keyword",
			mapping: `{"properties":{"@timestamp":{"type":"date"},"message":{"type":"keyword"},"msg_text":{"type":"text"}}}`,
			docs:    []map[string]any{{"@timestamp": winFrom.Add(time.Minute).Format(time.RFC3339), "message": malformed, "msg_text": malformed}},
			want:    CauseMessageNotText,
			check: func(t *testing.T, d Diagnosis) {
				if d.Sample != malformed || len(d.MessageTypes) != 1 || d.MessageTypes[0] != "keyword" {
					t.Errorf("sample %q, types %q", d.Sample, d.MessageTypes)
				}
			},
			text: []string{"mapped as keyword, not text", "msg_text (text)", "Malformed SIP received. ua: [Yealink]"},
		},
		{
			name: "no phrase in the window", mapping: textMapping,
			docs: []map[string]any{line(winFrom.Add(time.Minute), "sshd: session opened"),
				line(winFrom.Add(2*time.Minute), "kamailio: ERROR: <core> tcp_read: bad message"), line(early, malformed)},
			want: CauseNoPhrase,
			check: func(t *testing.T, d Diagnosis) {
				if d.InWindow != 2 || d.PhrasedInWindow != 0 || d.Phrased != 1 || d.Sample != "kamailio: ERROR: <core> tcp_read: bad message" {
					t.Errorf("%+v", d)
				}
			},
			text: []string{"2 document(s) in the window", "Malformed SIP received", "1 malformed-SIP line(s) outside it",
				"tcp_read: bad message", "host.name (keyword)", "Query.Phrases"},
		},
		{
			name: "extra query excludes all", mapping: textMapping, extra: "host.name:edge2",
			docs: []map[string]any{line(winFrom.Add(time.Minute), malformed)},
			want: CauseExtraFilter,
			text: []string{"1 malformed-SIP line(s) in the window", `"host.name:edge2"`, "Yealink"},
		},
		{
			name: "lines are there", mapping: textMapping,
			docs: []map[string]any{line(winFrom.Add(time.Minute), malformed)},
			want: CauseNone,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			index := testIndex(t, c)
			if tc.mapping != "-" {
				createIndex(t, c, index, tc.mapping)
				if len(tc.docs) > 0 {
					seed(t, c, index, tc.docs)
				}
			}
			q := Query{Indices: index + "*", From: winFrom, To: winTo, Extra: tc.extra}
			tally := &Tally{}
			_, err := Collect(ctx, c, q, tally)
			switch {
			case tc.want == CauseNoIndex:
				if !errors.Is(err, ErrIndexNotFound) {
					t.Errorf("Collect: %v, want ErrIndexNotFound", err)
				}
			case err != nil:
				t.Fatal(err)
			case (tally.Total() == 0) != (tc.want != CauseNone):
				t.Errorf("Collect counted %d hits", tally.Total())
			}
			d, err := c.Diagnose(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Cause != tc.want {
				t.Fatalf("cause %s, want %s: %s", d.Cause, tc.want, d.Text)
			}
			for _, w := range tc.text {
				if !strings.Contains(d.Text, w) {
					t.Errorf("text %q does not say %q", d.Text, w)
				}
			}
			if tc.check != nil {
				tc.check(t, d)
			}
			t.Logf("%s: %s", d.Cause, d.Text)
		})
	}
}

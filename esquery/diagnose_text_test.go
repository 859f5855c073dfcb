package esquery

import (
	"strings"
	"testing"
	"time"
)

// TestDiagnosisNamesQueryFields renders every cause's sentence without a
// node: what to check is named by Query's fields (cmd/sipcorr maps them to
// its flags), never by a program's flags.
func TestDiagnosisNamesQueryFields(t *testing.T) {
	q := Query{Indices: "logs-*", From: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		To: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC), Phrases: []string{"Malformed SIP"}}
	for _, c := range []struct {
		cause Cause
		want  []string // Query fields the sentence must name
	}{
		{CauseNoIndex, []string{"Query.Indices"}},
		{CauseEmpty, nil},
		{CauseOutsideWindow, []string{"Query.From", "Query.To", "Query.TimeField"}},
		{CauseNoMessageField, []string{"Query.MessageField"}},
		{CauseMessageNotText, []string{"Query.MessageField"}},
		{CauseNoPhrase, []string{"Query.Phrases", "Query.MessageField"}},
		{CauseExtraFilter, nil},
		{CauseNone, nil},
	} {
		t.Run(string(c.cause), func(t *testing.T) {
			d := &Diagnosis{Cause: c.cause, Indices: []string{"logs-1"}, Fields: []string{"message (text)"}}
			s := d.explain(q, q.fields())
			if s == "" || strings.Contains(s, "--") {
				t.Errorf("%q is empty or names a flag", s)
			}
			for _, w := range c.want {
				if !strings.Contains(s, w) {
					t.Errorf("%q does not name %s", s, w)
				}
			}
		})
	}
}

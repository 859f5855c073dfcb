package esquery

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzParseLine: any message parses without panic; a successful parse has
// a valid source and a UA that is part of the message and bounded.
func FuzzParseLine(f *testing.F) {
	f.Add(`Malformed SIP received. ua: [Yealink SIP-T48G] received from <198.51.100.7:5060>`)
	f.Add(`Malformed SIP request from 2001:db8::5:5062`)
	p, err := NewLineParser(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		l, err := p.Parse(msg)
		if err != nil {
			return
		}
		if !l.Src.IsValid() {
			t.Fatalf("no error but invalid source for %q", msg)
		}
		if len(l.UA) > MaxUALen || !strings.Contains(msg, l.UA) {
			t.Fatalf("UA %q not a bounded part of %q", l.UA, msg)
		}
	})
}

// FuzzReadLogFile: any file content reads without panic, and every line is
// accounted for exactly once (hit, outside the window, other, or bad).
func FuzzReadLogFile(f *testing.F) {
	f.Add([]byte(syslogText))
	f.Add([]byte(journalText))
	f.Add([]byte(ndjsonText))
	mod := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	q := Query{From: winFrom, To: winTo.Add(40 * 24 * time.Hour)}
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int64
		st, err := ReadLog(bytes.NewReader(data), "fuzz.log", q, FileOptions{ModTime: mod}, func(h Hit) error {
			n++
			if h.Time.Before(q.From) || !h.Time.Before(q.To) {
				t.Fatalf("hit outside the window: %v", h.Time)
			}
			return nil
		})
		if n != st.Hits {
			t.Fatalf("%d hits emitted, %d counted", n, st.Hits)
		}
		if err == nil && st.Hits+st.Outside+st.Other+st.Bad != st.Lines {
			t.Fatalf("lines not accounted for: %+v", st)
		}
	})
}

package sipparse

import (
	"strings"
	"testing"
)

// baseInvite is the well-formed request the check tables start from; each
// case edits it with msg(...).
var baseInvite = []string{
	"INVITE sip:bob@biloxi.example.com SIP/2.0",
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
	"Max-Forwards: 70",
	"To: Bob <sip:bob@biloxi.example.com>",
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
	"CSeq: 314159 INVITE",
	"Contact: <sip:alice@pc33.atlanta.example.com>",
	"Content-Length: 0",
}

// edit is one change to baseInvite: replace the line starting with prefix
// (the first line when prefix is ""), delete it (with == "-"), or append
// a header before Content-Length (prefix "+").
type edit struct{ prefix, with string }

func set(prefix, with string) edit { return edit{prefix, with} }
func del(prefix string) edit       { return edit{prefix, "-"} }
func add(line string) edit         { return edit{"+", line} }

// msg builds a CRLF message from baseInvite with edits and an optional body
// appended after the blank line.
func msg(body string, edits ...edit) []byte {
	lines := append([]string(nil), baseInvite...)
	for _, e := range edits {
		switch {
		case e.prefix == "+":
			n := len(lines)
			lines = append(lines[:n-1], e.with, lines[n-1])
		case e.prefix == "":
			lines[0] = e.with
		default:
			for i := 1; i < len(lines); i++ {
				if strings.HasPrefix(lines[i], e.prefix) {
					if e.with == "-" {
						lines = append(lines[:i], lines[i+1:]...)
					} else {
						lines[i] = e.with
					}
					break
				}
			}
		}
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n" + body)
}

// judge parses raw and judges it with cfg.
func judge(t testing.TB, cfg Config, raw []byte) *Verdict {
	t.Helper()
	e := mustEngine(t, cfg)
	var m Message
	_ = Parse(raw, &m) // defects and ErrNotSIP are judged like any message
	v := new(Verdict)
	e.Judge(&m, v)
	return v
}

func cfgFor(t testing.TB, version string, checks Check, uri uint8, pr ...string) Config {
	t.Helper()
	v, err := ParseVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Version: v, Checks: checks, URIChecks: uri, ProxyRequire: pr}
}

// want is the expected verdict of a table case.
type want struct {
	drop   bool
	first  Check
	code   int
	reason string
	nr     bool
}

func checkVerdict(t *testing.T, v *Verdict, w want) {
	t.Helper()
	if v.CoreDrop != w.drop {
		t.Fatalf("CoreDrop = %v (%s), want %v", v.CoreDrop, v.CoreDropReason, w.drop)
	}
	if v.First != w.first || v.Code != w.code || v.Reason != w.reason {
		t.Fatalf("verdict = %v %d %q (failed %v), want %v %d %q\ndetail: %s",
			v.First, v.Code, v.Reason, v.Failed, w.first, w.code, w.reason, v.Detail())
	}
	if v.First != 0 && v.NoReplyFlag != w.nr {
		t.Errorf("NoReplyFlag = %v, want %v", v.NoReplyFlag, w.nr)
	}
	if v.First != 0 && v.Failed&v.First == 0 {
		t.Errorf("First %v not in Failed %v", v.First, v.Failed)
	}
	if v.First != 0 && v.Detail() == "" {
		t.Errorf("empty Detail for %v", v.First)
	}
}

package sipparse

import (
	"errors"
	"testing"
)

// crlf turns "\n" into "\r\n" so fixtures stay readable.
func crlf(s string) []byte {
	b := make([]byte, 0, len(s)+32)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			b = append(b, '\r')
		}
		b = append(b, s[i])
	}
	return b
}

const registerMsg = `REGISTER sip:sip.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a0b1c2d3e4f5a6b7;rport
Max-Forwards: 70
Contact: <sip:2001@192.0.2.10:5060;transport=udp>;expires=3600
To: "2001"<sip:2001@sip.example.com>
From: "2001"<sip:2001@sip.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.com
CSeq: 314159 REGISTER
Expires: 3600
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, SUBSCRIBE
User-Agent: Yealink SIP-T48G 35.72.188.7
Supported: path, gruu
Proxy-Require: sip.mysipproxy.com
Content-Length: 0

`

func TestParseRegister(t *testing.T) {
	var m Message
	if err := Parse(crlf(registerMsg), &m); err != nil {
		t.Fatal(err)
	}
	if !m.IsRequest || string(m.Method) != "REGISTER" || string(m.RequestURI) != "sip:sip.example.com" || string(m.Version) != "SIP/2.0" {
		t.Fatalf("start line: %q %q %q", m.Method, m.RequestURI, m.Version)
	}
	if m.Defects != 0 {
		t.Errorf("defects = %v, want none", m.Defects)
	}
	if got := string(m.UserAgent()); got != "Yealink SIP-T48G 35.72.188.7" {
		t.Errorf("UserAgent = %q", got)
	}
	if got := string(m.Get(HdrProxyRequire)); got != "sip.mysipproxy.com" {
		t.Errorf("Proxy-Require = %q", got)
	}
	if len(m.Headers) != 13 || m.Headers[0].Kind != HdrVia || m.Headers[0].Line != 2 {
		t.Errorf("headers: %d, first %v line %d", len(m.Headers), m.Headers[0].Kind, m.Headers[0].Line)
	}
	if len(m.Body) != 0 || m.Body == nil {
		t.Errorf("body = %q (nil %v)", m.Body, m.Body == nil)
	}
}

func TestParseDefects(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want Defect
		err  error
	}{
		{"lf-only", "OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h\nCall-ID: x\n\n", DefectLFOnly, nil},
		{"no-colon", "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nBroken header\r\n\r\n", DefectNoColon, nil},
		{"no-blank-line", "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n", DefectNoBlankLine, nil},
		{"leading-crlf", "\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n", DefectLeadingWhitespace, nil},
		{"folding", "OPTIONS sip:a@b SIP/2.0\r\nSubject: a\r\n b\r\n\r\n", DefectFolding, nil},
		{"bad-name", "OPTIONS sip:a@b SIP/2.0\r\nX@Y: a\r\n\r\n", DefectBadHeaderName, nil},
		{"cl-mismatch", "OPTIONS sip:a@b SIP/2.0\r\nl: 5\r\n\r\nabc", DefectContentLength, nil},
		{"double-space", "OPTIONS  sip:a@b SIP/2.0\r\n\r\n", DefectBadStartLine, nil},
		{"bad-status", "SIP/2.0 20 OK\r\n\r\n", DefectBadStartLine, nil},
		{"http", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", DefectBadStartLine, ErrNotSIP},
		{"empty", " \r\n\t", 0, ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tt.msg), &m)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if m.Defects&tt.want != tt.want {
				t.Errorf("defects = %v, want %v", m.Defects, tt.want)
			}
		})
	}
}

func TestParseCompactAndFolded(t *testing.T) {
	var m Message
	msg := "INVITE sip:bob@biloxi.example.com SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:a@b>;tag=1\r\nt: sip:bob@biloxi.example.com\r\ni: cid\r\nSubject: first\r\n\t second\r\nm: <sip:a@h>\r\nl: 0\r\n\r\n"
	if err := Parse([]byte(msg), &m); err != nil {
		t.Fatal(err)
	}
	kinds := []HeaderKind{HdrVia, HdrFrom, HdrTo, HdrCallID, HdrSubject, HdrContact, HdrContentLength}
	if len(m.Headers) != len(kinds) {
		t.Fatalf("got %d headers", len(m.Headers))
	}
	for i, k := range kinds {
		if m.Headers[i].Kind != k {
			t.Errorf("header %d kind %v want %v", i, m.Headers[i].Kind, k)
		}
	}
	if got := string(m.Get(HdrSubject)); got != "first\r\n\t second" {
		t.Errorf("folded Subject = %q", got)
	}
}

func TestParseLineNumbersAfterLeadingBlankLines(t *testing.T) {
	var m Message
	if err := Parse([]byte("\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n\r\n"), &m); err != nil {
		t.Fatal(err)
	}
	if m.Headers[0].Line != 4 || m.Headers[1].Line != 5 {
		t.Errorf("lines %d %d, want 4 5", m.Headers[0].Line, m.Headers[1].Line)
	}
}

func TestParseResponse(t *testing.T) {
	var m Message
	if err := Parse([]byte("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h\r\nServer: PBX 1.0\r\n\r\n"), &m); err != nil {
		t.Fatal(err)
	}
	if m.IsRequest || m.StatusCode != 180 || string(m.Reason) != "Ringing" || string(m.UserAgent()) != "PBX 1.0" {
		t.Errorf("got %v %d %q ua %q", m.IsRequest, m.StatusCode, m.Reason, m.UserAgent())
	}
}

func TestKindOfCompactForms(t *testing.T) {
	for name, want := range map[string]HeaderKind{
		"f": HdrFrom, "T": HdrTo, "i": HdrCallID, "v": HdrVia, "m": HdrContact, "l": HdrContentLength,
		"c": HdrContentType, "k": HdrSupported, "s": HdrSubject, "call-id": HdrCallID, "CSEQ": HdrCSeq,
		"proxy-require": HdrProxyRequire, "X-Foo": HdrOther, "n": HdrOther,
	} {
		if got := KindOf([]byte(name)); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", name, got, want)
		}
	}
}

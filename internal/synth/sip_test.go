package synth

import (
	"net/netip"
	"strings"
	"testing"
)

func testParty() Party {
	return Party{User: "1001", Domain: "sip.example.net", Addr: netip.MustParseAddrPort("203.0.113.21:5060"), UA: UAYealink}
}

func TestRequestBytes(t *testing.T) {
	p := testParty()
	m := NewRequest(Request{Method: "REGISTER", RequestURI: "sip:sip.example.net", From: p, To: p,
		CallID: "abc@203.0.113.21", FromTag: "f1", CSeq: 7, Branch: "b1", Expires: 3600})
	want := "REGISTER sip:sip.example.net SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 203.0.113.21:5060;branch=z9hG4bKb1;rport\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: \"1001\" <sip:1001@sip.example.net>;tag=f1\r\n" +
		"To: <sip:1001@sip.example.net>\r\n" +
		"Call-ID: abc@203.0.113.21\r\n" +
		"CSeq: 7 REGISTER\r\n" +
		"Contact: <sip:1001@203.0.113.21:5060>\r\n" +
		"Expires: 3600\r\n" +
		"User-Agent: Yealink SIP-T48G 66.84.0.15\r\n" +
		"Content-Length: 0\r\n\r\n"
	if got := string(m.Bytes()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	r := NewResponse(m, 200, "OK", "t9", ServerEdge)
	if got := string(r.Bytes()); !strings.HasPrefix(got, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP") ||
		!strings.Contains(got, "To: <sip:1001@sip.example.net>;tag=t9\r\n") || strings.Contains(got, "User-Agent") {
		t.Errorf("response:\n%s", got)
	}
}

func TestContentLengthFollowsBody(t *testing.T) {
	p := testParty()
	m := NewRequest(Request{Method: "INVITE", RequestURI: "sip:2000@sip.example.net", From: p, To: p, Body: []byte("v=0\r\n")})
	if !strings.HasSuffix(string(m.Bytes()), "Content-Length: 5\r\n\r\nv=0\r\n") {
		t.Errorf("bad framing:\n%s", m.Bytes())
	}
	m.NoContentLength = true
	if strings.Contains(string(m.Bytes()), "Content-Length") {
		t.Error("NoContentLength ignored")
	}
}

func TestDefectsApply(t *testing.T) {
	p := testParty()
	base := NewRequest(Request{Method: "REGISTER", RequestURI: "sip:sip.example.net", From: p, To: p,
		CallID: "c", FromTag: "f", CSeq: 12, Branch: "b", Expires: 60})
	want := map[Defect]string{
		DefectProxyRequire:  "Proxy-Require: sip.mysipproxy.com\r\n",
		DefectCSeqNumber:    "CSeq: 99999999999 REGISTER\r\n",
		DefectCSeqMethod:    "CSeq: 12 OPTIONS\r\n",
		DefectContentLength: "Content-Length: 10\r\n",
		DefectRURIScheme:    "REGISTER htp:sip.example.net SIP/2.0\r\n",
		DefectVersion:       "REGISTER sip:sip.example.net SIP/3.0\r\n",
		DefectExpires:       "Expires: 3600;x\r\n",
		DefectDupToTag:      "To: <sip:1001@sip.example.net>;tag=a1;tag=b2\r\n",
		DefectNonDigestAuth: "Authorization: Basic ",
	}
	if len(want)+1 != len(AllDefects()) {
		t.Fatalf("test covers %d defects, AllDefects has %d", len(want)+1, len(AllDefects()))
	}
	for _, info := range AllDefects() {
		got := string(info.Defect.Apply(base).Bytes())
		if info.Defect == DefectMissingCallID {
			if strings.Contains(got, "Call-ID") {
				t.Errorf("%s: Call-ID still there", info.Defect)
			}
			continue
		}
		if !strings.Contains(got, want[info.Defect]) {
			t.Errorf("%s: %q not in\n%s", info.Defect, want[info.Defect], got)
		}
		if _, ok := info.Defect.Info(); !ok {
			t.Errorf("%s: no info", info.Defect)
		}
	}
	if strings.Contains(string(base.Bytes()), "Proxy-Require") {
		t.Error("Apply modified its input")
	}
}

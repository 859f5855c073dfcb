package sipparse

import "testing"

func TestCSeqMethod(t *testing.T) {
	for _, tc := range []struct{ cseq, want string }{
		{"101 INVITE", "INVITE"},
		{"  7\tREGISTER  ", "REGISTER"},
		{"1", ""},
		{"", ""},
	} {
		raw := "SIP/2.0 200 OK\r\nCSeq: " + tc.cseq + "\r\n\r\n"
		if tc.cseq == "" {
			raw = "SIP/2.0 200 OK\r\nVia: x\r\n\r\n"
		}
		var m Message
		if err := Parse([]byte(raw), &m); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if got := string(m.CSeqMethod()); got != tc.want {
			t.Errorf("CSeq %q: method %q, want %q", tc.cseq, got, tc.want)
		}
	}
}

// TestRegressionProxyRequireEmptyToken: with proxy_require "foo",
// "Proxy-Require: foo,," fails on the empty token (Kamailio splits on every
// comma and answers 420); UnsupportedToken names it as an empty, non-nil
// token, so the offender card cannot disagree with the verdict.
func TestRegressionProxyRequireEmptyToken(t *testing.T) {
	eng, err := NewEngine(Config{Version: LatestRelease(), Checks: CheckProxyRequire, URIChecks: 7, ProxyRequire: ParseProxyRequireList("foo")})
	if err != nil {
		t.Fatal(err)
	}
	raw := "OPTIONS sip:a@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1\r\nFrom: <sip:b@192.0.2.2>;tag=1\r\n" +
		"To: <sip:a@192.0.2.1>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nProxy-Require: foo,,\r\nContent-Length: 0\r\n\r\n"
	var m Message
	if err := Parse([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	var v Verdict
	eng.Judge(&m, &v)
	if v.First != CheckProxyRequire || v.Code != 420 {
		t.Fatalf("verdict %v %d %q, want 512 420", v.First, v.Code, v.Reason)
	}
	if tok := v.UnsupportedToken(); tok == nil || len(tok) != 0 {
		t.Errorf("UnsupportedToken = %q (nil %v), want an empty non-nil token", tok, tok == nil)
	}
}

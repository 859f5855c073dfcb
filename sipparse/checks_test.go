package sipparse

import "testing"

// checkCase is one table row: a minimal message, a configuration, and the
// verdict Kamailio gives. Rows on 5.6.3 are the ones the real Kamailio
// 5.6.3 confirmed (see internal/kamailiotest); other versions follow the
// reference's version table.
type checkCase struct {
	name   string
	ver    string
	checks Check
	uri    uint8
	pr     []string
	raw    []byte
	w      want
}

const v563 = "5.6.3"

var checkCases = []checkCase{
	// 1 ruri_sip_version
	{"1 SIP/2.0 passes", v563, 1, 7, nil, msg(""), want{}},
	{"1 lowercase sip/2.0 passes", v563, 1, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com sip/2.0")), want{}},
	{"1 SIP/2.00 is 505", v563, 1, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com SIP/2.00")),
		want{first: 1, code: 505, reason: "Version Not Supported (R-URI)"}},
	{"1 SIP/2.0/x is 505", v563, 1, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com SIP/2.0/x")),
		want{first: 1, code: 505, reason: "Version Not Supported (R-URI)"}},
	{"1 SIP/3.0 never reaches sanity", v563, 1, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com SIP/3.0")),
		want{drop: true}},
	{"1 reply reason has no slash", v563, 1, 7, nil, []byte("SIP/2.0 200 OK\r\n" + string(msg("")[len(baseInvite[0])+2:])),
		want{first: 1}},

	// 2 ruri_scheme
	{"2 sips passes", v563, 2, 7, nil, msg("", set("", "INVITE sips:bob@biloxi.example.com SIP/2.0")), want{}},
	{"2 tel passes", v563, 2, 7, nil, msg("", set("", "INVITE tel:+15551234 SIP/2.0")), want{}},
	{"2 tels is rejected", v563, 2, 7, nil, msg("", set("", "INVITE tels:+15551234 SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"2 http scheme", v563, 2, 7, nil, msg("", set("", "INVITE http://biloxi.example.com SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"2 star is too short", v563, 2, 7, nil, msg("", set("", "INVITE * SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"2 port 65535 passes", v563, 2, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com:65535 SIP/2.0")), want{}},
	{"2 port 65536 fails", v563, 2, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com:65536 SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"2 six-digit port fails", v563, 2, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com:005060 SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"2 underscore in host fails on 5.6", v563, 2, 7, nil, msg("", set("", "INVITE sip:bob@bi_loxi.example.com SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"2 empty user fails on 5.6", v563, 2, 7, nil, msg("", set("", "INVITE sip:@biloxi.example.com SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"2 ACK gets no reply", v563, 2, 7, nil, msg("", set("", "ACK tels:1 SIP/2.0"), set("CSeq", "CSeq: 1 ACK")),
		want{first: 2}},

	// 4 required_headers
	{"4 complete passes", v563, 4, 7, nil, msg(""), want{}},
	{"4 missing Call-ID: core drop on 5.6", v563, 4, 7, nil, msg("", del("Call-ID")), want{drop: true}},
	{"4 missing Call-ID: silent, no-reply on 5.2", "5.2.3", 4, 7, nil, msg("", del("Call-ID")), want{first: 4, nr: true}},
	{"4 duplicate Call-ID: bad header on 5.6, no reply can be built", v563, 4, 7, nil,
		msg("", add("Call-ID: second@example.com")), want{first: 4}},
	{"4 duplicate Call-ID passes on 5.2", "5.2.3", 4, 7, nil, msg("", add("Call-ID: second@example.com")), want{}},
	{"4 compact duplicate CSeq", v563, 4, 7, nil, msg("", add("CSeq: 1 INVITE")), want{first: 4}},
	{"4 duplicate Expires is fine", v563, 4, 7, nil, msg("", add("Expires: 1"), add("Expires: 2")), want{}},
	{"4 reply with duplicate From: silent", v563, 4, 7, nil,
		[]byte("SIP/2.0 200 OK\r\n" + string(msg("", add("f: <sip:x@y>;tag=2"))[len(baseInvite[0])+2:])), want{first: 4}},

	// 32 cseq_method
	{"32 same method", v563, 32, 7, nil, msg(""), want{}},
	{"32 case differs", v563, 32, 7, nil, msg("", set("CSeq", "CSeq: 314159 invite")),
		want{first: 32, code: 400, reason: "CSeq method does not match request method"}},
	{"32 lowercase request method is its own spelling", v563, 32, 7, nil,
		msg("", set("", "invite sip:bob@biloxi.example.com SIP/2.0"), set("CSeq", "CSeq: 1 invite")), want{}},

	// 64 cseq_value: both sides of every limit
	{"64 2^32 passes", v563, 64, 7, nil, msg("", set("CSeq", "CSeq: 4294967296 INVITE")), want{}},
	{"64 2^32+1 fails", v563, 64, 7, nil, msg("", set("CSeq", "CSeq: 4294967297 INVITE")),
		want{first: 64, code: 400, reason: "CSeq number is illegal"}},
	{"64 ten digits with zeros pass", v563, 64, 7, nil, msg("", set("CSeq", "CSeq: 0000000001 INVITE")), want{}},
	{"64 eleven digits fail", v563, 64, 7, nil, msg("", set("CSeq", "CSeq: 00000000001 INVITE")),
		want{first: 64, code: 400, reason: "CSeq number is illegal"}},
	{"64 non-digit fails", v563, 64, 7, nil, msg("", set("CSeq", "CSeq: 12a INVITE")),
		want{first: 64, code: 400, reason: "CSeq number is illegal"}},
	{"64 master: 2^31-1 passes", "master", 64, 7, nil, msg("", set("CSeq", "CSeq: 2147483647 INVITE")), want{}},
	{"64 master: 2^31 fails", "master", 64, 7, nil, msg("", set("CSeq", "CSeq: 2147483648 INVITE")),
		want{first: 64, code: 400, reason: "CSeq number is illegal"}},
	{"64 master: leading plus passes", "master", 64, 7, nil, msg("", set("CSeq", "CSeq: +5 INVITE")), want{}},
	{"64 6.1: leading plus fails", "6.1", 64, 7, nil, msg("", set("CSeq", "CSeq: +5 INVITE")),
		want{first: 64, code: 400, reason: "CSeq number is illegal"}},

	// 128 content_length
	{"128 matching body", v563, 128, 7, nil, msg("hello", set("Content-Length", "Content-Length: 5")), want{}},
	{"128 mismatch", v563, 128, 7, nil, msg("hello", set("Content-Length", "Content-Length: 4")),
		want{first: 128, code: 400, reason: "Content-Length mis-match"}},
	{"128 empty body with CL 0 passes", v563, 128, 7, nil, msg(""), want{}},
	{"128 missing CL passes", v563, 128, 7, nil, msg("hello", del("Content-Length")), want{}},
	{"128 LF-only message counts LF bytes", v563, 128, 7, nil,
		[]byte("OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: x\nCSeq: 1 OPTIONS\nl: 3\n\nabc"),
		want{}},
	{"128 no blank line after headers", v563, 128, 7, nil,
		[]byte("OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n"),
		want{first: 128, code: 400, reason: "Content-Length Body Failure"}},
	{"128 alpha value is a header error (no reply can be built)", v563, 128, 7, nil,
		msg("", set("Content-Length", "Content-Length: abc")), want{first: 128}},

	// 256 expires_value
	{"256 3600", v563, 256, 7, nil, msg("", add("Expires: 3600")), want{}},
	{"256 3600 x is cut at the space", v563, 256, 7, nil, msg("", add("Expires: 3600 x")), want{}},
	{"256 3600;x is illegal", v563, 256, 7, nil, msg("", add("Expires: 3600;x")),
		want{first: 256, code: 400, reason: "Expires value is illegal"}},
	{"256 2^32 passes", v563, 256, 7, nil, msg("", add("Expires: 4294967296")), want{}},
	{"256 2^32+1 is illegal", v563, 256, 7, nil, msg("", add("Expires: 4294967297")),
		want{first: 256, code: 400, reason: "Expires value is illegal"}},
	{"256 empty", v563, 256, 7, nil, msg("", add("Expires: ")),
		want{first: 256, code: 400, reason: "Bad Expires Header"}},
	{"256 date form is illegal", v563, 256, 7, nil, msg("", add("Expires: Thu, 01 Dec 1994 16:00:00 GMT")),
		want{first: 256, code: 400, reason: "Expires value is illegal"}},

	// 512 proxy_require
	{"512 the Yealink token vs the empty list", v563, 512, 7, nil, msg("", add("Proxy-Require: sip.mysipproxy.com")),
		want{first: 512, code: 420, reason: "Bad Proxy Require Extension"}},
	{"512 listed token passes", v563, 512, 7, []string{"sip.mysipproxy.com"}, msg("", add("Proxy-Require: sip.mysipproxy.com")), want{}},
	{"512 comparison is case-sensitive", v563, 512, 7, []string{"foo"}, msg("", add("Proxy-Require: FOO")),
		want{first: 512, code: 420, reason: "Bad Proxy Require Extension"}},
	{"512 a,,b needs the empty token listed", v563, 512, 7, []string{"a", "b"}, msg("", add("Proxy-Require: a,,b")),
		want{first: 512, code: 420, reason: "Bad Proxy Require Extension"}},
	{"512 a,,b passes with an empty token in the list", v563, 512, 7, ParseProxyRequireList("a,,b"), msg("", add("Proxy-Require: a,,b")), want{}},
	{"512 foo, has a trailing empty token", v563, 512, 7, []string{"foo"}, msg("", add("Proxy-Require: foo,")),
		want{first: 512, code: 420, reason: "Bad Proxy Require Extension"}},
	{"512 empty header", v563, 512, 7, nil, msg("", add("Proxy-Require: ")),
		want{first: 512, code: 400, reason: "Bad Proxy Require Header"}},
	{"512 only the first header counts", v563, 512, 7, []string{"foo"}, msg("", add("Proxy-Require: foo"), add("Proxy-Require: bar")), want{}},

	// 1024 parse_uris
	{"1024 From unterminated on 5.6", v563, 1024, 2, nil, msg("", set("From", "From: <sip:alice@atlanta.example.com;tag=1")),
		want{first: 1024, code: 400, reason: "Invalid From Header"}},
	{"1024 From unterminated on 5.2", "5.2.3", 1024, 2, nil, msg("", set("From", "From: <sip:alice@atlanta.example.com;tag=1")),
		want{first: 1024, code: 400, reason: "Bad From header"}},
	{"1024 To URI on 5.6 (typo)", v563, 1024, 4, nil, msg("", set("To", "To: <sip:bob@bi_loxi.example.com>")),
		want{first: 1024, code: 400, reason: "Ivalid To Header"}},
	{"1024 To URI on 6.1 (typo fixed)", "6.1", 1024, 4, nil, msg("", set("To", "To: <sip:bob@bi_loxi.example.com>")),
		want{first: 1024, code: 400, reason: "Invalid To Header"}},
	{"1024 To URI on 5.2", "5.2.3", 1024, 4, nil, msg("", set("To", "To: <http://biloxi.example.com>")),
		want{first: 1024, code: 400, reason: "Bad To URI"}},
	{"1024 Contact star is skipped on 5.6.3", v563, 1024, 8, nil, msg("", set("Contact", "Contact: *")), want{}},
	{"1024 Contact URI: the header's last contact is checked", v563, 1024, 8, nil,
		msg("", set("Contact", "Contact: <sip:a@192.0.2.1>, <b@192.0.2.2>")), want{first: 1024, code: 400, reason: "Bad Contact URI"}},
	{"1024 Contact unterminated", v563, 1024, 8, nil, msg("", set("Contact", "Contact: <sip:a@192.0.2.1")),
		want{first: 1024, code: 400, reason: "Bad Contact Header"}},

	// 2048 digest / 8192 authorization
	{"2048 Basic fails silently", v563, 2048, 7, nil, msg("", add("Authorization: Basic QWxhZGRpbjpvcGVu")), want{first: 2048}},
	{"8192 Basic passes", v563, 8192, 7, nil, msg("", add("Authorization: Basic QWxhZGRpbjpvcGVu")), want{}},
	{"2048 complete digest", v563, 2048, 7, nil,
		msg("", add(`Authorization: Digest username="a", realm="r", nonce="n", uri="sip:b", response="0123"`)), want{}},
	{"2048 missing realm", v563, 2048, 7, nil,
		msg("", add(`Authorization: Digest username="a", nonce="n", uri="sip:b", response="0123"`)),
		want{first: 2048, code: 400, reason: "Bad Auth Credentials"}},
	{"2048 empty username", v563, 2048, 7, nil,
		msg("", add(`Authorization: Digest username="", realm="r", nonce="n", uri="sip:b", response="0123"`)),
		want{first: 2048, code: 400, reason: "Auth Empty User"}},
	{"2048 unterminated quote", v563, 2048, 7, nil,
		msg("", add(`Authorization: Digest username="a, realm=r`)), want{first: 2048, code: 400, reason: "Bad Auth Header"}},
	{"2048 qop=auth needs cnonce and nc", v563, 2048, 7, nil,
		msg("", add(`Proxy-Authorization: Digest username="a", realm="r", nonce="n", uri="sip:b", response="0", qop=auth`)),
		want{first: 2048, code: 400, reason: "Bad Auth Credentials"}},

	// 4096 duptags
	{"4096 two From tags", v563, 4096, 7, nil, msg("", set("From", "From: <sip:alice@atlanta.example.com>;tag=1;TAG=2")),
		want{first: 4096, code: 400, reason: "Many From Tag Params"}},
	{"4096 two To tags", v563, 4096, 7, nil, msg("", set("To", "To: <sip:bob@biloxi.example.com>;tag=1;tag=2")),
		want{first: 4096, code: 400, reason: "Many To Tag Params"}},
	{"4096 one tag each", v563, 4096, 7, nil, msg("", set("To", "To: <sip:bob@biloxi.example.com>;tag=9")), want{}},

	// 16384 via1_header and master's 32768 rfc3261
	{"16384 no branch passes on 5.6", v563, 16384, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP pc33.atlanta.example.com")), want{}},
	{"16384 no branch fails on master", "master", 16384, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP pc33.atlanta.example.com")),
		want{first: 16384, nr: true}},
	{"32768 RFC 2543 branch fails", "master", 32768, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h;branch=1234")), want{first: 32768}},
	{"32768 Route without lr fails", "master", 32768, 7, nil, msg("", add("Route: <sip:proxy.example.com>")), want{first: 32768}},
	{"32768 Route with lr passes", "master", 32768, 7, nil, msg("", add("Route: <sip:proxy.example.com;lr>")), want{}},

	// core drops before sanity
	{"core: no Via", v563, 3047, 7, nil, msg("", del("Via")), want{drop: true}},
	{"core: bad Via", v563, 3047, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h;branch=")), want{drop: true}},
	{"core: bad header before Via", v563, 3047, 7, nil, msg("", set("Max-Forwards", "Max Forwards: 70"), set("Via", "Max-Forwards: 70"), add("Via: SIP/2.0/UDP h;branch=z9hG4bK1")), want{drop: true}},
	{"core: message of 16 bytes", v563, 3047, 7, nil, []byte("OPTIONS sip:a SI"), want{drop: true}},
	{"core: HTTP request", v563, 3047, 7, nil, []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), want{drop: true}},

	// order: the first failure in Kamailio's order, not bit order
	{"order: 4 before 1 is not bit order? 1 runs first", v563, 3047, 7, nil,
		msg("", set("", "INVITE sip:bob@biloxi.example.com SIP/2.00"), add("Proxy-Require: x")),
		want{first: 1, code: 505, reason: "Version Not Supported (R-URI)"}},
	{"order: 512 before 2048", v563, 3047, 7, nil,
		msg("", add("Proxy-Require: x"), add("Authorization: Basic x")),
		want{first: 512, code: 420, reason: "Bad Proxy Require Extension"}},
}

func TestChecks(t *testing.T) {
	for _, tc := range checkCases {
		t.Run(tc.name, func(t *testing.T) {
			v := judge(t, cfgFor(t, tc.ver, tc.checks, tc.uri, tc.pr...), tc.raw)
			checkVerdict(t, v, tc.w)
		})
	}
}

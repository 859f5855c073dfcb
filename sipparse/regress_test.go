package sipparse

import "testing"

// oracleRegressions are the disagreements the differential test against the
// real Kamailio 5.6.3 found in earlier versions of this engine (reading the
// reference or the C source alone gave the wrong answer). Each row is named
// after the bug; all rows were confirmed against kamailio 5.6.3.
var oracleRegressions = []checkCase{
	{"MissingFromIsCoreDrop", v563, 4, 7, nil, msg("", del("From")), want{drop: true}},
	{"MissingCSeqInReplyIsCoreDrop", v563, 4, 7, nil,
		[]byte("SIP/2.0 200 OK\r\n" + string(msg("", del("CSeq"))[len(baseInvite[0])+2:])), want{drop: true}},
	{"DuplicateToBeforeCallIDIsCoreDrop", v563, 4, 7, nil, msg("", set("From", "To: Bob <sip:bob@biloxi.example.com>"), add("From: <sip:a@b>;tag=1")), want{drop: true}},
	{"DuplicateMaxForwardsIsHeaderError", v563, 128, 7, nil, msg("", add("Max-Forwards: 69")), want{first: 128}},
	{"DuplicateContentLengthIsHeaderError", v563, 4, 7, nil, msg("", add("Content-Length: 0")), want{first: 4}},
	{"ReplyDuplicateCallIDIsNotHeaderError", v563, 128, 7, nil,
		[]byte("SIP/2.0 200 OK\r\n" + string(msg("", add("Call-ID: 2"))[len(baseInvite[0])+2:])), want{}},
	{"ViaEmptyBranchValueIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=")), want{drop: true}},
	{"ViaEqualsInsideValueIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP 192.0.2.1;rport=5060cbranch=z9hG4bK1")), want{drop: true}},
	{"ViaOtherTransportIsAccepted", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/XYZ 192.0.2.1;branch=z9hG4bK1")), want{}},
	{"ViaEightBitParamValueIsAccepted", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4\xb9Knp1")), want{}},
	{"ViaAtEndOfBufferIsAccepted", v563, 128, 7, nil,
		[]byte("SIP/2.0 180 Ringing\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCall-ID: x\nCSeq: 2 OPTIONS\nContent-Length: 0\nVia: SIP/2.0/UDP pig.iptel.org"),
		want{first: 128}},
	{"HeaderErrorMeansNoReply", v563, 512, 7, nil, msg("", add("Proxy-Require: x"), add("Bad Header: 1")), want{first: 512}},
	{"RURIPortAbove65535", v563, 2, 7, nil, msg("", set("", "INVITE sip:bob@biloxi.example.com:99999 SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"RURIPasswordDigitsCountAsPort", v563, 2, 7, nil, msg("", set("", "SUBSCRIBE sip:sip:123012345678901@example.com SIP/2.0"), set("CSeq", "CSeq: 1 SUBSCRIBE")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"RURIEightBitHost", v563, 2, 7, nil, msg("", set("", "INVITE sip:972@voip.brujula\x8cnet SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"RURIEmptyUser", v563, 2, 7, nil, msg("", set("", "INVITE sip:@127.0.0.1 SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"ContentLengthOverflowIsHeaderError", v563, 4, 7, nil, msg("", set("Content-Length", "Content-Length: 99999999999")), want{first: 4}},
	{"ContentLengthLimitIsIntMaxOverTen", v563, 4, 7, nil, msg("", set("Content-Length", "Content-Length: 2147483640")), want{first: 4}},
	{"ContentLengthBelowLimitParses", v563, 128, 7, nil, msg("", set("Content-Length", "Content-Length: 2147483600")),
		want{first: 128, code: 400, reason: "Content-Length mis-match"}},
	{"ContentLengthFoldedLineParses", v563, 128, 7, nil, msg("hello", set("Content-Length", "Content-Length: 5\r\n ")), want{}},
	{"ViaTransportStartingWithDIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/DCCP h;branch=z9hG4bK1")), want{drop: true}},
	{"ViaCommentAfterHostIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h (c);branch=z9hG4bK1")), want{drop: true}},
	{"ViaCommentAfterParamIsAccepted", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h;branch=z9hG4bK1 (c)")), want{}},
	{"ViaEmptyParamIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h;;branch=z9hG4bK1")), want{drop: true}},
	{"ViaHostAcceptsAnyByte", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h@\xe9x;branch=z9hG4bK1")), want{}},
	{"ViaReceivedWithoutValueIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h;branch=z9hG4bK1;received")), want{drop: true}},
	{"ContactFoldedGarbageIsBadURI", v563, 1024, 8, nil, msg("", add("\tX-Foo: 1")), want{first: 1024, code: 400, reason: "Bad Contact URI"}},
	{"ViaNULInHostEndsTheVia", v563, 4, 7, nil, msg("", del("Via"), add("Via: SIP/2.0/UDP h\x00x;branch=z9hG4bK1")), want{first: 4}},
	{"ViaNULInValueIsCoreDrop", v563, 4, 7, nil, msg("", del("Via"), add("Via: SIP/2.0/UDP h;branch=z9hG4bK1\x00x")), want{drop: true}},
	{"ViaLoneCREndsTheVia", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h;branch=z9hG4bK1\rX-A: b")), want{}},
	{"ViaIPv6CommaIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP [2001:db8:,:9:1];branch=z9hG4bK1")), want{drop: true}},
	{"ViaParamStartingWithColonIsCoreDrop", v563, 1, 7, nil, msg("", set("Via", "Via: SIP/2.0/UDP h;:x;branch=z9hG4bK1")), want{drop: true}},
	{"FromParamCommaIsInvalid", v563, 1024, 2, nil, msg("", set("From", "From: <sip:a@b.com>;x=a,b;tag=1")),
		want{first: 1024, code: 400, reason: "Invalid From Header"}},
	{"FromTagValueCommaIsAccepted", v563, 1024, 2, nil, msg("", set("From", "From: <sip:a@b.com>;tag=1,")), want{}},
	{"ContactEmptyParamNamesAreAccepted", v563, 1024, 8, nil, msg("", set("Contact", "Contact: <sip:c@h>;;x;=1")), want{}},
	{"ContactBareURILosesLastByteAfterName", v563, 1024, 8, nil, msg("", set("Contact", "Contact: x sip:c@h>")), want{}},
	{"ContactClosingBracketFirstIsBadHeader", v563, 1024, 8, nil, msg("", set("Contact", "Contact: <sip:c>@h>")),
		want{first: 1024, code: 400, reason: "Bad Contact Header"}},
	{"RURILeadingAtBeforeUserIsAccepted", v563, 2, 7, nil, msg("", set("", "INVITE sip:@ob@example.com SIP/2.0")), want{}},
	{"RURIUserlessHostAcceptsUnderscore", v563, 2, 7, nil, msg("", set("", "INVITE sip:bi_loxi.example.com SIP/2.0")), want{}},
	{"ContactEmptyParamValueBeforeMoreTextIsBadHeader", v563, 1024, 8, nil, msg("", set("Contact", "Contact: <sip:c@h>;q=;x")),
		want{first: 1024, code: 400, reason: "Bad Contact Header"}},
	{"ContactEmptyParamValueAtEndIsAccepted", v563, 1024, 8, nil, msg("", set("Contact", "Contact: <sip:c@h>;x=")), want{}},
	{"RetryAfterSlashAfterDigitsIsHeaderError", v563, 4, 7, nil, msg("", add("Retry-After: 9493028385/0302")), want{first: 4}},
	{"RetryAfterTextAfterSpaceIsAccepted", v563, 4, 7, nil, msg("", add("Retry-After: 5 x")), want{}},
	{"ViaPortTextAtEndOfBufferIsAccepted", v563, 4, 7, nil,
		[]byte("OPTIONS sip:c@d SIP/2.0\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCall-ID: x\nCSeq: 2 OPTIONS\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nVia: SIP/2.0/UDP h:o"),
		want{}},
	{"ContactURILeadingAtWithPortIsBadURI", v563, 1024, 8, nil, msg("", set("Contact", "Contact: <sip:@13.20.128.35:9315>")),
		want{first: 1024, code: 400, reason: "Bad Contact URI"}},
	{"RURILeadingAtHostWithParamsFails", v563, 2, 7, nil, msg("", set("", "INVITE sips:@h..;lr SIP/2.0")),
		want{first: 2, code: 400, reason: "Bad Request URI"}},
	{"RURILeadingAtTelPasses", v563, 2, 7, nil, msg("", set("", "INVITE tel:@1.2.3.4;a:b?a=b SIP/2.0")), want{}},
	{"RURIUrnHostAfterColonIgnoresLeadingAt", v563, 2, 7, nil, msg("", set("", "INVITE urn:@1.2.3.4:50x SIP/2.0")), want{}},
	{"ContactListHeadIsLastContact", v563, 1024, 8, nil, msg("", set("Contact", "Contact: <b@192.0.2.2>, <sip:a@192.0.2.1>")), want{}},
}

func TestOracleRegressions(t *testing.T) {
	for _, tc := range oracleRegressions {
		t.Run(tc.name, func(t *testing.T) {
			checkVerdict(t, judge(t, cfgFor(t, tc.ver, tc.checks, tc.uri, tc.pr...), tc.raw), tc.w)
		})
	}
}

// TestRegressionViaCommentAndOpenQuote: parse_via takes a comment after the
// host, the port or a parameter (nested parentheses counted), and an
// unterminated quoted generic value that runs to an unfolded line end.
// Expected values: the real Debian 5.6.3 (also 5.2.3 and 6.1.4 agree).
func TestRegressionViaCommentAndOpenQuote(t *testing.T) {
	for _, tc := range []struct {
		via  string
		drop bool
	}{
		{"h (c)", false},
		{"h(c)", false},
		{"h:5060 (c)", false},
		{"h:1(c)", false},
		{"[2001:db8::10] (comment), SIP/2.0/WSS 192.0.2.10", false},
		{"h (c(d))", false},
		{"h (c) (d)", false},
		{"h ( c ) ", false},
		{"h (c), SIP/2.0/UDP g (d)", false},
		{"h;x=1 (c)", false},
		{"h;x=\"q\"(c)", false},
		{"h;x=1 (c);y=2", true},
		{"h (c);b=2", true},
		{"h (c) x", true},
		{"h (c", true},
		{"h (c))", true},
		{"h;x (c)", true},
		{"192.0.2.10;x=\"unterminated;received=192.0.2.99", false},
		{"h;rport=\"abc", false},
		{"h;branch=\"abc", true},
		{"h;x=\"abc\r\n d\"", false},
	} {
		m := msg("", set("Via", "Via: SIP/2.0/UDP "+tc.via))
		v := judge(t, cfgFor(t, "5.6.3", 32767, 15), m)
		if v.CoreDrop != tc.drop {
			t.Errorf("Via %q: core drop %v, want %v (%s)", tc.via, v.CoreDrop, tc.drop, v.Detail())
		}
	}
}

// TestRegressionCoreFromParse60: from 6.0 on get_hdr_field parses From with
// parse_to like To, so a From parse_to rejects is a bad header and the core
// drops the message; up to 5.8 sanity reports it ("Invalid From Header").
// Expected values: the real 5.8.7 and 6.1.4.
func TestRegressionCoreFromParse60(t *testing.T) {
	for _, tc := range []struct {
		from   string
		ver    string
		drop   bool
		reason string
	}{
		{"<sip:1001@example.com", "5.8.7", false, "Invalid From Header"},
		{"<sip:1001@example.com", "6.1.4", true, ""},
		{"<sip:1001@example.com", "6.0.7", true, ""},
		{"<>;tag=1", "5.8.7", false, "Invalid From Header"},
		{"<>;tag=1", "6.1.4", true, ""},
		{"\"unterminated <sip:1001@example.com>", "6.1.4", true, ""},
		{"sip:1001@example.com;tag=1", "6.1.4", false, ""},
		{"\"A\" <sip:1001@example.com>;tag=1;tag=2", "6.1.4", false, "Many From Tag Params"},
	} {
		v := judge(t, cfgFor(t, tc.ver, 32767, 15), msg("", set("From", "From: "+tc.from)))
		if v.CoreDrop != tc.drop || v.Reason != tc.reason {
			t.Errorf("%s From %q: drop %v reason %q, want %v %q", tc.ver, tc.from, v.CoreDrop, v.Reason, tc.drop, tc.reason)
		}
	}
}

// TestRegressionViaEmptyParms: parse_via's F_VIA state eats commas and
// whitespace, so empty via-parms between commas pass; a Via ending after a
// comma is still dropped. Expected values: the real 5.2.3, 5.6.3 and 6.1.4.
func TestRegressionViaEmptyParms(t *testing.T) {
	for _, tc := range []struct {
		via  string
		drop bool
	}{
		{"h;branch=z9,,SIP/2.0/UDP g", false},
		{"h, ,SIP/2.0/UDP g", false},
		{"h;branch=z9 (c), ,SIP/2.0/UDP g", false},
		{"h;rport=;received=1.2.3.4, ,SIP/2.0/UDP g", false},
		{"h,\r\n\tSIP/2.0/UDP g", false},
		{"h,", true},
		{"h, ", true},
		{"h,,", true},
		{"h;branch=z9 (c),", true},
	} {
		for _, ver := range []string{"5.2.3", "5.6.3", "6.1.4"} {
			v := judge(t, cfgFor(t, ver, 32767, 15), msg("", set("Via", "Via: SIP/2.0/UDP "+tc.via)))
			if v.CoreDrop != tc.drop {
				t.Errorf("%s Via %q: core drop %v, want %v (%s)", ver, tc.via, v.CoreDrop, tc.drop, v.Detail())
			}
		}
	}
}

// TestRegressionURIMaddrPrefixAtEnd: parse_uri's end-of-input switch lacks
// the maddr sub-states, so a URI whose last parameter is "ma" .. "maddr="
// does not parse. Expected values: the real 5.6.3 (parse_uri.c of 5.2.3,
// 5.8.7 and 6.1.4 has the same switch).
func TestRegressionURIMaddrPrefixAtEnd(t *testing.T) {
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"sip:1001@example.com;maddr=", false},
		{"sip:1001@example.com;maddr", false},
		{"sip:1001@example.com;ma", false},
		{"sip:1001@example.com;MADD", false},
		{"tel:+1555;ma", false},
		{"sip:1001@example.com;m", true},
		{"sip:1001@example.com;maddr=;lr", true},
		{"sip:1001@example.com;maddr=x", true},
		{"sip:1001@example.com;maddrx", true},
		{"sip:1001@example.com;maddr=?a=b", true},
		{"sip:1001@example.com;mad=1", true},
	} {
		v := judge(t, cfgFor(t, "5.6.3", 32767, 15), msg("", set("", "OPTIONS "+tc.uri+" SIP/2.0"), set("CSeq", "CSeq: 1 OPTIONS")))
		if bad := v.Failed&CheckRURIScheme != 0; bad == tc.ok {
			t.Errorf("R-URI %q: ruri check failed %v, want parse ok %v (%s)", tc.uri, bad, tc.ok, v.Detail())
		}
	}
}

#!/usr/bin/env python3
"""Generates the message files of testdata/sip (run: python3 gen.py .). Each file is one raw SIP
message; INDEX.tsv gets one line per file. Kamailio's verdicts come from the oracle
(go test ./internal/kamailiotest -run Golden -update), never from this script."""
import os, sys
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
files = {}

SDP = ("v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\n"
       "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")

def hdrs(method="INVITE", cseq=None, via="SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
         frm="Alice <sip:alice@example.com>;tag=1928301774", to="Bob <sip:bob@example.com>",
         callid="a84b4c76e66710@pc33.example.com", contact="<sip:alice@192.0.2.1:5060>"):
    h = [("Via", via), ("Max-Forwards", "70"), ("From", frm), ("To", to),
         ("Call-ID", callid), ("CSeq", cseq if cseq is not None else "314159 " + method)]
    if contact is not None:
        h.append(("Contact", contact))
    return h

def build(first, h, body="", cl="auto", eol="\r\n", ua="sipcorr-testdata"):
    """h: list of (name, value) or raw strings. cl='auto' appends a correct Content-Length,
    None appends none, any other string is written as is."""
    lines = [first]
    for x in h:
        lines.append(x if isinstance(x, str) else f"{x[0]}: {x[1]}")
    if ua:
        lines.append(f"User-Agent: {ua}")
    if cl == "auto":
        lines.append(f"Content-Length: {len(body.replace(chr(13)+chr(10), eol).encode())}")
    elif cl is not None:
        lines.append(f"Content-Length: {cl}")
    msg = eol.join(lines) + eol + eol + body.replace("\r\n", eol)
    return msg.encode("latin-1") if isinstance(msg, str) else msg

def add(name, data, desc):
    assert name not in files, name
    if isinstance(data, str):
        data = data.encode("latin-1")
    files[name] = (data, desc)

def req(method="INVITE", ruri="sip:bob@example.com", ver="SIP/2.0", **kw):
    first = kw.pop("first", f"{method} {ruri} {ver}")
    extra = kw.pop("extra", [])
    drop = kw.pop("drop", ())
    body = kw.pop("body", "")
    cl = kw.pop("cl", "auto")
    eol = kw.pop("eol", "\r\n")
    ua = kw.pop("ua", "sipcorr-testdata")
    h = [x for x in hdrs(method, **kw) if x[0] not in drop]
    if body and not any((not isinstance(e, str) and e[0] == "Content-Type") for e in extra):
        extra = extra + [("Content-Type", "application/sdp")]
    return build(first, h + extra, body, cl, eol, ua)

def resp(status="200 OK", method="INVITE", extra=(), drop=(), body="", cl="auto", eol="\r\n", to="Bob <sip:bob@example.com>;tag=a6c85cf", **kw):
    h = [x for x in hdrs(method, to=to, **kw) if x[0] not in drop]
    return build(f"SIP/2.0 {status}", h + list(extra), body, cl, eol, ua="sipcorr-testdata-uas")

# ---- ok: well-formed messages -----------------------------------------------------------
add("ok-invite.sip", req(), "well-formed INVITE, no body")
add("ok-invite-sdp.sip", req(body=SDP), "well-formed INVITE with SDP body")
add("ok-register.sip", req("REGISTER", "sip:example.com", extra=[("Expires", "3600")], to="Alice <sip:alice@example.com>"), "REGISTER with Expires 3600")
add("ok-options.sip", req("OPTIONS", "sip:example.com", extra=[("Accept", "application/sdp")]), "OPTIONS")
add("ok-ack.sip", req("ACK", cseq="314159 ACK", to="Bob <sip:bob@example.com>;tag=a6c85cf"), "ACK in dialog")
add("ok-bye.sip", req("BYE", cseq="314160 BYE", to="Bob <sip:bob@example.com>;tag=a6c85cf"), "BYE")
add("ok-cancel.sip", req("CANCEL", cseq="314159 CANCEL"), "CANCEL")
add("ok-message.sip", req("MESSAGE", "sip:bob@example.com", body="Hello Bob", extra=[("Content-Type", "text/plain")], contact=None), "MESSAGE with text body")
add("ok-subscribe.sip", req("SUBSCRIBE", extra=[("Event", "presence"), ("Expires", "600")]), "SUBSCRIBE with Event and Expires")
add("ok-notify.sip", req("NOTIFY", to="Bob <sip:bob@example.com>;tag=a6c85cf", extra=[("Event", "presence"), ("Subscription-State", "active;expires=600")]), "NOTIFY")
add("ok-compact.sip", build("INVITE sip:bob@example.com SIP/2.0", [
    ("v", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcompact1"), ("f", "<sip:alice@example.com>;tag=1"),
    ("t", "<sip:bob@example.com>"), ("i", "compact-1@example.com"), ("CSeq", "1 INVITE"),
    ("m", "<sip:alice@192.0.2.1>"), ("c", "application/sdp")], SDP, cl=None, ua=None) +
    f"".encode(), "compact header forms v/f/t/i/m/c, no Content-Length (must pass: CL absent passes)")
# the compact file above has no l: header; a second one with l:
add("ok-compact-l.sip", build("INVITE sip:bob@example.com SIP/2.0", [
    ("v", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcompact2"), ("f", "<sip:alice@example.com>;tag=1"),
    ("t", "<sip:bob@example.com>"), ("i", "compact-2@example.com"), ("CSeq", "1 INVITE"),
    ("m", "<sip:alice@192.0.2.1>"), ("c", "application/sdp"), ("l", str(len(SDP)))], SDP, cl=None, ua=None),
    "compact forms including l: (Content-Length)")
add("ok-lowercase-names.sip", build("INVITE sip:bob@example.com SIP/2.0", [
    ("via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKlower"), ("from", "<sip:alice@example.com>;tag=1"),
    ("to", "<sip:bob@example.com>"), ("call-id", "lower@example.com"), ("cseq", "1 INVITE"), ("content-length", "0")], cl=None, ua=None),
    "header names in lower case")
add("ok-folded.sip", req(extra=["Subject: first line", " continued on a folded line"]), "folded header (LWS continuation)")
add("ok-ipv6.sip", req(ruri="sip:bob@[2001:db8::10]:5060", via="SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKv6"), "IPv6 R-URI and Via")
add("ok-lf-only.sip", req(eol="\n"), "whole message with bare LF line ends, no body")
add("ok-lf-only-sdp.sip", req(eol="\n", body=SDP), "bare LF line ends with SDP body; CL counts the LF-only body")

# ---- 1 ruri_sip_version -----------------------------------------------------------------
for name, ver, d in [("sip20", "SIP/2.0", "exact SIP/2.0"), ("lower", "sip/2.0", "lower-case sip/2.0"),
                     ("mixed", "Sip/2.0", "mixed-case Sip/2.0"), ("200", "SIP/2.00", "SIP/2.00 (text after / is not exactly 2.0)"),
                     ("30", "SIP/3.0", "SIP/3.0"), ("21", "SIP/2.1", "SIP/2.1"), ("foo20", "FOO/2.0", "FOO/2.0 (prefix not checked by check 1)"),
                     ("noslash", "SIP2.0", "no slash"), ("slash-only", "SIP/", "nothing after slash"), ("7", "SIP/7.0", "SIP/7.0 (RFC 4475 badvers)"),
                     ("long", "SIP/2.0.0", "SIP/2.0.0"), ("http", "HTTP/1.1", "HTTP/1.1 version")]:
    add(f"1-ver-{name}.sip", req(ver=ver), f"request-line version {d}")
add("1-ver-empty.sip", req(first="INVITE sip:bob@example.com "), "request line with empty version token (trailing space)")
add("1-ver-missing.sip", req(first="INVITE sip:bob@example.com"), "request line with only two tokens")
add("1-ver-trailing-ws.sip", req(first="INVITE sip:bob@example.com SIP/2.0  \t"), "version followed by spaces and a tab")
add("1-ver-tab-sep.sip", req(first="INVITE\tsip:bob@example.com\tSIP/2.0"), "request-line tokens separated by HTAB")

for name, ver, d in [("20x", "SIP/2.0x", "SIP/2.0x"), ("20slash", "SIP/2.0/", "SIP/2.0/"), ("lower200", "sip/2.00", "sip/2.00"),
                     ("201", "SIP/2.01", "SIP/2.01"), ("2", "SIP/2", "SIP/2 (shorter than SIP/2.0)"), ("20space", "SIP/2.0 x", "SIP/2.0 then a fourth token")]:
    add(f"1-ver-{name}.sip", req(ver=ver), f"request-line version {d}")
add("1-ver-200-ack.sip", req("ACK", ver="SIP/2.00", cseq="314159 ACK", to="<sip:bob@example.com>;tag=x"), "ACK with version SIP/2.00 (Kamailio never replies to ACK)")

# ---- 2 ruri_scheme ----------------------------------------------------------------------
for name, ruri, d in [("sip", "sip:bob@example.com", "sip:"), ("sips", "sips:bob@example.com", "sips:"),
                      ("tel", "tel:+15551234567", "tel:"), ("tel-ctx", "tel:1234;phone-context=example.com", "tel: with phone-context"),
                      ("urn", "urn:service:sos", "urn:service:sos"), ("tels", "tels:+15551234567", "tels: (documented but rejected by parse_uri)"),
                      ("http", "http://example.com/", "http:"), ("SIP-upper", "SIP:bob@example.com", "upper-case SIP:"),
                      ("star", "*", "* (length < 5)"), ("port-5digits", "sip:bob@example.com:65535", "5-digit port 65535"),
                      ("port-99999", "sip:bob@example.com:99999", "5-digit port 99999 (> 65535)"),
                      ("port-123456", "sip:bob@example.com:123456", "6-digit port 123456"),
                      ("port-empty", "sip:bob@example.com:", "empty port after colon"), ("port-alpha", "sip:bob@example.com:50a", "port with a letter"),
                      ("nouser", "sip:example.com", "no user part"), ("empty-host", "sip:bob@", "empty host"),
                      ("scheme-only", "sip:", "scheme only"), ("noscheme", "bob@example.com", "no scheme"),
                      ("ipv6", "sip:[2001:db8::1]", "IPv6 reference"), ("ipv6-bad", "sip:[2001:db8::1", "unclosed IPv6 reference"),
                      ("escaped", "sip:%61lice@example.com", "escaped user"), ("params", "sip:bob@example.com;transport=udp;lr", "URI params"),
                      ("headers", "sip:bob@example.com?Subject=hi", "URI headers"), ("angle", "<sip:bob@example.com>", "R-URI in angle brackets"),
                      ("short4", "sip:", "4 characters"), ("user-pass", "sip:bob:secret@example.com", "user:password"),
                      ("long-host", "sip:bob@" + "a" * 250 + ".example.com", "host of 262 characters"),
                      ("ws", "sip:bob@example.com;transport=ws", "transport=ws param")]:
    if name == "short4":
        continue
    add(f"2-ruri-{name}.sip", req(ruri=ruri), f"R-URI {d}")
add("2-ruri-options-star.sip", req("OPTIONS", "*"), "OPTIONS * (asterisk request target)")

# ---- 4 required_headers -----------------------------------------------------------------
for h in ["From", "To", "Call-ID", "CSeq"]:
    add(f"4-missing-{h.lower()}.sip", req(drop=(h,)), f"{h} header missing")
add("4-missing-all.sip", req(drop=("From", "To", "Call-ID", "CSeq")), "From, To, Call-ID and CSeq all missing")
add("4-dup-from.sip", req(extra=[("From", "Mallory <sip:mallory@example.com>;tag=2")]), "two From headers")
add("4-dup-from-compact.sip", req(extra=[("f", "<sip:mallory@example.com>;tag=2")]), "From plus compact f")
add("4-dup-to.sip", req(extra=[("To", "<sip:carol@example.com>")]), "two To headers")
add("4-dup-to-compact.sip", req(extra=[("t", "<sip:carol@example.com>")]), "To plus compact t")
add("4-dup-callid.sip", req(extra=[("Call-ID", "second@example.com")]), "two Call-ID headers")
add("4-dup-callid-compact.sip", req(extra=[("i", "second@example.com")]), "Call-ID plus compact i")
add("4-dup-cseq.sip", req(extra=[("CSeq", "314159 INVITE")]), "two identical CSeq headers")
add("4-dup-via.sip", req(extra=[("Via", "SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2")]), "second Via after the required headers (not a duplicate-check header)")
add("4-callid-empty.sip", req(callid=""), "Call-ID with empty value")
add("4-noname-after.sip", req(extra=["This line has no colon"]), "line without colon after all required headers")
add("4-noname-before.sip", build("INVITE sip:bob@example.com SIP/2.0", [
    ("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnn"), "garbage line without colon",
    ("From", "<sip:alice@example.com>;tag=1"), ("To", "<sip:bob@example.com>"), ("Call-ID", "nn@x"), ("CSeq", "1 INVITE")]),
    "line without colon before From/To/Call-ID/CSeq")
add("4-bad-to-after.sip", req(extra=[("To", "<sip:carol@example.com")]), "second To header that does not parse (unclosed <)")
add("4-space-in-name.sip", req(extra=["X Header: value"]), "header name with a space")

# ---- 8 / 16 via version / protocol (no-ops in 5.6) --------------------------------------
add("8-via-sip30.sip", req(via="SIP/3.0/UDP 192.0.2.1;branch=z9hG4bK8"), "Via SIP/3.0/UDP")
add("16-via-proto-xyz.sip", req(via="SIP/2.0/XYZ 192.0.2.1;branch=z9hG4bK16"), "Via transport XYZ")
add("16-via-proto-tcp.sip", req(via="SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK16t"), "Via transport TCP over UDP")
add("16-via-proto-ws.sip", req(via="SIP/2.0/WS 192.0.2.1;branch=z9hG4bK16w"), "Via transport WS")

# ---- 32 cseq_method ---------------------------------------------------------------------
for name, cseq, d in [("match", "1 INVITE", "method matches"), ("mismatch", "1 BYE", "different method"),
                      ("lower", "1 invite", "method in lower case"), ("prefix", "1 INV", "prefix of the method"),
                      ("longer", "1 INVITEX", "method with extra letters"), ("twospaces", "1  INVITE", "two spaces before method"),
                      ("trailing", "1 INVITE  ", "trailing spaces"), ("nomethod", "1", "number only"),
                      ("nonumber", "INVITE", "method only"), ("ack", "1 ACK", "INVITE with ACK CSeq method"),
                      ("empty", "", "empty CSeq value"), ("tab", "1\tINVITE", "HTAB separator"),
                      ("extra-token", "1 INVITE extra", "extra token after method")]:
    add(f"32-cseq-{name}.sip", req(cseq=cseq), f"CSeq {d}")
add("32-cseq-ack-for-invite.sip", req("ACK", cseq="1 INVITE", to="<sip:bob@example.com>;tag=x"), "ACK carrying CSeq method INVITE")
add("32-cseq-nospace.sip", req(cseq="101INVITE"), "CSeq without space between number and method")

# ---- 64 cseq_value ----------------------------------------------------------------------
for name, num, d in [("0", "0", "zero"), ("max32", "4294967295", "2^32-1"), ("2p32", "4294967296", "2^32 (accepted by 5.6)"),
                     ("2p32p1", "4294967297", "2^32+1"), ("10x9", "9999999999", "ten 9s"), ("11digits", "10000000000", "11 digits"),
                     ("lead0-10", "0000000001", "10 digits with leading zeros"), ("lead0-11", "00000000001", "11 digits with leading zeros"),
                     ("2p31", "2147483648", "2^31"), ("alpha", "1a", "digit then letter"), ("neg", "-1", "negative"),
                     ("plus", "+1", "leading plus"), ("huge", "36893488147419103232", "20 digits (RFC 4475 scalar02)"),
                     ("lead0", "0009", "leading zeros, short"), ("dot", "1.5", "decimal point")]:
    add(f"64-cseq-{name}.sip", req(cseq=f"{num} INVITE"), f"CSeq number {d}")

# ---- 128 content_length -----------------------------------------------------------------
add("128-cl-match.sip", req(body=SDP), "CL equals body length")
add("128-cl-plus1.sip", req(body=SDP, cl=str(len(SDP) + 1)), "CL one more than the body")
add("128-cl-minus1.sip", req(body=SDP, cl=str(len(SDP) - 1)), "CL one less than the body")
add("128-cl-missing-body.sip", req(body=SDP, cl=None), "no CL header, with body")
add("128-cl-missing-nobody.sip", req(cl=None), "no CL header, no body")
add("128-cl-alpha.sip", req(cl="abc"), "CL not a number")
add("128-cl-neg.sip", req(cl="-1"), "CL negative")
add("128-cl-empty.sip", req(cl=""), "CL empty")
add("128-cl-spaces.sip", req(cl="  0  "), "CL with spaces around the number")
add("128-cl-huge.sip", req(cl="99999999999"), "CL with 11 digits")
add("128-cl-9999.sip", req(body=SDP, cl="9999"), "CL far larger than the body (RFC 4475 clerr)")
add("128-cl-zero-with-body.sip", req(body=SDP, cl="0"), "CL 0 but a body follows")
add("128-cl-two-headers.sip", req(body=SDP, extra=[("Content-Length", "5")]), "two CL headers, first one wrong, second right")
add("128-cl-two-headers-first-ok.sip", req(body=SDP, cl=str(len(SDP)), extra=[]) .replace(b"User-Agent", b"Content-Length: 5\r\nUser-Agent"), "two CL headers, right one first")
add("128-cl-compact.sip", req(body=SDP, cl=None, extra=[("l", str(len(SDP)))]), "compact l: matches")
add("128-cl-compact-wrong.sip", req(body=SDP, cl=None, extra=[("l", "10")]), "compact l: wrong")
add("128-cl-lf-only-match.sip", req(body=SDP, eol="\n"), "bare LF everywhere, CL matches LF body")
add("128-cl-lf-only-crlf-count.sip", req(body=SDP, eol="\n", cl=str(len(SDP))), "bare LF everywhere, CL counted for CRLF body")
add("128-cl-no-blank-line.sip", ("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnb\r\n"
    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: nb@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n"),
    "no blank line after the headers")
add("128-cl-bad-after.sip", req(cl="0", extra=[]).replace(b"\r\n\r\n", b"\r\nNo colon here\r\n\r\n"), "header line without colon after CL")
add("128-cl-bad-before.sip", req(cl="0", extra=["No colon here"]), "header line without colon before CL")
add("128-cl-body-crlf-extra.sip", req(body=SDP + "\r\n"), "CL counts an extra trailing CRLF")
add("128-cl-tab.sip", req(cl="\t0"), "CL with leading tab")

# ---- 256 expires_value ------------------------------------------------------------------
for name, val, d in [("3600", "3600", "3600"), ("0", "0", "0"), ("empty", "", "empty"), ("ws", "   ", "whitespace only"),
                     ("semicolon", "3600;x", "3600;x"), ("space-junk", "3600 x", "3600 then space and junk"),
                     ("date", "Thu, 01 Dec 1994 16:00:00 GMT", "RFC 1123 date"), ("2p32", "4294967296", "2^32"),
                     ("2p32p1", "4294967297", "2^32+1"), ("10x9", "9999999999", "ten 9s"), ("11digits", "10000000000", "11 digits"),
                     ("lead0", "0000003600", "10 digits with leading zeros"), ("lead0-11", "00000003600", "11 digits with leading zeros"),
                     ("neg", "-1", "negative"), ("plus", "+60", "leading plus"), ("tab-junk", "60\tx", "60 HTAB junk"),
                     ("huge", "1" + "0" * 100, "1 followed by 100 zeros (RFC 4475 scalar02)"), ("alpha", "abc", "letters")]:
    add(f"256-expires-{name}.sip", req("REGISTER", "sip:example.com", extra=[("Expires", val)], to="<sip:alice@example.com>"), f"Expires {d}")
add("256-expires-two.sip", req("REGISTER", "sip:example.com", extra=[("Expires", "60"), ("Expires", "abc")], to="<sip:alice@example.com>"), "two Expires, second bad")
add("256-expires-two-first-bad.sip", req("REGISTER", "sip:example.com", extra=[("Expires", "abc"), ("Expires", "60")], to="<sip:alice@example.com>"), "two Expires, first bad")
add("256-expires-invite.sip", req(extra=[("Expires", "x")]), "bad Expires on INVITE")

# ---- 512 proxy_require ------------------------------------------------------------------
for name, val, d in [("yealink", "sip.mysipproxy.com", "sip.mysipproxy.com (the Yealink SIP-T48G case)"),
                     ("foo", "foo", "single token foo"), ("Foo", "Foo", "Foo (case differs from foo)"),
                     ("two", "foo, bar", "two tokens"), ("bar-foo", "bar,foo", "bar then foo"), ("empty-mid", "a,,b", "a,,b (empty token kept)"),
                     ("trailing-comma", "foo,", "foo, (empty last token)"), ("leading-comma", ",foo", "leading comma"), ("empty", "", "empty value"),
                     ("ws", "   ", "whitespace only"), ("spaces", "  foo  ", "token with surrounding spaces"),
                     ("inner-space", "foo bar", "token with inner space"), ("quoted", "\"foo\"", "quoted token"),
                     ("100rel", "100rel", "100rel"), ("sec-agree", "sec-agree", "sec-agree (IMS)"), ("tab", "foo\t,\tbar", "tabs around comma")]:
    add(f"512-preq-{name}.sip", req(extra=[("Proxy-Require", val)]), f"Proxy-Require {d}")
add("512-preq-two-headers.sip", req(extra=[("Proxy-Require", "foo"), ("Proxy-Require", "bar")]), "two Proxy-Require headers foo, bar")
add("512-preq-two-headers-rev.sip", req(extra=[("Proxy-Require", "bar"), ("Proxy-Require", "foo")]), "two Proxy-Require headers bar, foo")
add("512-preq-folded.sip", req(extra=["Proxy-Require: foo,", " bar"]), "folded Proxy-Require")
add("512-preq-lower-name.sip", req(extra=[("proxy-require", "foo")]), "lower-case header name")
add("512-preq-register-yealink.sip", req("SUBSCRIBE", "sip:1001@sip.example.com", extra=[("Proxy-Require", "sip.example.com"), ("Event", "message-summary"), ("Expires", "3600")], ua="Yealink SIP-T48G 35.72.188.7"),
    "Yealink SIP-T48G SUBSCRIBE with Proxy-Require (GH #1990 reproduction)")
add("512-preq-ack.sip", req("ACK", cseq="314159 ACK", to="<sip:bob@example.com>;tag=x", extra=[("Proxy-Require", "foo")]), "ACK with Proxy-Require foo (no reply to ACK)")
add("512-preq-cancel.sip", req("CANCEL", cseq="314159 CANCEL", extra=[("Proxy-Require", "foo")]), "CANCEL with Proxy-Require foo")
add("512-preq-empty-token-only.sip", req(extra=[("Proxy-Require", ",")]), "Proxy-Require with a lone comma (two empty tokens)")
add("512-preq-sip-mysipproxy-upper.sip", req(extra=[("Proxy-Require", "SIP.MYSIPPROXY.COM")]), "upper-case sip.mysipproxy.com")
add("512-preq-response.sip", resp(extra=[("Proxy-Require", "foo")]), "200 OK carrying Proxy-Require")

# ---- 1024 parse_uris --------------------------------------------------------------------
for name, frm, d in [("noscheme", "<alice@example.com>;tag=1", "From URI without scheme"),
                     ("empty-uri", "<>;tag=1", "From <>"), ("unclosed", "<sip:alice@example.com;tag=1", "From with unclosed <"),
                     ("bare", "sip:alice@example.com;tag=1", "From addr-spec without <>"), ("http", "<http://example.com>;tag=1", "From http URI"),
                     ("quote-unbalanced", "\"Alice <sip:alice@example.com>;tag=1", "unbalanced quote in display name"),
                     ("bad-port", "<sip:alice@example.com:123456>;tag=1", "From URI port 123456"),
                     ("empty", "", "empty From"), ("ws", "   ", "whitespace-only From"),
                     ("tel", "<tel:+15551234567>;tag=1", "From tel URI"), ("star", "*", "From *"),
                     ("param-noval", "<sip:alice@example.com>;tag=1;foo=", "From param with empty value"),
                     ("display-only", "Alice;tag=1", "display name only")]:
    add(f"1024-from-{name}.sip", req(frm=frm), d)
for name, to, d in [("noscheme", "<bob@example.com>", "To URI without scheme"), ("empty-uri", "<>", "To <>"),
                    ("unclosed", "<sip:bob@example.com", "To with unclosed <"), ("bare", "sip:bob@example.com", "To addr-spec without <>"),
                    ("empty", "", "empty To"), ("bad-port", "<sip:bob@example.com:123456>", "To URI port 123456"),
                    ("http", "<http://example.com>", "To http URI")]:
    add(f"1024-to-{name}.sip", req(to=to), d)
for name, ct, d in [("star", "*", "Contact: * (REGISTER remove all; crashed workers up to 5.6.2)"),
                    ("noscheme", "<alice@192.0.2.1>", "Contact URI without scheme"), ("unclosed", "<sip:alice@192.0.2.1", "Contact with unclosed <"),
                    ("empty", "", "empty Contact"), ("two", "<sip:a@192.0.2.1>, <sip:b@192.0.2.2>", "two contacts in one header"),
                    ("second-bad", "<sip:a@192.0.2.1>, <b@192.0.2.2>", "second contact without scheme"),
                    ("params", "<sip:alice@192.0.2.1>;expires=60;q=0.5", "contact params"),
                    ("bad-port", "<sip:alice@192.0.2.1:123456>", "Contact URI port 123456"), ("http", "<http://example.com/>", "Contact http URI")]:
    add(f"1024-contact-{name}.sip", req("REGISTER", "sip:example.com", to="<sip:alice@example.com>", contact=ct, extra=[("Expires", "0" if name == "star" else "60")]), d)
add("1024-contact-two-headers-second-bad.sip", req(extra=[("Contact", "<bob@192.0.2.9>")]), "second Contact header without scheme")
add("1024-contact-missing.sip", req(contact=None), "no Contact header")

# ---- 2048 digest / 8192 authorization ---------------------------------------------------
DIG = 'Digest username="alice", realm="example.com", nonce="84f1c1ae6cbe5ua9c", uri="sip:bob@example.com", response="7587245234b3434cc3412213e5f113a5"'
for name, val, d in [("digest-ok", DIG, "complete digest credentials"),
                     ("basic", "Basic YWxpY2U6c2VjcmV0", "Basic scheme"),
                     ("ntlm", 'NTLM qop="auth", realm="x", targetname="y"', "NTLM scheme"),
                     ("digest-lower", DIG.replace("Digest", "digest", 1), "lower-case digest scheme"),
                     ("digest-nospace", DIG.replace("Digest ", "Digest,", 1), "Digest followed by comma"),
                     ("digestx", DIG.replace("Digest", "Digestx", 1), "scheme Digestx"),
                     ("digest-alone", "Digest", "Digest without params"), ("digest-space", "Digest ", "Digest and a space"),
                     ("leading-ws", "   " + DIG, "leading whitespace"),
                     ("no-username", DIG.replace('username="alice", ', ''), "missing username"),
                     ("empty-username", DIG.replace('username="alice"', 'username=""'), "empty username"),
                     ("no-realm", DIG.replace('realm="example.com", ', ''), "missing realm"),
                     ("empty-realm", DIG.replace('realm="example.com"', 'realm=""'), "empty realm"),
                     ("no-nonce", DIG.replace('nonce="84f1c1ae6cbe5ua9c", ', ''), "missing nonce"),
                     ("empty-nonce", DIG.replace('nonce="84f1c1ae6cbe5ua9c"', 'nonce=""'), "empty nonce"),
                     ("no-uri", DIG.replace('uri="sip:bob@example.com", ', ''), "missing uri"),
                     ("no-response", DIG.replace(', response="7587245234b3434cc3412213e5f113a5"', ''), "missing response"),
                     ("empty-response", DIG.replace('response="7587245234b3434cc3412213e5f113a5"', 'response=""'), "empty response"),
                     ("qop-auth-ok", DIG + ', qop=auth, nc=00000001, cnonce="0a4f113b"', "qop=auth with nc and cnonce"),
                     ("qop-auth-no-cnonce", DIG + ', qop=auth, nc=00000001', "qop=auth without cnonce"),
                     ("qop-auth-no-nc", DIG + ', qop=auth, cnonce="0a4f113b"', "qop=auth without nc"),
                     ("qop-authint-no-cnonce", DIG + ', qop=auth-int, nc=00000001', "qop=auth-int without cnonce"),
                     ("qop-other", DIG + ', qop=foo', "unknown qop without cnonce"),
                     ("unquoted", 'Digest username=alice, realm=example.com, nonce=abc, uri=sip:bob@example.com, response=def', "unquoted values"),
                     ("unclosed-quote", DIG.replace('response="7587245234b3434cc3412213e5f113a5"', 'response="7587'), "unclosed quote"),
                     ("missing-eq", DIG + ', opaque', "param without ="),
                     ("empty-token", 'Digest username=, realm="x", nonce="n", uri="sip:a@b", response="r"', "empty unquoted value"),
                     ("double-comma", DIG.replace(', realm', ',, realm'), "two commas between params"),
                     ("algorithm", DIG + ', algorithm=MD5', "algorithm=MD5"),
                     ("unknown-param", DIG + ', foo="bar"', "unknown param"),
                     ("upper-names", DIG.replace("username", "USERNAME").replace("nonce", "NONCE"), "upper-case param names")]:
    add(f"2048-auth-{name}.sip", req("REGISTER", "sip:example.com", to="<sip:alice@example.com>", extra=[("Authorization", val)]), f"Authorization: {d}")
add("2048-pauth-digest-ok.sip", req(extra=[("Proxy-Authorization", DIG)]), "Proxy-Authorization complete digest")
add("2048-pauth-basic.sip", req(extra=[("Proxy-Authorization", "Basic YWxpY2U6c2VjcmV0")]), "Proxy-Authorization Basic")
add("2048-pauth-empty-nonce.sip", req(extra=[("Proxy-Authorization", DIG.replace('nonce="84f1c1ae6cbe5ua9c"', 'nonce=""'))]), "Proxy-Authorization empty nonce")
add("2048-auth-basic-then-digest.sip", req("REGISTER", "sip:example.com", to="<sip:alice@example.com>", extra=[("Authorization", "Basic YWxpY2U6c2VjcmV0"), ("Authorization", DIG)]), "Basic first, then Digest")
add("2048-auth-digest-then-basic.sip", req("REGISTER", "sip:example.com", to="<sip:alice@example.com>", extra=[("Authorization", DIG), ("Authorization", "Basic YWxpY2U6c2VjcmV0")]), "Digest first, then Basic")
add("2048-auth-digest-then-bad.sip", req("REGISTER", "sip:example.com", to="<sip:alice@example.com>", extra=[("Authorization", DIG), ("Authorization", DIG.replace('username="alice", ', ''))]), "good Digest then one missing username")
add("2048-auth-and-pauth-bad.sip", req(extra=[("Authorization", DIG), ("Proxy-Authorization", DIG.replace('nonce="84f1c1ae6cbe5ua9c"', 'nonce=""'))]), "good Authorization, Proxy-Authorization with empty nonce")
add("2048-auth-empty.sip", req("REGISTER", "sip:example.com", to="<sip:alice@example.com>", extra=[("Authorization", "")]), "empty Authorization")

# ---- 4096 duptags -----------------------------------------------------------------------
for name, frm, to, d in [("from-two", "<sip:alice@example.com>;tag=1;tag=2", "<sip:bob@example.com>", "two tags in From"),
                         ("from-case", "<sip:alice@example.com>;tag=1;TAG=2", "<sip:bob@example.com>", "tag and TAG in From"),
                         ("to-two", "<sip:alice@example.com>;tag=1", "<sip:bob@example.com>;tag=a;tag=b", "two tags in To"),
                         ("both-two", "<sip:alice@example.com>;tag=1;tag=2", "<sip:bob@example.com>;tag=a;tag=b", "two tags in From and To"),
                         ("from-notag", "<sip:alice@example.com>", "<sip:bob@example.com>;tag=a;tag=b", "From without tag, To with two"),
                         ("to-one", "<sip:alice@example.com>;tag=1", "<sip:bob@example.com>;tag=a", "one tag each"),
                         ("from-empty-tag", "<sip:alice@example.com>;tag=;tag=2", "<sip:bob@example.com>", "From with empty tag then tag"),
                         ("from-tag-novalue", "<sip:alice@example.com>;tag;tag=2", "<sip:bob@example.com>", "From with valueless tag then tag"),
                         ("uri-tag", "<sip:alice@example.com;tag=x>;tag=1", "<sip:bob@example.com>", "tag inside the URI does not count"),
                         ("three", "<sip:alice@example.com>;tag=1;tag=2;tag=3", "<sip:bob@example.com>", "three From tags"),
                         ("bare-two", "sip:alice@example.com;tag=1;tag=2", "<sip:bob@example.com>", "From addr-spec with two tags")]:
    add(f"4096-tags-{name}.sip", req(frm=frm, to=to), d)

# ---- 16384 via1_header / core Via --------------------------------------------------------
add("16384-via-nobranch.sip", req(via="SIP/2.0/UDP 192.0.2.1:5060"), "Via without branch")
add("16384-via-empty-branch.sip", req(via="SIP/2.0/UDP 192.0.2.1:5060;branch="), "Via with empty branch")
add("16384-via-rfc2543-branch.sip", req(via="SIP/2.0/UDP 192.0.2.1:5060;branch=1"), "Via branch without magic cookie")
add("16384-via-empty-host.sip", req(via="SIP/2.0/UDP ;branch=z9hG4bKeh"), "Via with empty host")
add("16384-via-no-host.sip", req(via="SIP/2.0/UDP"), "Via without sent-by")
add("16384-via-bad-port.sip", req(via="SIP/2.0/UDP 192.0.2.1:123456;branch=z9hG4bKbp"), "Via port 123456")
add("16384-via-two-values.sip", req(via="SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb"), "two vias in one header")
add("16384-via-compact.sip", req(drop=("Via",), extra=[("v", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKv")]), "only a compact v: Via, after the other headers")
add("16384-via-rport.sip", req(via="SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKr"), "Via with rport")
add("16384-via-garbage.sip", req(via="garbage"), "Via value garbage")
add("16384-via-second-bad.sip", req(extra=[("Via", "garbage")]), "second Via header garbage")

add("128-cl-body-nul.sip", req(body="a\x00b\x00c", extra=[("Content-Type", "application/octet-stream")]), "body with NUL bytes, CL matches")
add("128-cl-lf-headers-crlf-body.sip", req(eol="\n", body="").replace(b"Content-Length: 0", b"Content-Length: 2") + b"\r\n", "LF-only headers, CL 2 and a CRLF body")
add("128-cl-leading-zeros.sip", req(body=SDP, cl="0" * 5 + str(len(SDP))), "CL with leading zeros")

# ---- core drops (message never reaches the route) ---------------------------------------
add("core-short-15.sip", "INVITE sip:a@b\r\n", "15 bytes")
add("core-short-16.sip", "INVITE sip:a@b S", "16 bytes")
add("core-short-17.sip", "INVITE sip:a@b SI", "17 bytes")
add("core-one-token.sip", req(first="INVITE"), "request line with one token")
add("core-no-via.sip", req(drop=("Via",)), "request without Via")
add("core-via-after-bad.sip", build("INVITE sip:bob@example.com SIP/2.0", ["bad line", ("Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1"),
    ("From", "<sip:a@example.com>;tag=1"), ("To", "<sip:b@example.com>"), ("Call-ID", "c@x"), ("CSeq", "1 INVITE")]), "bad header line before the first Via")
add("core-garbage.sip", "this is not SIP at all, just some text long enough\r\n\r\n", "text that is not SIP")
add("core-crlf-only.sip", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", "CRLFs only (keepalive-like, 20 bytes)")
add("core-nul-in-header.sip", req(extra=[("Subject", "nul\x00byte")]), "NUL byte inside a header value")
add("core-nul-in-ruri.sip", req(ruri="sip:bob\x00@example.com"), "NUL byte inside the R-URI")
add("core-binary.sip", bytes(range(256)) * 2, "512 bytes of binary")
add("core-double-space.sip", req(first="INVITE  sip:bob@example.com SIP/2.0"), "two spaces after the method")
add("core-leading-crlf.sip", b"\r\n" + req(), "CRLF before the request line")
add("core-leading-space.sip", b" " + req(), "space before the request line")
add("core-empty-method.sip", req(first=" sip:bob@example.com SIP/2.0"), "empty method")
add("core-via-only-no-eoh.sip", "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx", "Via without end of line")
add("core-lowercase-method.sip", req("invite", cseq="1 invite"), "lower-case method (a different method to Kamailio)")
add("core-long-method.sip", req("A" * 200, cseq="1 " + "A" * 200), "200-character method")

# ---- replies (SIP responses) ------------------------------------------------------------
add("reply-200-ok.sip", resp(), "200 OK to INVITE")
add("reply-200-ok-sdp.sip", resp(body=SDP), "200 OK with SDP")
add("reply-100-trying.sip", resp("100 Trying", to="Bob <sip:bob@example.com>"), "100 Trying without To tag")
add("reply-180-ringing.sip", resp("180 Ringing"), "180 Ringing")
add("reply-180-odd-reason.sip", resp("180 Ring ring \xe4\xf6 / SIP/2.0 !"), "180 with an odd reason phrase containing a slash and latin-1")
add("reply-180-reason-version.sip", resp("180 SIP/2.0"), "180 whose reason is exactly SIP/2.0")
add("reply-183-empty-reason.sip", resp("183 "), "183 with an empty reason")
add("reply-486-busy.sip", resp("486 Busy Here"), "486 Busy Here")
add("reply-401.sip", resp("401 Unauthorized", method="REGISTER", extra=[("WWW-Authenticate", 'Digest realm="example.com", nonce="abc", qop="auth"')]), "401 with a challenge")
add("reply-200-register-expires.sip", resp(method="REGISTER", extra=[("Expires", "3600")]), "200 OK to REGISTER with Expires")
add("reply-200-bad-expires.sip", resp(method="REGISTER", extra=[("Expires", "3600;x")]), "200 OK with a bad Expires")
add("reply-200-cl-mismatch.sip", resp(body=SDP, cl="10"), "200 OK with CL mismatch")
add("reply-200-no-cl.sip", resp(cl=None), "200 OK without Content-Length")
add("reply-200-cseq-mismatch.sip", resp(cseq="1 BYE"), "200 OK with CSeq method BYE")
add("reply-200-cseq-illegal.sip", resp(cseq="4294967297 INVITE"), "200 OK with CSeq 4294967297")
add("reply-200-dup-totag.sip", resp(to="<sip:bob@example.com>;tag=a;tag=b"), "200 OK with two To tags")
add("reply-200-missing-callid.sip", resp(drop=("Call-ID",)), "200 OK without Call-ID")
add("reply-200-dup-from.sip", resp(extra=[("From", "<sip:x@example.com>;tag=9")]), "200 OK with two From headers")
add("reply-200-bad-from.sip", resp(frm="<alice@example.com>;tag=1"), "200 OK with From URI without scheme")
add("reply-200-bad-contact.sip", resp(contact="<alice@192.0.2.1>"), "200 OK with Contact URI without scheme")
add("reply-200-auth-basic.sip", resp(extra=[("Authorization", "Basic YWxp")]), "200 OK carrying a Basic Authorization")
add("reply-200-lf-only.sip", resp(eol="\n"), "200 OK with bare LF line ends")
add("reply-no-via.sip", resp(drop=("Via",)), "200 OK without Via")
add("reply-bad-code.sip", resp("20 OK"), "status code with two digits")
add("reply-code-4digits.sip", resp("2000 OK"), "status code with four digits")
add("reply-lowercase-version.sip", resp().replace(b"SIP/2.0 200", b"sip/2.0 200", 1), "lower-case sip/2.0 status line")
add("reply-version-30.sip", resp().replace(b"SIP/2.0 200", b"SIP/3.0 200", 1), "SIP/3.0 status line")
add("reply-no-reason.sip", resp().replace(b"SIP/2.0 200 OK", b"SIP/2.0 200", 1), "status line without reason or space")
add("reply-699.sip", resp("699 Strange"), "status 699")
add("reply-truncated.sip", resp()[:120], "reply cut after 120 bytes")

# ---- limits: long values ----------------------------------------------------------------
add("limit-ruri-1024.sip", req(ruri="sip:" + "u" * (1024 - 4 - 12) + "@example.com"), "R-URI of exactly 1024 characters")
add("limit-ruri-1025.sip", req(ruri="sip:" + "u" * (1025 - 4 - 12) + "@example.com"), "R-URI of 1025 characters")
add("limit-header-8k.sip", req(extra=[("X-Long", "x" * 8192)]), "8 KiB header value")
add("limit-many-headers.sip", req(extra=[("X-H%d" % i, str(i)) for i in range(300)]), "300 extra headers")
add("limit-big-body-16k.sip", req(body="a" * 16384, extra=[("Content-Type", "text/plain")]), "16 KiB body")
add("limit-big-body-60k.sip", req(body="a" * 60000, extra=[("Content-Type", "text/plain")]), "60000-byte body (one UDP datagram)")

index = []
for name in sorted(files):
    data, desc = files[name]
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    index.append((name, desc))
with open(os.path.join(OUT, "INDEX.tsv"), "w") as f:
    for name, desc in index:
        f.write(f"{name}\t{desc}\n")
print(len(files), "files")

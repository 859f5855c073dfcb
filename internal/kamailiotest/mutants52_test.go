package kamailiotest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The 5.2 differential test's own mutants: realistic device messages with
// one to three header grammars bent the ways devices and fuzzers bend them.
// Seeded (PCG) and reproducible: the same seed gives the same messages.

// hdr is one header line of a base message.
type hdr struct{ name, value string }

// baseMsg is a realistic device message before mutation.
type baseMsg struct {
	start string
	hdrs  []hdr
	body  string
}

const sdpBody = "v=0\r\no=yealink 1 1 IN IP4 192.168.1.20\r\ns=SDP data\r\nc=IN IP4 192.168.1.20\r\n" +
	"t=0 0\r\nm=audio 11800 RTP/AVP 0 8 18 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"

func baseMessages() []baseMsg {
	via := hdr{"Via", "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK1745;rport"}
	from := hdr{"From", `"Reception" <sip:201@pbx.example.com>;tag=3344556677`}
	to := hdr{"To", `<sip:201@pbx.example.com>`}
	cid := hdr{"Call-ID", "a84b4c76e66710@192.168.1.20"}
	ct := hdr{"Contact", `<sip:201@192.168.1.20:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:0001>"`}
	ua := hdr{"User-Agent", "Yealink SIP-T46S 66.85.0.5"}
	mf := hdr{"Max-Forwards", "70"}
	return []baseMsg{
		{"REGISTER sip:pbx.example.com SIP/2.0", []hdr{via, mf, hdr{"From", `"201" <sip:201@pbx.example.com>;tag=1928301774`}, to, cid, {"CSeq", "1 REGISTER"}, ct,
			{"Authorization", `Digest username="201", realm="pbx.example.com", nonce="5f1c2d", uri="sip:pbx.example.com", response="0123456789abcdef0123456789abcdef", algorithm=MD5`},
			{"Expires", "3600"}, {"Allow", "INVITE, ACK, OPTIONS, CANCEL, BYE, NOTIFY, REFER"}, ua}, ""},
		{"INVITE sip:300@pbx.example.com;user=phone SIP/2.0", []hdr{via, mf, from, {"To", `"Sales" <sip:300@pbx.example.com>`}, cid, {"CSeq", "20 INVITE"}, ct,
			{"Proxy-Authorization", `Digest username="201", realm="pbx.example.com", nonce="abc", uri="sip:300@pbx.example.com", response="0123456789abcdef0123456789abcdef", qop=auth, cnonce="x1", nc=00000001`},
			{"Content-Type", "application/sdp"}, {"Supported", "replaces, timer"}, ua}, sdpBody},
		{"SUBSCRIBE sip:201@pbx.example.com SIP/2.0", []hdr{via, mf, from, to, cid, {"CSeq", "3 SUBSCRIBE"}, ct, {"Event", "message-summary"},
			{"Accept", "application/simple-message-summary"}, {"Expires", "3600"}, {"Proxy-Require", "sip.mysipproxy.com"}, ua}, ""},
		{"NOTIFY sip:201@192.168.1.20:5060 SIP/2.0", []hdr{{"Via", "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKnotify1"}, mf, {"From", `<sip:201@pbx.example.com>;tag=srv1`},
			{"To", `<sip:201@pbx.example.com>;tag=3344556677`}, cid, {"CSeq", "4 NOTIFY"}, {"Contact", "<sip:10.0.0.1>"}, {"Event", "message-summary"},
			{"Subscription-State", "active;expires=3600"}, {"Content-Type", "application/simple-message-summary"}}, "Messages-Waiting: no\r\nVoice-Message: 0/0 (0/0)\r\n"},
		{"OPTIONS sip:pbx.example.com SIP/2.0", []hdr{{"Via", "SIP/2.0/TCP [2001:db8::20]:5060;branch=z9hG4bKopt;alias"}, mf, from, to, cid, {"CSeq", "7 OPTIONS"},
			{"Contact", `sip:201@[2001:db8::20]`}, {"Accept", "application/sdp"}, ua}, ""},
		{"BYE sip:300@10.0.0.2:5060 SIP/2.0", []hdr{via, mf, from, {"To", `<sip:300@pbx.example.com>;tag=ab12`}, cid, {"CSeq", "21 BYE"}, {"Route", "<sip:10.0.0.1;lr>"}, ua}, ""},
		{"SIP/2.0 200 OK", []hdr{via, from, {"To", `<sip:201@pbx.example.com>;tag=as5f`}, cid, {"CSeq", "1 REGISTER"}, ct, {"Expires", "3600"}, {"Server", "Asterisk PBX 16"}}, ""},
		{"SIP/2.0 180 Ringing", []hdr{via, from, {"To", `"Sales" <sip:300@pbx.example.com>;tag=b7`}, cid, {"CSeq", "20 INVITE"}, {"Contact", "<sip:300@10.0.0.2>"}}, ""},
		{"SIP/2.0 183 Session Progress", []hdr{via, from, {"To", `<sip:300@pbx.example.com>;tag=b7`}, cid, {"CSeq", "20 INVITE"}, {"Content-Type", "application/sdp"}}, sdpBody},
	}
}

// Pieces the mutations draw from.
var (
	mutAddrs = []string{
		`<sip:201@pbx.example.com>`, `sip:201@pbx.example.com`, `"A b" <sip:201@h>`, `A b <sip:201@h>`, `"A \"q\" b" <sip:x@h>`,
		`"unterminated <sip:x@h>`, `<sip:x@h`, `sip:x@h>`, `<>`, `<sip:x@h>>`, `"" <sip:x@h>`, `<sip:x@h;transport=udp>`,
		`sip:x@h;tag=1`, `<tel:+4930123>`, `<sips:x@h:5061>`, `<sip:x@[2001:db8::1]>`, `<sip:@h>`, `<sip:x@>`, `<sip:x@h:99999>`,
		`<sip:x@h:0>`, `<sip:x@h:abc>`, `<sip:x:pw@h>`, `<sip:x@h_y.com>`, `<sip:x@h;lr>`, `<urn:service:sos>`, `<http://x>`,
		`<sip:x@h?subject=a>`, `Anonymous <sip:anonymous@anonymous.invalid>`, `<sip:x@h>,<sip:y@h>`, `<sip:x@h> x`, `<sip:x@h>;`,
		`<sip:x y@h>`, `<sip:%41@h>`, `  <sip:x@h>  `, `<sip:x@h> ;tag=a`, "<sip:x@h>\t;tag=a", `\<sip:x@h>`, `<si p:x@h>`,
		`<sip:x@h>;tag=a;tag=b`, `<sip:x@h>;tag=`, `<sip:x@h>;tag`, `<sip:x@h>;=a`, `<sip:x@h>;a="b`, `<sip:x@h>;a="b;c"`,
		`<sip:x@h>;a=b,c`, `<sip:x@h>;tag=a,b`, `<sip:x@h>;;tag=a`, `<sip:x@h>;a=b;`, `<sip:x@h>;a= b`, `<sip:x@h>;a =b`,
		"<sip:x@h>\r\n ;tag=f", `<sip:x@h>;tag="q"`, `<sip:x@h>;a=<b>`, `sip:x@h;a=b;tag=c`, `<sip:x@h>;TAG=x`, `x@h`, ``, ` `,
		`"x"<sip:x@h>`, `"x" sip:x@h`, `<sip:x@h>;a="\"";tag=b`, `<sips:>`, `<sip:>`, `<SIP:x@H>`, `<sip:x@h.>`, `<sip:x@-h>`,
		`<sip:x@1.2.3.4:5060>`, `<sip:x@[::1]:5060>`, `<sip:x@[::1>`, `<sip:x@h:>`, `<sip:x@h:5060:5061>`, `<sip:x@@h>`,
	}
	mutContacts = []string{
		`*`, ` * `, `*, <sip:x@h>`, `<sip:x@h>, *`, `<sip:x@h>;expires=0`, `<sip:x@h>;q=0.5, <sip:y@h>;q=1`, `<sip:x@h>;q=`,
		`<sip:x@h>;expires=abc`, `sip:x@h;expires=60`, `"N" <sip:x@h>;+sip.instance="<urn:uuid:1>"`, `<sip:x@h>;a="b`, `<sip:x@h>;`,
		`<sip:x@h>,`, `,<sip:x@h>`, `<sip:x@h>,,<sip:y@h>`, `<sip:x@h> ;a=b`, `<sip:x@h>;a=b;`, `x sip:c@h>`, `<sip:x@h>>`,
		`<sip:x@h;transport=tcp>;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-0015656B1A2C>"`, `<sip:x@h>;a="\""`,
		`<sip:x@h>;=b`, `<sip:x@h>;a=b c`, "<sip:x@h>\r\n\t;expires=60", `"a,b" <sip:x@h>`, `<sip:x@h>;methods="INVITE, BYE"`,
	}
	mutCSeqs = []string{"1 REGISTER", "1 register", "REGISTER", "1", " 1 REGISTER", "1  REGISTER", "1 REGISTER ", "1\tREGISTER",
		"4294967295 REGISTER", "4294967296 REGISTER", "4294967297 REGISTER", "12345678901 REGISTER", "-1 REGISTER", "+1 REGISTER",
		"1a REGISTER", "0 REGISTER", "1 REG ISTER", "1 INVITE", "", "1 REGISTER\r\n x", "00000000001 REGISTER", "1 REGISTER;x"}
	mutCLs  = []string{"0", "abc", "-1", "", " ", "1 2", "2147483600", "2147483640", "99999999999", "+5", "5 ", " 5", "0x10", "\t0", "00"}
	mutVias = []string{
		"SIP/2.0/UDP h", "SIP/2.0/UDP h:5060", "SIP/2.0/udp h;branch=z9hG4bKx", "SIP/2.0/UDP h;branch=", "SIP/2.0/UDP h;branch",
		"SIP/2.0/UDP h;rport=", "SIP/2.0/UDP h;rport;received=1.2.3.4", "SIP/2.0/UDP h;received", "SIP/2.0/UDP h:99999",
		"SIP/2.0/UDP h:abc", "SIP/2.0/UDP [::1]:5060;branch=x", "SIP/2.0/UDP [::1;branch=x", "SIP/2.0/TLS h;branch=x",
		"SIP/2.0/WS h;branch=x", "SIP/2.0/XYZ h;branch=x", "SIP/2.1/UDP h", "SIP/2.0 /UDP h", "SIP / 2.0 / UDP h;branch=x",
		"SIP/2.0/UDP h;branch=x, SIP/2.0/UDP g;branch=y", "SIP/2.0/UDP h;branch=x,", "SIP/2.0/UDP h (comment)",
		"SIP/2.0/UDP h;branch=x (c)", "SIP/2.0/UDP h;branch=\"q\"", "SIP/2.0/UDP h;;branch=x", "SIP/2.0/UDP h;branch=x;",
		"SIP/2.0/UDP h;hidden", "SIP/2.0/UDP h;alias=1", "SIP/2.0/UDP h;ttl=", "SIP/2.0/UDP h;maddr=1.2.3.4;ttl=1",
		"SIP/2.0/UDP", "SIP/2.0/UDP ", "SIP/2.0/UDP h_x;branch=z", "SIP/2.0/UDP h;branch=x\r\n ;rport", "SIP/2.0/UDP h;i=",
		"SIP/2.0/UDP h;branch=a=b", "SIP/2.0/UDP h;x=\"unterminated", "SIP/2.0/UDP h:5060;branch=z9hG4bK-1;received=::1",
	}
	mutRURIs = []string{"sip:pbx.example.com", "sip:201@pbx.example.com", "sips:201@pbx.example.com", "tel:+4930123", "tels:+49",
		"sip:@pbx", "sip:x@", "sip:x@h:99999", "sip:x@h:123456", "sip:x@h_y", "sip:x@h;lr", "sip:x@[::1]", "sip:x@[::1",
		"SIP:X@H", "sip:", "sip:a", "urn:service:sos", "http://x", "sip:x:5060@h", "sip:x@h?a=b", "sip:x y@h", "*", "sip:x@h:",
		"sip:%40@h", "sip:x@h;transport=udp;user=phone", "sip:x@1.2.3.4:5060", "sip:x@-h.com", "sip:x@h.com.", "sip:x@h@g"}
	mutVersions = []string{"SIP/2.0", "sip/2.0", "SIP/2.00", "SIP/2.0x", "SIP/3.0", "SIP/2", "SIP/2.0/", "HTTP/1.1"}
	mutExpires  = []string{"3600", "0", "", "abc", "4294967296", "4294967297", "3600 x", "3600;x", " 3600", "-1", "12345678901"}
	mutPRs      = []string{"sip.mysipproxy.com", "", "foo", "foo, bar", "foo,,bar", " , ", "100rel", "x, sip.mysipproxy.com", "FOO"}
	mutAuths    = []string{
		`Digest username="201", realm="r", nonce="n", uri="sip:r", response="0123"`, `Digest username="", realm="r", nonce="n", uri="sip:r", response="x"`,
		`Digest realm="r", nonce="n", uri="sip:r", response="x"`, `Basic YWxhZGRpbjpvcGVuc2VzYW1l`, `Digest username="a"`,
		`Digest username="a", realm="r", nonce="", uri="sip:r", response="x"`, `Digest username="a", realm="r", nonce="n", uri="sip:r", response=""`,
		`Digest username="a", realm="r", nonce="n", uri="sip:r", response="x", qop=auth`, `Digest username="a" realm="r"`, `Digest`, ``,
		`Digest username="a", realm="r", nonce="n", uri="sip:r", response="x", qop=auth, cnonce="c", nc=00000001`, `Digest username=a, realm=r, nonce=n, uri=sip:r, response=x`,
	}
	mutNames = []string{"f", "t", "v", "i", "l", "m", "k", "FROM", "via", "Call-Id", "cseq", "X-Custom", "From ", "To\t", "Fr om", "", "Contact:", "x\x01y"}
)

// mutate applies one mutation to msg, drawing from rng. It reports whether
// the Content-Length header must be left as the mutation set it.
func mutate(rng *rand.Rand, msg *baseMsg) (keepCL bool) {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	setOrAdd := func(name, value string) {
		for i := range msg.hdrs {
			if strings.EqualFold(msg.hdrs[i].name, name) {
				msg.hdrs[i].value = value
				return
			}
		}
		msg.hdrs = append(msg.hdrs, hdr{name, value})
	}
	req := !strings.HasPrefix(msg.start, "SIP/")
	switch k := rng.IntN(22); k {
	case 0, 1:
		setOrAdd("From", pick(mutAddrs))
	case 2, 3:
		setOrAdd("To", pick(mutAddrs))
	case 4, 5:
		v := pick(mutContacts)
		if rng.IntN(2) == 0 {
			v = pick(mutAddrs)
		}
		if rng.IntN(4) == 0 {
			msg.hdrs = append(msg.hdrs, hdr{"Contact", v}) // a second Contact header
		} else {
			setOrAdd("Contact", v)
		}
	case 6:
		setOrAdd("CSeq", pick(mutCSeqs))
	case 7:
		setOrAdd("Content-Length", pick(mutCLs))
		return true
	case 8:
		n := len(msg.body) + rng.IntN(5) - 2
		setOrAdd("Content-Length", strconv.Itoa(n))
		return true
	case 9, 10:
		setOrAdd("Via", pick(mutVias))
	case 11:
		if req {
			f := strings.Fields(msg.start)
			msg.start = f[0] + " " + pick(mutRURIs) + " " + f[2]
		} else {
			setOrAdd("Via", pick(mutVias))
		}
	case 12:
		if req {
			f := strings.Fields(msg.start)
			msg.start = f[0] + " " + f[1] + " " + pick(mutVersions)
		} else {
			msg.start = pick([]string{"SIP/2.0 200 OK", "sip/2.0 200 OK", "SIP/2.0 20 OK", "SIP/2.0 200", "SIP/2.0 200 ", "SIP/2.0  200 OK", "SIP/2.1 200 OK", "SIP/2.0 2000 OK"})
		}
	case 13:
		setOrAdd("Expires", pick(mutExpires))
	case 14:
		v := pick(mutPRs)
		if rng.IntN(3) == 0 {
			setOrAdd("Require", v)
		} else {
			setOrAdd("Proxy-Require", v)
		}
	case 15:
		setOrAdd(pick([]string{"Authorization", "Proxy-Authorization"}), pick(mutAuths))
	case 16: // header name: compact forms, case, blanks, junk
		i := rng.IntN(len(msg.hdrs))
		msg.hdrs[i].name = pick(mutNames)
	case 17: // duplicate a header
		i := rng.IntN(len(msg.hdrs))
		msg.hdrs = append(msg.hdrs, msg.hdrs[i])
	case 18: // drop a header
		if len(msg.hdrs) > 1 {
			i := rng.IntN(len(msg.hdrs))
			msg.hdrs = append(msg.hdrs[:i], msg.hdrs[i+1:]...)
		}
	case 19: // line-level damage in one header value
		i := rng.IntN(len(msg.hdrs))
		v := msg.hdrs[i].value
		switch rng.IntN(6) {
		case 0:
			msg.hdrs[i].value = v + "\r\n\t" + "cont"
		case 1:
			msg.hdrs[i].value = " " + v + " "
		case 2:
			if v != "" {
				p := rng.IntN(len(v))
				msg.hdrs[i].value = v[:p] + "\x00" + v[p:]
			}
		case 3:
			if v != "" {
				p := rng.IntN(len(v))
				msg.hdrs[i].value = v[:p] + "\r" + v[p:]
			}
		case 4:
			msg.hdrs[i].value = v + "\n"
		case 5:
			if v != "" {
				msg.hdrs[i].value = v[:rng.IntN(len(v))]
			}
		}
	case 20: // a header line without colon or with odd spacing
		i := rng.IntN(len(msg.hdrs))
		switch rng.IntN(3) {
		case 0:
			msg.hdrs = append(msg.hdrs[:i], append([]hdr{{"NoColonHere", "\x00"}}, msg.hdrs[i:]...)...)
		case 1:
			msg.hdrs[i].name += " "
		case 2:
			msg.hdrs[i].name = " " + msg.hdrs[i].name
		}
	case 21: // Max-Forwards / Event / misc
		setOrAdd(pick([]string{"Max-Forwards", "Event", "Record-Route", "Route", "Supported"}),
			pick([]string{"70", "abc", "", "<sip:h;lr>", "<sip:h>", "x, y", "256"}))
	}
	return false
}

// render writes msg with CRLF line ends; "\x00" as a header value marks a
// line without colon. Content-Length is set to the body length unless kept.
func render(msg baseMsg, keepCL bool, lfOnly bool) []byte {
	eol := "\r\n"
	if lfOnly {
		eol = "\n"
	}
	var b strings.Builder
	b.WriteString(msg.start + eol)
	hasCL := false
	for _, h := range msg.hdrs {
		if strings.EqualFold(h.name, "Content-Length") || h.name == "l" {
			hasCL = true
		}
		if h.value == "\x00" {
			b.WriteString(h.name + eol)
			continue
		}
		b.WriteString(h.name + ": " + h.value + eol)
	}
	if !keepCL && !hasCL {
		fmt.Fprintf(&b, "Content-Length: %d%s", len(msg.body), eol)
	}
	b.WriteString(eol + msg.body)
	return []byte(b.String())
}

// genMutants returns n mutants for seed: each one to three mutations on a
// copy of a base message; a few in a hundred with LF-only line ends.
func genMutants(seed uint64, n int) []Item {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bases := baseMessages()
	out := make([]Item, 0, n)
	for i := 0; i < n; i++ {
		b := bases[rng.IntN(len(bases))]
		msg := baseMsg{start: b.start, hdrs: append([]hdr(nil), b.hdrs...), body: b.body}
		keep := false
		for j := rng.IntN(3); j >= 0; j-- {
			if mutate(rng, &msg) {
				keep = true
			}
		}
		if keep {
			// the mutation set Content-Length; keep it as the only one
		} else {
			for i := range msg.hdrs {
				if strings.EqualFold(msg.hdrs[i].name, "Content-Length") {
					msg.hdrs[i].value = strconv.Itoa(len(msg.body))
				}
			}
		}
		raw := render(msg, keep, rng.IntN(50) == 0)
		out = append(out, Item{Source: fmt.Sprintf("mutant52/%d/%d", seed, i), Raw: raw})
	}
	return out
}

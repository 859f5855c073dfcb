package livetest

import (
	"fmt"
	"strings"
)

// Kind is one message of the mix: a User-Agent and what it sends. Rule is
// the sanity check Kamailio reports for it with the default checks (3047)
// and an empty proxy_require list; 0 means well-formed. The tests confirm
// Rule with sipparse before they rely on it.
type Kind struct {
	Name string
	UA   string
	Rule uint32
	// CoreDrop means Kamailio's core drops it before sanity runs.
	CoreDrop bool
	// Weight is how many of this kind are sent per round of the mix.
	Weight int
	// Big marks a message larger than a 1500-byte MTU: over a veth link
	// the kernel fragments it, so it exercises IP reassembly and the
	// filter's fragment rule.
	Big  bool
	make func(seq uint64) []byte
}

// Message returns the seq'th message of this kind. seq changes Call-ID,
// branch and CSeq only; the verdict does not depend on it.
func (k *Kind) Message(seq uint64) []byte { return k.make(seq) }

// request builds a request; extra headers go after the mandatory ones.
func request(method, ruri, version, ua string, seq uint64, cseq string, extra []string, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\r\n", method, ruri, version)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP 10.213.0.2:5060;branch=z9hG4bK-lt-%012d;rport\r\n", seq)
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:alice@sipcorr.test>;tag=lt%08d\r\n", seq%100000000)
	b.WriteString("To: <sip:bob@sipcorr.test>\r\n")
	fmt.Fprintf(&b, "Call-ID: lt-%012d@10.213.0.2\r\n", seq)
	if cseq == "" {
		cseq = fmt.Sprintf("%d %s", seq%1000000+1, method)
	}
	fmt.Fprintf(&b, "CSeq: %s\r\n", cseq)
	b.WriteString("Contact: <sip:alice@10.213.0.2:5060>\r\n")
	if ua != "" {
		fmt.Fprintf(&b, "User-Agent: %s\r\n", ua)
	}
	for _, h := range extra {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	if !hasContentLength(extra) {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

func hasContentLength(h []string) bool {
	for _, x := range h {
		if strings.HasPrefix(x, "Content-Length:") {
			return true
		}
	}
	return false
}

// sdp is an SDP offer padded with attribute lines to about n bytes.
func sdp(n int) string {
	var b strings.Builder
	b.WriteString("v=0\r\no=- 1 1 IN IP4 10.213.0.2\r\ns=-\r\nc=IN IP4 10.213.0.2\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "a=x-sipcorr-livetest-padding:%04d\r\n", i)
	}
	return b.String()
}

// Mix returns the standard mix. UAs are distinct per kind so that per-UA
// counts identify the kind.
func Mix() []Kind {
	const ruri = "sip:bob@sipcorr.test"
	return []Kind{
		{Name: "register", UA: "LiveTest-Phone/1.0", Weight: 4, make: func(s uint64) []byte {
			return request("REGISTER", "sip:sipcorr.test", "SIP/2.0", "LiveTest-Phone/1.0", s, "", []string{"Expires: 3600"}, "")
		}},
		{Name: "options", UA: "LiveTest-Monitor/2.1", Weight: 3, make: func(s uint64) []byte {
			return request("OPTIONS", ruri, "SIP/2.0", "LiveTest-Monitor/2.1", s, "", nil, "")
		}},
		{Name: "proxy-require", UA: "Yealink SIP-T48G 66.86.0.15", Rule: 512, Weight: 3, make: func(s uint64) []byte {
			return request("REGISTER", "sip:sipcorr.test", "SIP/2.0", "Yealink SIP-T48G 66.86.0.15", s, "",
				[]string{"Expires: 3600", "Proxy-Require: sip.mysipproxy.com"}, "")
		}},
		{Name: "cseq-method", UA: "LiveTest-Confused/4.0", Rule: 32, Weight: 1, make: func(s uint64) []byte {
			return request("OPTIONS", ruri, "SIP/2.0", "LiveTest-Confused/4.0", s, fmt.Sprintf("%d BYE", s%1000+1), nil, "")
		}},
		{Name: "sip-version", UA: "LiveTest-OldStack/0.9", CoreDrop: true, Weight: 1, make: func(s uint64) []byte {
			return request("OPTIONS", ruri, "SIP/3.0", "LiveTest-OldStack/0.9", s, "", nil, "")
		}},
		{Name: "content-length", UA: "LiveTest-Truncator/1.2", Rule: 128, Weight: 1, make: func(s uint64) []byte {
			return request("MESSAGE", ruri, "SIP/2.0", "LiveTest-Truncator/1.2", s, "",
				[]string{"Content-Type: text/plain", "Content-Length: 40"}, "hello")
		}},
		{Name: "expires", UA: "LiveTest-Expirer/3.3", Rule: 256, Weight: 1, make: func(s uint64) []byte {
			return request("REGISTER", "sip:sipcorr.test", "SIP/2.0", "LiveTest-Expirer/3.3", s, "",
				[]string{"Expires: soon"}, "")
		}},
		{Name: "big-invite", UA: "LiveTest-BigInvite/1.0", Weight: 1, Big: true, make: func(s uint64) []byte {
			return request("INVITE", ruri, "SIP/2.0", "LiveTest-BigInvite/1.0", s, "",
				[]string{"Content-Type: application/sdp"}, sdp(3000))
		}},
	}
}

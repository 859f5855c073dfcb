package synth

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
)

// User-Agent and Server strings of the devices in generated traffic.
// UAYealink is the device of the DESIGN.md story.
const (
	UAYealink     = "Yealink SIP-T48G 66.84.0.15"
	UAPolycom     = "PolycomVVX-VVX_410-UA/5.9.5.0614"
	UAZoiper      = "Z 5.6.1 v2.10.20.5"
	UALinphone    = "Linphone Desktop/5.2.4 (Debian GNU/Linux 12 (bookworm), Qt 5.15.8) LinphoneCore/5.3.14"
	UAScanner     = "friendly-scanner"
	UAGrandstream = "Grandstream GXP1625 1.0.4.128"
	ServerEdge    = "kamailio (5.2.3 (x86_64/linux))"
	// Domain is the SIP domain served by the edge.
	Domain = "sip.example.net"
	// ProxyRequireToken is what the Yealink phones put in Proxy-Require.
	ProxyRequireToken = "sip.mysipproxy.com"
)

// Addresses (documentation ranges, RFC 5737 / RFC 3849).
var (
	// EdgeV4 and EdgeV6 are the Kamailio edge.
	EdgeV4 = netip.MustParseAddrPort("198.51.100.10:5060")
	EdgeV6 = netip.MustParseAddrPort("[2001:db8::10]:5060")
)

// IDs produces Call-IDs, tags, branches and sequence numbers from a
// seeded PRNG, so generated messages are reproducible.
type IDs struct {
	rng *rand.Rand
}

// NewIDs returns an IDs seeded with seed.
func NewIDs(seed uint64) *IDs {
	return &IDs{rng: rand.New(rand.NewPCG(seed, seed^0x5eed5eed5eed5eed))}
}

// Hex returns n random bytes as lowercase hex.
func (g *IDs) Hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	return hex.EncodeToString(b)
}

// CallID returns a Call-ID in the style of the given host.
func (g *IDs) CallID(host netip.Addr) string { return g.Hex(12) + "@" + host.String() }

// Uint32 returns a random 32-bit number (ISNs, CSeq starts).
func (g *IDs) Uint32() uint32 { return g.rng.Uint32() }

// IntN returns a random int in [0, n).
func (g *IDs) IntN(n int) int { return g.rng.IntN(n) }

// Float64 returns a random float in [0, 1).
func (g *IDs) Float64() float64 { return g.rng.Float64() }

// Cast is the set of parties in fixture traffic, all in one address
// family, talking to the edge.
type Cast struct {
	Edge                                                     Party
	Yealink, Polycom, Zoiper, Linphone, Scanner, Grandstream Party
}

// NewCast returns the fixture parties; v6 selects IPv6 addresses.
func NewCast(v6 bool) Cast {
	host := func(i int, port uint16) netip.AddrPort {
		if v6 {
			return netip.MustParseAddrPort(fmt.Sprintf("[2001:db8:1::%x]:%d", i, port))
		}
		return netip.MustParseAddrPort(fmt.Sprintf("203.0.113.%d:%d", i, port))
	}
	edge := EdgeV4
	if v6 {
		edge = EdgeV6
	}
	return Cast{
		Edge:        Party{User: "edge", Domain: Domain, Addr: edge},
		Yealink:     Party{User: "1001", Domain: Domain, Addr: host(21, 5060), UA: UAYealink},
		Polycom:     Party{User: "1002", Domain: Domain, Addr: host(22, 5060), UA: UAPolycom},
		Zoiper:      Party{User: "1003", Domain: Domain, Addr: host(23, 52814), UA: UAZoiper},
		Linphone:    Party{User: "1004", Domain: Domain, Addr: host(24, 5062), UA: UALinphone},
		Scanner:     Party{User: "100", Domain: edge.Addr().String(), Addr: host(66, 5071), UA: UAScanner},
		Grandstream: Party{User: "1005", Domain: Domain, Addr: host(25, 5060), UA: UAGrandstream},
	}
}

// Register returns a REGISTER from p to the edge's domain.
func (g *IDs) Register(p Party, transport string, cseq uint32, expires int) *Message {
	return NewRequest(Request{Method: "REGISTER", RequestURI: "sip:" + p.Domain, From: p, To: p,
		Transport: transport, CallID: g.CallID(p.Addr.Addr()), FromTag: g.Hex(4), CSeq: cseq,
		Branch: g.Hex(6), Expires: expires})
}

// Reregister returns the next REGISTER of the same registration (same
// Call-ID and From tag, CSeq+1, new branch), with digest credentials when
// nonce is not empty.
func (g *IDs) Reregister(prev *Message, p Party, nonce string) *Message {
	m := prev.Clone()
	m.Set("CSeq", fmt.Sprintf("%d REGISTER", cseqNumber(m)+1))
	via := mustGet(m, "Via")
	if i := strings.Index(via, "branch=z9hG4bK"); i >= 0 {
		m.Set("Via", via[:i]+"branch=z9hG4bK"+g.Hex(6)+";rport")
	}
	if nonce != "" {
		m.Add("Authorization", fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="sip:%s", response="%s", algorithm=MD5`,
			p.User, p.Domain, nonce, p.Domain, g.Hex(16)))
	}
	return m
}

// cseqNumber returns the CSeq number of m. A number this package did not
// write (a CSeq defect) counts as 0, so the next request restarts at 1.
func cseqNumber(m *Message) uint32 {
	num, _, _ := strings.Cut(mustGet(m, "CSeq"), " ")
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// Invite returns an INVITE with an SDP offer from caller to callee.
func (g *IDs) Invite(caller, callee Party, transport string) *Message {
	return NewRequest(Request{Method: "INVITE", RequestURI: callee.URI(), From: caller, To: callee,
		Transport: transport, CallID: g.CallID(caller.Addr.Addr()), FromTag: g.Hex(4), CSeq: 1 + uint32(g.IntN(1000)),
		Branch: g.Hex(6), Body: SDP(caller.User, caller.Addr.Addr(), g.Uint32()>>1, 10000+2*g.IntN(10000))})
}

// InDialog returns a request (ACK, BYE) in the dialog of invite, from its
// caller, with the callee's toTag. ACK keeps the INVITE's CSeq number.
func (g *IDs) InDialog(invite *Message, caller, callee Party, method, transport, toTag string) *Message {
	cseq := cseqNumber(invite)
	if method != "ACK" {
		cseq++
	}
	from := mustGet(invite, "From")
	tag := from[strings.Index(from, ";tag=")+5:]
	return NewRequest(Request{Method: method, RequestURI: callee.URI(), From: caller, To: callee,
		Transport: transport, CallID: mustGet(invite, "Call-ID"), FromTag: tag, ToTag: toTag, CSeq: cseq,
		Branch: g.Hex(6)})
}

// Options returns an OPTIONS probe from p to the edge.
func (g *IDs) Options(p Party, edge Party, transport string) *Message {
	return NewRequest(Request{Method: "OPTIONS", RequestURI: "sip:" + p.User + "@" + hostPort(edge.Addr),
		From: p, To: Party{User: p.User, Domain: p.Domain}, Transport: transport,
		CallID: g.CallID(p.Addr.Addr()), FromTag: g.Hex(4), CSeq: 1, Branch: g.Hex(6),
		Extra: []Header{{"Accept", "application/sdp"}}})
}

// Challenge returns the edge's 401 to req with a fresh nonce.
func (g *IDs) Challenge(req *Message) (*Message, string) {
	nonce := g.Hex(16)
	r := NewResponse(req, 401, "Unauthorized", g.Hex(4), ServerEdge)
	r.Add("WWW-Authenticate", fmt.Sprintf(`Digest realm="%s", nonce="%s", qop="auth"`, Domain, nonce))
	return r, nonce
}

// Reject420 returns the edge's 420 to a request with an unsupported
// Proxy-Require token, as Kamailio's sanity module sends it.
func (g *IDs) Reject420(req *Message) *Message {
	r := NewResponse(req, 420, "Bad Proxy Require Extension", g.Hex(4), ServerEdge)
	r.Add("Unsupported", ProxyRequireToken)
	return r
}

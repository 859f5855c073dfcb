// Package leaktest is the traffic side of sipcorr's offender proof: a
// Kamailio route that leaks shared memory for one class of malformed
// requests, a replay plan of several User-Agents in phases, a paced UDP
// sender that counts the server's replies, a tshark capture of the
// exchange, and the measured truth (shm growth per stored message).
//
// cmd/sipcorr's TestOffenderProof wires it to a real Kamailio
// (internal/kamtest), to `sipcorr memwatch` and to `sipcorr analyze`.
package leaktest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// PayloadBytes is the size of the value the leaking route stores per
// message: a fixed string, so that every leak costs the same.
const PayloadBytes = 256

// Route is the request_route body of the proof's kamailio.cfg (sanity is
// loaded with autodrop=0, noreply=0: a failed check sends its own reply and
// returns false). A request failing check 512 alone, Proxy-Require with an
// option tag the module does not support, stores a fixed value in the
// htable "leak" under its Call-ID and never frees it: shared memory grows by
// a fixed amount per such message, the way GH#1990 grew pkg memory on the
// same failure path of 5.2.3. Requests failing other checks (a bad CSeq)
// get sanity's reply and store nothing; the rest get 200.
var Route = `
	if (!sanity_check("512", "7")) {
		$sht(leak=>$ci) = "` + strings.Repeat("x", PayloadBytes) + `";
		exit;
	}
	if (!sanity_check("3047", "7")) {
		exit;
	}
	sl_send_reply("200", "OK");
	exit;
`

// Kind is how a device's requests are built.
type Kind uint8

const (
	// Leaker sends SUBSCRIBE with "Proxy-Require: sip.mysipproxy.com":
	// sanity check 512 fails (420), and the route stores a value.
	Leaker Kind = iota + 1
	// BadCSeq sends OPTIONS whose CSeq number does not fit 32 bits: check 64
	// fails (400), nothing is stored.
	BadCSeq
	// Good sends well-formed OPTIONS (200).
	Good
)

// Device is one User-Agent of the plan, sending from its own loopback
// address (127.0.0.2 and up) so that the server stands out by address.
type Device struct {
	UA    string
	Addr  netip.Addr
	Kind  Kind
	Rates []float64 // requests per second, one per block
}

// Plan is a replay: every device sends at its rate of the current block.
type Plan struct {
	Block   time.Duration
	Devices []Device
}

// Duration is the plan's length.
func (p Plan) Duration() time.Duration {
	n := 0
	for _, d := range p.Devices {
		n = max(n, len(d.Rates))
	}
	return time.Duration(n) * p.Block
}

// The proof's User-Agents.
const (
	LeakerUA  = "Yealink SIP-T48G 35.72.188.7"
	BadCSeqUA = "Grandstream GXP1625 1.0.4.128"
)

// DefaultPlan is the proof's replay: blocks of 5 s; in each, the leaking
// Yealink sends 0-9 requests/s and the Grandstream, which sends more
// malformed requests overall, 0-18/s, both chosen at random (seeded) so
// that their counts do not move together and each has quiet blocks;
// two well-formed phones keep sending throughout.
func DefaultPlan(seed uint64, blocks int) Plan {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	pickN := func(choices ...float64) []float64 {
		out := make([]float64, blocks)
		for i := range out {
			out[i] = choices[rng.IntN(len(choices))]
		}
		return out
	}
	lo := func(b byte) netip.Addr { return netip.AddrFrom4([4]byte{127, 0, 0, b}) }
	return Plan{Block: 5 * time.Second, Devices: []Device{
		{UA: LeakerUA, Addr: lo(2), Kind: Leaker, Rates: pickN(0, 3, 6, 9)},
		{UA: BadCSeqUA, Addr: lo(3), Kind: BadCSeq, Rates: pickN(0, 6, 12, 18)},
		{UA: "PolycomVVX-VVX_410-UA/5.9.5.0614", Addr: lo(4), Kind: Good, Rates: pickN(2, 3, 4)},
		{UA: "Z 5.6.1 v2.10.20.5", Addr: lo(5), Kind: Good, Rates: pickN(1, 2)},
	}}
}

// request builds request n of a device sending from local (its bound
// address and port) to the server. Call-IDs have a fixed length, so every
// stored htable item costs the same.
func (d *Device) request(n int, local, server netip.AddrPort) []byte {
	method, extra, cseq := "OPTIONS", "", fmt.Sprintf("%d OPTIONS", n+1)
	switch d.Kind {
	case Leaker:
		method, cseq = "SUBSCRIBE", fmt.Sprintf("%d SUBSCRIBE", n+1)
		extra = "Event: message-summary\r\nExpires: 3600\r\nProxy-Require: sip.mysipproxy.com\r\n"
	case BadCSeq:
		cseq = "99999999999 OPTIONS"
	}
	host, id := local.Addr().String(), d.Addr.As4()[3]
	return fmt.Appendf(nil, "%s sip:100@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-%02x%08d\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:100@%s>;tag=%02x%08d\r\n"+
		"To: <sip:100@%s>\r\n"+
		"Call-ID: %02x-%08d@%s\r\n"+
		"CSeq: %s\r\n"+
		"Contact: <sip:100@%s>\r\n"+
		"%s"+
		"User-Agent: %s\r\n"+
		"Content-Length: 0\r\n\r\n",
		method, server.Addr(), local, id, n, host, id, n, server.Addr(),
		id, n, host, cseq, local, extra, d.UA)
}

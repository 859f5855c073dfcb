package main

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// register420 fails check 512 on every version: it drives the defect
// counter as well as the inventory.
const register420 = "REGISTER sip:sip.example.com SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n" +
	"Max-Forwards: 70\r\n" +
	"To: <sip:1001@sip.example.com>\r\n" +
	"From: <sip:1001@sip.example.com>;tag=1928301774\r\n" +
	"Call-ID: a84b4c76e66710@192.0.2.10\r\n" +
	"CSeq: 314159 REGISTER\r\n" +
	"Contact: <sip:1001@192.0.2.10:5060>\r\n" +
	"Proxy-Require: sip.mysipproxy.com\r\n" +
	"User-Agent: Yealink SIP-T48G 66.84.0.15\r\n" +
	"Expires: 3600\r\n" +
	"Content-Length: 0\r\n\r\n"

// TestJudgedMessageDoesNotAllocate: after the first message of a UA, handing
// a UDP message through parse, judge, inventory and defect counting costs no
// allocation (the capture layer's own guard is in capture).
func TestJudgedMessageDoesNotAllocate(t *testing.T) {
	for _, ver := range []string{"5.2.3", "5.6", "6.1"} {
		v, err := sipparse.ParseVersion(ver)
		if err != nil {
			t.Fatal(err)
		}
		e, err := sipparse.NewEngine(sipparse.Config{Version: v, Checks: 3047, URIChecks: 7})
		if err != nil {
			t.Fatal(err)
		}
		p := newPipeline(capture.Options{}, &judge{version: v, requests: e})
		inv := correlate.NewInventory(correlate.InventoryLimits{})
		var defects defectCounter
		var obs correlate.Observation
		sink := func(m *judged) {
			toObservation(m, &obs)
			inv.Add(&obs)
			defects.add(v, m)
		}
		dg := &capture.Datagram{Time: time.Unix(1e9, 0), Transport: capture.TransportUDP,
			Src: netip.MustParseAddrPort("192.0.2.10:5060"), Dst: netip.MustParseAddrPort("198.51.100.1:5060"),
			Payload: []byte(register420), Packet: 1}
		p.handle(dg, sink)
		if p.verdict.First != sipparse.CheckProxyRequire {
			t.Fatalf("%s: first failure %v, want proxy_require", ver, p.verdict.First)
		}
		if n := testing.AllocsPerRun(500, func() { p.handle(dg, sink) }); n != 0 {
			t.Errorf("%s: %.1f allocations per judged message, want 0", ver, n)
		}
	}
}

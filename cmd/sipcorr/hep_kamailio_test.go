package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/internal/kamtest"
	"github.com/sipcorr/sipcorr/internal/livetest"
)

// TestKamailioSiptraceHEP: Debian's Kamailio 5.6.3 with siptrace
// (hep_mode_on=1, hep_version=3, duplicate_uri to a sipcorr HEP listener,
// trace_on=1, auth_key checked by the listener) traces every request that reaches its script; the listener
// must see exactly those, per User-Agent, with the sender's address and
// Kamailio's as source and destination and a capture time of the run.
// Messages Kamailio's core drops before the script (the bad SIP version
// kind) are never traced, and so never seen: sipcorr judges what the
// server traced. As root, a packet capture on lo of the same run sees
// every request, and every traced one with a capture time close to its
// HEP time.
func TestKamailioSiptraceHEP(t *testing.T) {
	// the listener checks the auth key siptrace sends (chunk 14)
	feed := capture.NewHEPFeed(capture.HEPFeedOptions{HEP: capture.HEPOptions{Password: "k4m-s3cret"}})
	addr, err := feed.Listen(context.Background(), "udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := kamtest.Start(t, kamtest.Config{Children: 1,
		Extra: fmt.Sprintf(`loadmodule "siptrace.so"
modparam("siptrace", "trace_on", 1)
modparam("siptrace", "trace_to_database", 0)
modparam("siptrace", "hep_mode_on", 1)
modparam("siptrace", "hep_version", 3)
modparam("siptrace", "hep_capture_id", 2001)
modparam("siptrace", "auth_key", "k4m-s3cret")
modparam("siptrace", "duplicate_uri", "sip:%s")`, addr),
		Route: `sip_trace(); sl_send_reply("200", "OK"); exit;`})
	r := newLiveRun(testConfig(), hepSource{feed: feed, timeout: 20 * time.Millisecond}, defaultJudge(t))
	r.hep = feed
	defer r.src.Close()
	kamAddr := netip.MustParseAddrPort(srv.SIPAddr)
	wrongDst := 0
	hepTimes := map[string]time.Time{}
	judge := r.emit
	r.emit = func(dg *capture.Datagram) {
		if dg.Dst != kamAddr || dg.Transport != capture.TransportUDP {
			wrongDst++
		}
		hepTimes[string(dg.Payload)] = dg.Time
		judge(dg)
	}
	stopCapture := loCapture(t, kamAddr.Port())

	client, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	dst, err := net.ResolveUDPAddr("udp", srv.SIPAddr)
	if err != nil {
		t.Fatal(err)
	}
	kinds := livetest.Mix()
	const rounds = 40
	want, wantBad := map[string]uint64{}, map[string]uint64{}
	traced := uint64(0)
	start := time.Now()
	for i := range rounds * len(kinds) {
		k := kinds[i%len(kinds)]
		if _, err := client.WriteToUDP(k.Message(uint64(i)), dst); err != nil {
			t.Fatal(err)
		}
		if !k.CoreDrop {
			want[k.UA]++
			traced++
			if k.Rule != 0 {
				wantBad[k.UA]++
			}
		}
		time.Sleep(200 * time.Microsecond) // one worker: keep its socket buffer from overflowing
	}
	runLiveUntil(t, r, func() bool { return feed.Stats().HEP.Messages >= traced })
	time.Sleep(200 * time.Millisecond) // anything traced beyond the expected
	r.hepIn(1 << 20)
	end := time.Now()

	st := feed.Stats()
	if st.HEP.SIP != traced || st.HEP.Malformed() != 0 || st.HEP.Duplicates != 0 || st.Drops+st.SocketDrops != 0 {
		t.Fatalf("HEP stats %+v, want %d SIP messages\n%s", st, traced, srv.Log())
	}
	if agents, other := feed.Agents(); len(agents) != 1 || agents[0].CaptureID != 2001 || agents[0].Messages != traced || other != 0 {
		t.Errorf("capture agents %+v (%d folded), want hep_capture_id 2001 with %d messages", agents, other, traced)
	}
	if wrongDst != 0 {
		t.Errorf("%d messages without Kamailio's address %v as destination", wrongDst, kamAddr)
	}
	got, gotBad := map[string]uint64{}, map[string]uint64{}
	for _, u := range r.inv.UAs() {
		got[u.UA], gotBad[u.UA] = u.Messages, u.Malformed
	}
	for ua, n := range want {
		if got[ua] != n || gotBad[ua] != wantBad[ua] {
			t.Errorf("%s: %d messages traced and judged (%d malformed), %d sent (%d malformed)", ua, got[ua], gotBad[ua], n, wantBad[ua])
		}
	}
	if len(got) != len(want) {
		t.Errorf("UAs %v, want %v", got, want)
	}
	tot := r.p.totals
	if tot.First.Before(start.Add(-time.Second)) || tot.Last.After(end) {
		t.Errorf("HEP times %v..%v outside the run %v..%v", tot.First, tot.Last, start, end)
	}
	self := netip.MustParseAddrPort(client.LocalAddr().String())
	for _, u := range r.inv.UAs() {
		for _, s := range u.Sources() {
			if s.Key != self {
				t.Errorf("%s: source %v, the sender is %v", u.UA, s.Key, self)
			}
		}
	}
	t.Logf("%d requests sent, %d traced by siptrace and judged, %d malformed; first %v, last %v", rounds*len(kinds), traced, tot.Malformed, tot.First, tot.Last)
	if stopCapture == nil {
		return
	}
	captured := stopCapture()
	if len(captured) != rounds*len(kinds) {
		t.Errorf("the packet capture saw %d requests, %d were sent", len(captured), rounds*len(kinds))
	}
	median, largest := compareHEPTimes(t, hepTimes, captured)
	// siptrace stamps a message when its worker runs sip_trace(), after the
	// kernel's capture time: a loaded machine delays the worker
	if largest > 200*time.Millisecond {
		t.Errorf("HEP times differ from the packet capture's by up to %v (median %v)", largest, median)
	}
	t.Logf("packet capture: %d requests (the %d core-dropped ones too); HEP time minus capture time: median %v, largest %v", len(captured), rounds*len(kinds)-int(traced), median, largest)
}

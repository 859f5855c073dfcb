package main

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// sinkMsg is a SUBSCRIBE that fails sanity check 512 (Proxy-Require), as
// the leak demo's Yealink sends it.
const sinkMsg = "SUBSCRIBE sip:100@192.0.2.1 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1\r\n" +
	"From: <sip:7@192.0.2.1>;tag=1\r\nTo: <sip:100@192.0.2.1>\r\nCall-ID: c1\r\nCSeq: 1 SUBSCRIBE\r\n" +
	"Max-Forwards: 70\r\nProxy-Require: sip.mysipproxy.com\r\nUser-Agent: Yealink SIP-T48G 35.72.188.7\r\n" +
	"Event: presence\r\nContent-Length: 0\r\n\r\n"

func sinkJudged(tb testing.TB) *judged {
	tb.Helper()
	j := judgedMessage(tb, sinkMsg)
	if j.verdict.First != sipparse.CheckProxyRequire {
		tb.Fatalf("verdict %v, want proxy_require", j.verdict.First)
	}
	return j
}

// TestLogSinkAllocs: with --logs and a capture, the per-message work of the
// log signal (source-address map, the cross-check's own timeline) does not
// allocate once the source and UA are known.
func TestLogSinkAllocs(t *testing.T) {
	r := &logRun{f: &logFlags{}, addrs: newAddrMap(), uas: newLogUAs(),
		tl: correlate.NewTimeline(correlate.TimelineOptions{}), ownTL: true}
	j := sinkJudged(t)
	sink := r.sink()
	for range 3 {
		sink("a.pcap", j)
	}
	if n := testing.AllocsPerRun(1000, func() { sink("a.pcap", j) }); n != 0 {
		t.Errorf("%.1f allocations per message, want 0", n)
	}
	if ua, present, ok, _ := r.addrs.lookup(j.dg.Src.Addr()); !ok || !present || ua != "Yealink SIP-T48G 35.72.188.7" {
		t.Errorf("lookup: %q %v %v", ua, present, ok)
	}
}

func BenchmarkLogSink(b *testing.B) {
	r := &logRun{f: &logFlags{}, addrs: newAddrMap(), uas: newLogUAs(),
		tl: correlate.NewTimeline(correlate.TimelineOptions{}), ownTL: true}
	j := sinkJudged(b)
	sink := r.sink()
	b.ReportAllocs()
	for b.Loop() {
		j.dg.Time = j.dg.Time.Add(time.Millisecond)
		sink("a.pcap", j)
	}
}

// TestAddLogAllocs: counting a log hit of a known UA, or of a known
// unattributed source, allocates nothing.
func TestAddLogAllocs(t *testing.T) {
	r := &logRun{f: &logFlags{}, addrs: newAddrMap(), uas: newLogUAs(), ruleOf: map[string]uint32{},
		tl: correlate.NewTimeline(correlate.TimelineOptions{})}
	t0 := time.Unix(1_800_000_000, 0)
	src := netip.MustParseAddrPort("192.0.2.9:5060")
	r.addLog(t0, "Yealink", true, src, 1)
	r.addLog(t0, "", false, src, 1)
	if n := testing.AllocsPerRun(1000, func() {
		r.addLog(t0, "Yealink", true, src, 1)
		r.addLog(t0, "", false, src, 1)
	}); n != 0 {
		t.Errorf("%.1f allocations per two hits, want 0", n)
	}
	if got := r.uas.m[logKey{unknown: true, src: netip.MustParseAddr("192.0.2.9")}]; got == nil || got.hits != 1002 || got.tlUA != "(unknown UA from 192.0.2.9)" {
		t.Errorf("unknown source stat %+v", got)
	}
}

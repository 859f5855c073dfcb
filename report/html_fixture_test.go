package report

import (
	"net/netip"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// The HTML report's fixture: 20 minutes at an edge, a Yealink leaking pkg
// memory through Proxy-Require failures in two bursts (the growth windows),
// a second suspect whose User-Agent is hostile markup, a loud CSeq offender
// without impact, and memory sampled every 5 s (pkg of three processes and
// shm). Times are shown in a fixed zone so the output does not depend on
// the machine's TZ.

// htmlHostileUA is the hostile User-Agent of the browser test: if it were
// rendered as markup, its script or image handler would change the title.
const htmlHostileUA = `<script>document.title='pwned'</script><img src=x onerror="document.title='pwned'">` + "\x1b[31m\u202e"

const (
	htmlYealink = "Yealink SIP-T48G 35.72.188.7"
	htmlGrand   = "Grandstream GXP2160 1.0.11.3"
)

var (
	htmlT0   = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	htmlZone = time.FixedZone("CET", 3600)
)

// noise is a fixed pseudo-random value in [-1, 1) for sample s.
func noise(s int) float64 {
	h := uint32(s)*2654435761 + 12345
	h ^= h >> 13
	h *= 0x5bd1e995
	return float64(h%2000)/1000 - 1
}

// inBurst says whether second s of the fixture is inside a leak burst.
func inBurst(s int) bool { return (s >= 240 && s < 480) || (s >= 780 && s < 960) }

func htmlFixture() *HTMLReport {
	ap := netip.MustParseAddrPort
	inv := correlate.NewInventory(correlate.InventoryLimits{})
	tl := correlate.NewTimeline(correlate.TimelineOptions{})
	add := func(ua string, s float64, src string, method string, failed, first uint32, hdr string) {
		t := htmlT0.Add(time.Duration(s * float64(time.Second)))
		inv.Add(&correlate.Observation{Time: t, UA: []byte(ua), Src: ap(src), Request: true, Method: []byte(method),
			Failed: failed, First: first})
		tl.Add(&correlate.Event{Time: t, UA: ua, Src: ap(src), Failed: failed, First: first,
			Source: correlate.SourceCapture, Example: uint64(s*10) + 1, Header: []byte(hdr)})
	}
	for s := 0; s < 1200; s += 2 {
		if inBurst(s) {
			add(htmlYealink, float64(s)+0.5, "198.51.100.7:5060", "SUBSCRIBE", 512, 512, "Proxy-Require: sip.mysipproxy.com")
		}
		if s%10 == 0 {
			add(htmlGrand, float64(s)+0.2, "203.0.113.5:5062", "REGISTER", 64, 64, "CSeq: 99999999999 REGISTER")
			add("PolycomVVX-VVX_410-UA/5.9.5.0614", float64(s)+0.3, "192.0.2.20:5060", "REGISTER", 0, 0, "")
		}
		if s%120 == 0 && s > 0 {
			add(htmlHostileUA, float64(s)+1, "[2001:db8::9]:5060", "INVITE", 512, 512, "Proxy-Require: x")
		}
	}
	a := &Analysis{
		Files: []FileSummary{{Path: "edge.pcapng", Packets: 1500}},
		Counters: []Counter{{Key: "packets", Name: "packets", Value: 1500},
			{Key: "non_sip", Name: "UDP/TCP payloads that are not SIP", Value: 12, Skip: true}},
		Totals: Totals{Packets: 1500, Bytes: 912000, SIPMessages: 489, Requests: 489, Malformed: 369,
			First: htmlT0.Add(200 * time.Millisecond), Last: htmlT0.Add(1199 * time.Second)},
		Sanity:     SanityConfig{Version: "5.2.3", Checks: 3047, URIChecks: 7, From: "defaults"},
		Inventory:  inv,
		TopSources: 3,
		Defects: []KnownDefect{{ID: "GH-1990", Title: "sanity proxy_require leaks the parsed token list on the 420 path",
			Rule: 512, Messages: 219, Effect: "pkg leak ~128 B real_used per message", FixedIn: "5.2.4",
			Ref: "https://github.com/kamailio/kamailio/issues/1990"}},
		Notes: []string{"SIP server 192.0.2.1:5060 (auto-detected): 0 messages it sent are counted but not judged"},
	}

	// Memory: pkg of three processes, the first leaking 128 B per Yealink
	// message; shm drifting slowly. Sampled every 5 s with a little noise.
	mem := []correlate.MemSeries{
		{Name: "pkg real_used entry 1 (udp receiver child=0)", Pool: correlate.PoolPkg, Metric: "real_used", Total: 8 << 20},
		{Name: "pkg real_used entry 2 (udp receiver child=1)", Pool: correlate.PoolPkg, Metric: "real_used", Total: 8 << 20},
		{Name: "pkg real_used entry 3 (timer)", Pool: correlate.PoolPkg, Metric: "real_used", Total: 8 << 20},
		{Name: "shm real_used", Pool: correlate.PoolShm, Metric: "real_used", Total: 64 << 20},
	}
	leaked := 0.0
	for s := 0; s <= 1200; s += 5 {
		for k := s - 5; k < s; k++ {
			if k >= 0 && inBurst(k) && k%2 == 0 {
				leaked += 128 * 40 // the fixture's messages stand for 40 each
			}
		}
		t := htmlT0.Add(time.Duration(s) * time.Second)
		wobble := 600 * noise(s)
		mem[0].Points = append(mem[0].Points, correlate.MemPoint{Time: t, Used: 3.1e6 + leaked + wobble})
		mem[1].Points = append(mem[1].Points, correlate.MemPoint{Time: t, Used: 1.2e6 + wobble/2})
		mem[2].Points = append(mem[2].Points, correlate.MemPoint{Time: t, Used: 0.8e6})
		// shm: Kamailio restarted at 10:18:20 local (fresh shm, segment 1).
		shm, seg := 21.5e6+float64(s)*40+wobble, 0
		if s >= 1100 {
			shm, seg = 21.4e6+float64(s-1100)*40+wobble, 1
		}
		mem[3].Points = append(mem[3].Points, correlate.MemPoint{Time: t, Used: shm, Segment: seg})
	}
	start, end := htmlT0.Add(10*time.Second), htmlT0.Add(1190*time.Second)
	yealinkCfg := []string{`modparam("sanity", "default_checks", 2535)`}
	rep := &correlate.Report{
		Start: start, End: end, Bucket: 10 * time.Second, Buckets: 118, Source: "capture",
		Targets: []correlate.TargetFit{{Series: "pkg real_used (sum)", Pool: "pkg", Metric: "real_used", Members: 3, Rows: 117, R2: 0.93, Noise: 900, Growth: 1.65e6, Windowed: 42}},
		Suspects: []correlate.Suspect{
			{UA: htmlYealink, Device: correlate.NormalizeUA(htmlYealink), Rules: 512, First: 512, Count: 210, CountCapture: 210,
				Sources: []correlate.SourceCount{{Addr: ap("198.51.100.7:5060"), Count: 210}},
				Target:  "pkg real_used (sum)", Pool: "pkg", BytesPerMessage: 5105, CI: correlate.Interval{Low: 4870, High: 5330},
				PValue: 1e-9, PartialR2: 0.9, R2: 0.93, Share: 0.97, Lift: 41.5, Rate: 1380,
				Defect: &correlate.DefectMatch{ID: "GH-1990", Affected: true, VersionKnown: true, Expected: "24 B used or 128 B real_used per token",
					FixedIn: "5.2.4", Summary: "sanity proxy_require 420 path leaks the parsed Proxy-Require token list (pkg)"},
				Tokens:     []correlate.TokenCount{{Token: "sip.mysipproxy.com", Count: 210}},
				Example:    correlate.Example{Ref: 2406, Time: htmlT0.Add(240500 * time.Millisecond), Header: "Proxy-Require: sip.mysipproxy.com"},
				Projection: 3*24*time.Hour + 7*time.Hour},
			{UA: htmlHostileUA, Device: correlate.NormalizeUA(htmlHostileUA), Rules: 512, First: 512, Count: 9, CountCapture: 9,
				Sources: []correlate.SourceCount{{Addr: ap("[2001:db8::9]:5060"), Count: 9}},
				Target:  "pkg real_used (sum)", Pool: "pkg", BytesPerMessage: 140, CI: correlate.Interval{Low: 12, High: 260},
				PValue: 2e-4, Share: 0.01, Lift: 1.1, Rate: 1.1,
				Example: correlate.Example{Ref: 1211, Time: htmlT0.Add(121 * time.Second), Header: "Proxy-Require: x"}},
		},
		MalformedWithoutImpact: []correlate.Bystander{{UA: htmlGrand, Device: correlate.NormalizeUA(htmlGrand), Rules: 64, Count: 120,
			Sources: []correlate.SourceCount{{Addr: ap("203.0.113.5:5062"), Count: 120}}, Tested: true,
			BytesPerMessage: 0.4, CI: correlate.Interval{Low: 0, High: 3.1}, Lift: 1.0,
			Reason:  "no memory effect: 95% interval [0, 3.1] B/message includes 0",
			Example: correlate.Example{Ref: 3, Time: htmlT0.Add(200 * time.Millisecond), Header: "CSeq: 99999999999 REGISTER"}}},
		Projections: []correlate.Projection{
			{Series: mem[0].Name, Pool: "pkg", Total: 8 << 20, Used: 4.75e6, Free: 8<<20 - 4.75e6, Slope: 1380, Attributed: 1340,
				Exhaustion: 3*24*time.Hour + 7*time.Hour, At: end.Add(3*24*time.Hour + 7*time.Hour)},
			{Series: "shm real_used", Pool: "shm", Total: 64 << 20, Used: 21.5e6 + 48000, Free: 64<<20 - 21.5e6, Slope: 40,
				Exhaustion: 12 * 24 * time.Hour, At: end.Add(12 * 24 * time.Hour)},
		},
		Weakest: 0,
		Remediation: []correlate.Remediation{
			{Kind: "upgrade", Upgrade: "5.2.4", UAs: []string{htmlYealink}, Why: "GH-1990 leaks on 5.2.3; fixed in 5.2.4"},
			{Kind: "default_checks", Lines: yealinkCfg, UAs: []string{htmlYealink, htmlHostileUA}, Why: "default_checks 3047 without 512 (proxy_require) = 2535"},
			{Kind: "proxy_require", Alternative: true, Lines: []string{`modparam("sanity", "proxy_require", "sip.mysipproxy.com")`},
				UAs: []string{htmlYealink}, Why: "declares the option tag the phones send as supported"},
		},
		Notes: []correlate.Note{{Kind: "coverage", Text: "the capture covers 99% of the memory window"}},
	}
	for _, s := range mem {
		rep.Windows = append(rep.Windows, correlate.GrowthWindows(s, correlate.GrowthOptions{})...)
	}
	return &HTMLReport{
		Analysis: a,
		Offenders: &Offenders{Attribution: rep, Analysis: a,
			Memory: MemoryInput{Source: "mem.jsonl", Kind: "recording", Version: "kamailio 5.2.3 (x86_64/linux)", Samples: 241,
				First: htmlT0, Last: htmlT0.Add(1200 * time.Second), Series: []string{"shm real_used", "pkg real_used of 3 processes"}}},
		Memory:   mem,
		Timeline: tl,
		Examples: []ExampleMessage{{UA: htmlYealink, Rule: 512, Packet: 2406, Time: htmlT0.Add(240500 * time.Millisecond),
			Message: "SUBSCRIBE sip:1001@sip.example.net SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1\r\n" +
				"From: <sip:1001@sip.example.net>;tag=1\r\nTo: <sip:1001@sip.example.net>\r\nCall-ID: 1@198.51.100.7\r\n" +
				"CSeq: 1 SUBSCRIBE\r\nProxy-Require: sip.mysipproxy.com\r\nUser-Agent: " + htmlYealink + "\r\nContent-Length: 0\r\n\r\n",
			Line: 7, Header: "Proxy-Require: sip.mysipproxy.com", Code: 420, Reason: "Bad Proxy Require Extension"}},
		Evidence: "evidence.pcapng",
		Location: htmlZone,
	}
}

package synth

import "time"

// DemoScenario is the traffic of testdata/demo/edge.pcapng: two hours of
// a Kamailio edge from Start on, about 3000 SIP messages. Four Yealink
// SIP-T48G phones re-register every 2 minutes with Proxy-Require:
// sip.mysipproxy.com and get 420 (the DESIGN.md offender); a Grandstream
// pings every 10 s with an illegal CSeq number and gets 400 (high volume,
// but not the leak); Polycom, Zoiper and Linphone (TCP) phones register
// with digest and make calls (Linphone keeps its TCP connection alive
// with CRLF pings every 90 s); a friendly-scanner sweeps OPTIONS three
// times.
func DemoScenario() *Scenario {
	return &Scenario{
		Start: Start,
		Until: Start.Add(2 * time.Hour),
		Seed:  2019, // the year of kamailio issue #1990
		Profiles: []Profile{
			{UA: UAYealink, Kind: KindRegistrar, Devices: 4, Interval: 2 * time.Minute, Defect: DefectProxyRequire},
			{UA: UAGrandstream, Kind: KindPinger, Devices: 1, Interval: 10 * time.Second, Defect: DefectCSeqNumber},
			{UA: UAPolycom, Kind: KindPhone, Devices: 3, Interval: 10 * time.Minute, CallEvery: 20 * time.Minute},
			{UA: UAZoiper, Kind: KindPhone, Devices: 2, Interval: 10 * time.Minute, CallEvery: 30 * time.Minute},
			{UA: UALinphone, Kind: KindPhone, Devices: 1, Transport: "TCP", Interval: 10 * time.Minute, CallEvery: 30 * time.Minute, KeepAlive: 90 * time.Second},
			{UA: UAScanner, Kind: KindScanner, Devices: 1, Interval: 40 * time.Minute, SweepSize: 100},
		},
	}
}

// BenchScenario is the benchmark traffic: the demo's device mix scaled to
// about 500 devices (about 9 SIP messages per second, so 200 000 messages
// span about 6 hours), plus a scanner that randomises its User-Agent on
// every request (about 1 000 new UAs per hour, so UA cardinality grows
// with the file), stopping after n messages.
func BenchScenario(n int, seed uint64) *Scenario {
	return &Scenario{
		Start:       Start,
		MaxMessages: n,
		Seed:        seed,
		Profiles: []Profile{
			{UA: UAYealink, Kind: KindRegistrar, Devices: 150, Interval: 2 * time.Minute, Defect: DefectProxyRequire},
			{UA: UAGrandstream, Kind: KindPinger, Devices: 10, Interval: 10 * time.Second, Defect: DefectCSeqNumber},
			{UA: UAPolycom, Kind: KindPhone, Devices: 200, Interval: 10 * time.Minute, CallEvery: 20 * time.Minute},
			{UA: UAZoiper, Kind: KindPhone, Devices: 100, Interval: 10 * time.Minute, CallEvery: 30 * time.Minute},
			{UA: UALinphone, Kind: KindPhone, Devices: 50, Transport: "TCP", Interval: 10 * time.Minute, CallEvery: 30 * time.Minute, KeepAlive: 90 * time.Second},
			{UA: UAScanner, Kind: KindScanner, Devices: 3, Interval: 30 * time.Minute, SweepSize: 500},
			{UA: "sipcli", Kind: KindScanner, Devices: 1, Interval: 12 * time.Minute, SweepSize: 200, UniqueUA: true},
		},
	}
}

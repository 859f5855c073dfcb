package sipparse

import (
	"encoding/binary"
	"io"
	"net/netip"
	"sync"
	"testing"

	"github.com/sipcorr/sipcorr/internal/synth"
)

// benchMixSize is the size of the analyze bench scenario the mix is drawn
// from (cmd/sipcorr's benchMessages): calls start only minutes into it.
const benchMixSize = 20000

// benchMixKeep bounds the messages the benchmarks cycle through (every
// n-th message is kept, so the mix stays the scenario's): ≈ 1 MB fits in
// L2, as a payload analyze has just decoded is in cache. Cycling through
// 9 MB would add a cache miss per message that analyze does not pay.
const benchMixKeep = 2000

var benchMix struct {
	once sync.Once
	all  [][]byte // SIP payloads of both directions, in capture order
	dev  [][]byte // those the devices sent
	err  error
}

// benchMixMessages returns the SIP payloads of synth.BenchScenario, the
// traffic `sipcorr analyze` is benchmarked on: registrations with and
// without Proxy-Require, digest challenges, calls with SDP, ACK, BYE,
// OPTIONS pingers and scanners, and the edge's replies (100, 200, 401,
// 420, 400). devices leaves the edge's messages out, as analyze judges
// only what the others send (cmd/sipcorr pipeline.judgeInto).
func benchMixMessages(tb testing.TB, devices bool) [][]byte {
	benchMix.once.Do(func() {
		c, err := synth.NewPcapCapture(io.Discard, synth.LinkEthernet, synth.PcapOptions{}, synth.Start, 0)
		if err != nil {
			benchMix.err = err
			return
		}
		edge := synth.EdgeV4.Addr().As4()
		c.Wrap(func(ip []byte) ([]byte, error) {
			if p, fromEdge := ipv4Payload(ip, edge); len(p) > 0 {
				p = append([]byte(nil), p...)
				benchMix.all = append(benchMix.all, p)
				if !fromEdge {
					benchMix.dev = append(benchMix.dev, p)
				}
			}
			return ip, nil
		})
		benchMix.err = synth.BenchScenario(benchMixSize, 1).Run(c)
	})
	if benchMix.err != nil {
		tb.Fatal(benchMix.err)
	}
	if len(benchMix.dev) == 0 || len(benchMix.all) == len(benchMix.dev) {
		tb.Fatal("the bench scenario lacks device or edge messages")
	}
	if devices {
		return sample(benchMix.dev, benchMixKeep)
	}
	return sample(benchMix.all, benchMixKeep)
}

// sample returns every n-th of msgs, n chosen to keep at most max, laid
// out one after the other in one buffer with a packet's headers (pcap
// record, Ethernet, IPv4, UDP: 58 bytes) between them, as they lie in the
// capture file analyze reads: the hardware prefetcher then sees the next
// message coming, as it does there.
func sample(msgs [][]byte, max int) [][]byte {
	const headers = 16 + 14 + 20 + 8
	n := (len(msgs) + max - 1) / max
	var buf []byte
	var ends []int
	for i := 0; i < len(msgs); i += n {
		buf = append(buf, make([]byte, headers)...)
		buf = append(buf, msgs[i]...)
		ends = append(ends, len(buf))
	}
	out := make([][]byte, len(ends))
	for i, e := range ends {
		s := e - len(msgs[i*n])
		out[i] = buf[s:e:e]
	}
	return out
}

// ipv4Payload returns the UDP or TCP payload of an unfragmented IPv4
// packet (nil otherwise, and for CRLF keep-alives) and whether edge sent it.
func ipv4Payload(ip []byte, edge [4]byte) ([]byte, bool) {
	if len(ip) < 20 || ip[0]>>4 != 4 || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
		return nil, false
	}
	src, _ := netip.AddrFromSlice(ip[12:16])
	hl := int(ip[0]&0x0f) * 4
	if hl < 20 || len(ip) < hl {
		return nil, false
	}
	l4 := ip[hl:]
	var p []byte
	switch ip[9] {
	case 17:
		if len(l4) >= 8 {
			p = l4[8:]
		}
	case 6:
		if len(l4) >= 20 && int(l4[12]>>4)*4 <= len(l4) {
			p = l4[int(l4[12]>>4)*4:]
		}
	}
	if len(p) < 16 {
		return nil, false // empty segments and keep-alive pings
	}
	return p, src.As4() == edge
}

// benchJudge judges like cmd/sipcorr's default analyze: requests with the
// module defaults, replies with the stock reply_route mask (17604, uri 6).
type benchJudge struct{ req, rep *Engine }

func newBenchJudge(tb testing.TB) benchJudge {
	return benchJudge{
		req: mustEngine(tb, DefaultConfig()),
		rep: mustEngine(tb, Config{Version: LatestRelease(), Checks: stockReplyChecks, URIChecks: 6}),
	}
}

func (j benchJudge) judge(m *Message, v *Verdict) {
	if m.IsRequest {
		j.req.Judge(m, v)
	} else {
		j.rep.Judge(m, v)
	}
}

// BenchmarkParseJudgeMix is Parse+Judge per message over the analyze bench
// traffic (≈ 440-byte messages): what the devices send (what analyze
// judges) and both directions.
func BenchmarkParseJudgeMix(b *testing.B) {
	b.Run("devices", func(b *testing.B) { benchParseJudge(b, benchMixMessages(b, true)) })
	b.Run("all", func(b *testing.B) { benchParseJudge(b, benchMixMessages(b, false)) })
}

func benchParseJudge(b *testing.B, msgs [][]byte) {
	j := newBenchJudge(b)
	var m Message
	var v Verdict
	total := 0
	for _, raw := range msgs {
		total += len(raw)
	}
	b.SetBytes(int64(total / len(msgs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw := msgs[i]
		if i++; i == len(msgs) {
			i = 0
		}
		if Parse(raw, &m) == nil {
			j.judge(&m, &v)
		}
	}
}

// BenchmarkParseMix is Parse alone over the same messages.
func BenchmarkParseMix(b *testing.B) {
	msgs := benchMixMessages(b, false)
	var m Message
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = Parse(msgs[i], &m)
		if i++; i == len(msgs) {
			i = 0
		}
	}
}

// TestParseJudgeMixZeroAlloc: once warmed up, the whole bench mix parses
// and judges without allocating.
func TestParseJudgeMixZeroAlloc(t *testing.T) {
	msgs := benchMixMessages(t, false)
	j := newBenchJudge(t)
	var m Message
	var v Verdict
	run := func() {
		for _, raw := range msgs {
			if Parse(raw, &m) == nil {
				j.judge(&m, &v)
			}
		}
	}
	run()
	if a := testing.AllocsPerRun(3, run); a != 0 {
		t.Errorf("Parse+Judge over %d messages allocates %.1f times, want 0", len(msgs), a)
	}
}

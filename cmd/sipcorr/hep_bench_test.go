package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/livetest"
	"github.com/sipcorr/sipcorr/internal/synth"
)

// BenchmarkLiveHEPDrops is BenchmarkLiveDrops for the HEP listener: it
// raises the rate of the known SIP mix, each message sent as HEPv3 (as
// siptrace sends it) to `sipcorr capture --hep udp:127.0.0.1:PORT` (a
// subprocess), until the capture misses messages: dropped from its queue
// or from the socket buffer (sent but never received). It reports the
// last drop-free rate. Same knobs as BenchmarkLiveDrops
// (SIPCORR_BENCH_SECONDS, SIPCORR_BENCH_SENDERS, SIPCORR_BENCH_CPUPROFILE);
// no root needed:
//
//	go test ./cmd/sipcorr -run '^$' -bench LiveHEPDrops -benchtime 1x -v
func BenchmarkLiveHEPDrops(b *testing.B) {
	secs := benchEnvInt("SIPCORR_BENCH_SECONDS", 5)
	senders := benchEnvInt("SIPCORR_BENCH_SENDERS", 2)
	rates := []float64{20000, 40000, 60000, 80000, 100000, 130000, 160000, 200000, 0}
	for i := 0; i < b.N; i++ {
		var lastOK, firstDrop dropStep
		for _, rate := range rates {
			s := hepStep(b, rate, secs, senders)
			b.Logf("requested %-7s sent %7.0f msg/s (%6.1f Mb/s of HEP): judged %d of %d, queue drops %d",
				rateName(rate), s.rate, s.mbps, s.captured, s.sent, s.drops)
			if s.drops > 0 || s.captured < s.sent {
				firstDrop = s
				break
			}
			if s.rate > lastOK.rate {
				lastOK = s
			}
		}
		b.ReportMetric(lastOK.rate, "dropfree_msgs/s")
		if firstDrop.sent > 0 {
			b.ReportMetric(firstDrop.rate, "drops_at_msgs/s")
		}
	}
}

// hepWrapFor encapsulates a SIP message as siptrace would trace it: the
// seq-th message of a sender gets its own capture time (one microsecond
// apart) and source port, and each sender is a phone of its own. The mix
// sends a kind's message several times in a row, and the senders the same
// mix at the same time: with one address and port those would be
// duplicates, and dropped as siptrace's doubles are.
func hepWrapFor(sender int) func(dst, msg []byte, seq uint64) []byte {
	src := netip.AddrFrom4([4]byte{10, 0, 1, byte(sender)})
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	return func(dst, msg []byte, seq uint64) []byte {
		h := synth.HEP{Src: netip.AddrPortFrom(src, uint16(1024+seq%50000)), Dst: netip.MustParseAddrPort("10.213.0.1:5060"),
			Time: t0.Add(time.Duration(seq) * time.Microsecond), CaptureID: 2001, Payload: msg}
		return h.AppendHEP3(dst)
	}
}

// hepSendParallel is sendParallel with a HEP source address per sender.
func hepSendParallel(b *testing.B, conns []*net.UDPConn, dst *net.UDPAddr, plan livetest.Plan) livetest.Result {
	results := make([]livetest.Result, len(conns))
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := plan
			p.Wrap = hepWrapFor(i)
			results[i], errs[i] = livetest.Send(context.Background(), c, dst, p)
		}()
	}
	wg.Wait()
	var sum livetest.Result
	for i, r := range results {
		if errs[i] != nil {
			b.Fatal(errs[i])
		}
		sum.Total += r.Total
		sum.Bytes += r.Bytes
		sum.Elapsed = max(sum.Elapsed, r.Elapsed)
	}
	return sum
}

// freeUDPPort returns a UDP port free on 127.0.0.1 a moment ago.
func freeUDPPort(b *testing.B) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	if err := c.Close(); err != nil {
		b.Fatal(err)
	}
	return port
}

// hepStep runs one capture at one rate (0: as fast as the senders go).
func hepStep(b *testing.B, rate float64, secs, senders int) dropStep {
	port := freeUDPPort(b)
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	conns := make([]*net.UDPConn, senders)
	for i := range conns {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	res, r := benchCapture(b, []string{"--hep", fmt.Sprintf("udp:127.0.0.1:%d", port)}, rate, secs, 1000000,
		func(plan livetest.Plan) livetest.Result {
			plan.Total /= senders
			plan.Rate /= float64(senders)
			return hepSendParallel(b, conns, dst, plan)
		})
	cnt := r.Analysis.Summary.Counters
	if cnt["hep_duplicates"] != 0 {
		b.Fatalf("%d messages taken for duplicates: the mix repeats too soon", cnt["hep_duplicates"])
	}
	sec := res.Elapsed.Seconds()
	b.Logf("  received %d of %d sent (lost %d, socket drops counted %d), queue drops %d", cnt["hep_datagrams"], res.Total,
		uint64(res.Total)-cnt["hep_datagrams"], cnt["hep_socket_drops"], cnt["hep_queue_drops"])
	return dropStep{rate: res.Rate(), mbps: float64(res.Bytes) * 8 / sec / 1e6,
		sent: uint64(res.Total), captured: r.Analysis.Summary.SIPMessages,
		drops: cnt["hep_queue_drops"] + uint64(res.Total) - cnt["hep_datagrams"]}
}

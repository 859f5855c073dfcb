package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/livetest"
)

// BenchmarkLiveDrops raises the rate of the known SIP mix over a veth link
// until `sipcorr capture` (a subprocess built without -race) reports kernel
// drops, and reports the last drop-free rate. Each step sends for
// SIPCORR_BENCH_SECONDS (default 5) with a ring of SIPCORR_BENCH_RING_MIB
// (default 64, the command's default; a small ring measures how long the
// scheduler leaves the capture without a CPU rather than its speed), from
// SIPCORR_BENCH_SENDERS (default 2) paced senders on their own sockets. SIPCORR_BENCH_CPUPROFILE=PREFIX writes a CPU profile of
// the capture per step. Run it alone, as root:
//
//	go test ./cmd/sipcorr -run '^$' -bench LiveDrops -benchtime 1x -v
func BenchmarkLiveDrops(b *testing.B) {
	livetest.RequireRoot(b)
	secs := benchEnvInt("SIPCORR_BENCH_SECONDS", 5)
	senders := benchEnvInt("SIPCORR_BENCH_SENDERS", 2)
	ring := benchEnvInt("SIPCORR_BENCH_RING_MIB", 64)
	rates := []float64{20000, 40000, 60000, 80000, 100000, 130000, 160000, 200000, 250000, 300000, 0}
	for i := 0; i < b.N; i++ {
		var lastOK, firstDrop dropStep
		for _, rate := range rates {
			s := liveStep(b, rate, secs, ring, senders)
			b.Logf("requested %-7s sent %7.0f msg/s (%6.1f Mb/s payload, %6.1f Mb/s on the wire): captured %d of %d, kernel drops %d",
				rateName(rate), s.rate, s.mbps, s.wireMbps, s.captured, s.sent, s.drops)
			if s.drops > 0 || s.captured < s.sent {
				firstDrop = s
				break
			}
			if s.rate > lastOK.rate {
				lastOK = s
			}
		}
		b.ReportMetric(lastOK.rate, "dropfree_msgs/s")
		b.ReportMetric(lastOK.mbps, "dropfree_Mb/s")
		if firstDrop.sent > 0 {
			b.ReportMetric(firstDrop.rate, "drops_at_msgs/s")
			b.ReportMetric(firstDrop.mbps, "drops_at_Mb/s")
		}
	}
}

type dropStep struct {
	rate, mbps, wireMbps float64
	sent, captured       uint64
	drops                uint64
}

func rateName(r float64) string {
	if r == 0 {
		return "max"
	}
	return fmt.Sprintf("%.0f", r)
}

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// liveStep runs one capture at one rate (0: as fast as the sender goes).
func liveStep(b *testing.B, rate float64, secs, ringMiB, senders int) dropStep {
	p := livetest.NewPair(b)
	sink, err := p.SinkConn(5060)
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	conns := make([]*net.UDPConn, senders)
	var dst *net.UDPAddr
	for i := range conns {
		if conns[i], dst, err = p.SenderConn(0, 5060); err != nil {
			b.Fatal(err)
		}
		defer conns[i].Close()
	}
	res, r := benchCapture(b, []string{"-i", p.CaptureIf, "--netns", p.Capture, "--ring-size", strconv.Itoa(ringMiB)},
		rate, secs, 2000000, func(plan livetest.Plan) livetest.Result {
			plan.Total /= senders
			plan.Rate /= float64(senders)
			return sendParallel(b, conns, dst, plan)
		})
	sec := res.Elapsed.Seconds()
	// on the wire: Ethernet 14 + IPv4 20 + UDP 8 per packet (fragments add more)
	return dropStep{rate: res.Rate(), mbps: float64(res.Bytes) * 8 / sec / 1e6,
		wireMbps: float64(res.Bytes+42*res.Total) * 8 / sec / 1e6,
		sent:     uint64(res.Total), captured: r.Analysis.Summary.SIPMessages, drops: r.Capture.KernelDrops}
}

// benchCapture runs `sipcorr capture` with args (plus a JSON report and a
// CPU profile per rate when SIPCORR_BENCH_CPUPROFILE names a prefix), has
// send deliver rate × secs messages (maxTotal when rate is 0, as fast as
// the senders go), stops the capture as SIGINT does and returns what was
// sent and the final report. Both live benchmarks (AF_PACKET, HEP) use it.
func benchCapture(b *testing.B, args []string, rate float64, secs, maxTotal int, send func(livetest.Plan) livetest.Result) (livetest.Result, *liveReport) {
	out := filepath.Join(b.TempDir(), "final.json")
	args = append(args, "--format", "json", "-o", out, "--log-every", "1h")
	if prof := os.Getenv("SIPCORR_BENCH_CPUPROFILE"); prof != "" {
		args = append(args, "--cpuprofile", fmt.Sprintf("%s.%s", prof, rateName(rate)))
	}
	c := startCapture(b, args...)
	c.waitReady(b)
	total := int(rate) * secs
	if rate == 0 {
		total = maxTotal
	}
	res := send(livetest.Plan{Total: total, Rate: rate, MaxDuration: time.Duration(secs)*time.Second + 30*time.Second})
	time.Sleep(time.Second)
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		b.Fatal(err)
	}
	if code := c.wait(b, time.Minute); code != 0 {
		b.Fatalf("exit %d\n%s", code, c.log())
	}
	return res, readLiveReport(b, out)
}

// sendParallel runs one paced sender per socket and sums their results;
// the elapsed time is the longest.
func sendParallel(b *testing.B, conns []*net.UDPConn, dst *net.UDPAddr, plan livetest.Plan) livetest.Result {
	results := make([]livetest.Result, len(conns))
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = livetest.Send(context.Background(), c, dst, plan)
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
		sum.Retries += r.Retries
		sum.Elapsed = max(sum.Elapsed, r.Elapsed)
	}
	return sum
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/internal/livetest"
	"github.com/sipcorr/sipcorr/internal/synth"
)

// hepLiveMessages is the i-th message of the HEP live tests, the same
// the plain run gets in a frame: livetest's mix (malformed kinds
// included), from 10.0.0.(i%7):5060 to 10.213.0.1:5060, 50 µs apart.
func hepLiveMessage(i int, t0 time.Time) synth.HEP {
	kinds := livetest.Mix()
	k := kinds[i%len(kinds)]
	if k.Big {
		k = kinds[0]
	}
	return synth.HEP{
		Src:     netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i % 7)}), 5060),
		Dst:     netip.MustParseAddrPort("10.213.0.1:5060"),
		Time:    t0.Add(time.Duration(i) * 50 * time.Microsecond),
		Payload: k.Message(uint64(i)),
	}
}

// sendHEPLive sends messages 0..n-1 as HEPv3 to addr, pausing so that a
// loopback socket buffer never overflows.
func sendHEPLive(addr string, n int, t0 time.Time, key string) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	var b []byte
	for i := range n {
		m := hepLiveMessage(i, t0)
		m.AuthKey = key
		b = m.AppendHEP3(b[:0])
		if _, err := c.Write(b); err != nil {
			return err
		}
		if i%64 == 63 {
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

// recordHEP writes a pcap of messages 0..n-1 as HEP datagrams from a
// siptrace agent to a collector on 9060, recorded a second after their
// HEP times, and returns its path.
func recordHEP(t *testing.T, n int, t0 time.Time) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hep-feed.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := synth.NewPcapCapture(f, synth.LinkEthernet, synth.PcapOptions{}, t0.Add(time.Second), 50*time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	agent, collector := netip.MustParseAddrPort("192.0.2.250:5060"), netip.MustParseAddrPort("192.0.2.251:9060")
	for i := range n {
		m := hepLiveMessage(i, t0)
		ip, err := c.Packer().UDP(agent, collector, m.AppendHEP3(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Packet(ip, 0); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// firstDiff is the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// runLiveUntil runs r's loop until stop says so (or 20 s), then returns.
func runLiveUntil(t *testing.T, r *liveRun, stop func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r.out = &liveOutputs{log: &lockedBuffer{}, refresh: time.Second, logEvery: time.Hour}
	r.out.start(time.Now())
	r.loop(ctx, func(time.Time) {
		if stop() {
			cancel()
		}
	})
}

// uasOf is the "uas" member of the run's JSON analysis.
func uasOf(t *testing.T, r *liveRun) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.writeFinal(&buf, "json"); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Analysis struct {
			UAs json.RawMessage `json:"uas"`
		} `json:"analysis"`
	}
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	return compactJSON(t, d.Analysis.UAs)
}

// compactJSON drops the indentation, which depends on the nesting.
func compactJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestLiveHEPSameAsFrames: the same messages, once as frames of an
// interface and once as HEP to a listener on 127.0.0.1, give the same
// per-UA report (messages, verdicts, sources, first and last seen: the
// HEP times and addresses, not the arrival's); the HEP datagrams recorded
// to a pcap and read by analyze give that report too.
func TestLiveHEPSameAsFrames(t *testing.T) {
	const n = 3000
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	plainSrc := &fakeLiveSource{n: n, t0: t0, gen: func(i int) []byte {
		m := hepLiveMessage(i, t0)
		return udpFrame(t, m.Src.Addr().AsSlice(), m.Payload)
	}}
	plain := newLiveRun(testConfig(), plainSrc, defaultJudge(t))
	runLiveUntil(t, plain, func() bool { return plainSrc.i >= n })

	feed := capture.NewHEPFeed(capture.HEPFeedOptions{})
	addr, err := feed.Listen(context.Background(), "udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hep := newLiveRun(testConfig(), hepSource{feed: feed, timeout: 20 * time.Millisecond}, defaultJudge(t))
	hep.hep = feed
	defer hep.src.Close()
	sent := make(chan error, 1)
	go func() { sent <- sendHEPLive(addr.String(), n, t0, "") }()
	runLiveUntil(t, hep, func() bool { return feed.Stats().HEP.Messages >= n })
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	pt, ht := plain.p.totals, hep.p.totals
	if ht.SIPMessages != n || ht.SIPMessages != pt.SIPMessages || ht.Malformed != pt.Malformed || pt.Malformed == 0 {
		t.Fatalf("HEP totals %+v, plain %+v", ht, pt)
	}
	if !ht.First.Equal(t0) || !ht.Last.Equal(t0.Add((n-1)*50*time.Microsecond)) {
		t.Errorf("HEP first/last %v %v, want the HEP times from %v", ht.First, ht.Last, t0)
	}
	hepUAs := uasOf(t, hep)
	if p := uasOf(t, plain); !bytes.Equal(hepUAs, p) {
		t.Errorf("per-UA report differs:\nHEP:   %.800s\nplain: %.800s", hepUAs, p)
	}
	// the same feed recorded to a pcap (as tcpdump on the collector would)
	// and read by analyze gives the same report
	rec := recordHEP(t, n, t0)
	if got := compactJSON(t, analyzeJSON(t, "--server", "none", rec).UAs); !bytes.Equal(got, hepUAs) {
		i := firstDiff(got, hepUAs)
		t.Errorf("analyze of the recorded feed differs from the live HEP run at byte %d:\nanalyze: %s\nlive:    %s", i, got[max(0, i-300):min(len(got), i+100)], hepUAs[max(0, i-300):min(len(hepUAs), i+100)])
	}
	st := feed.Stats()
	if st.Datagrams != n || st.Drops != 0 || st.HEP.SIP != n {
		t.Errorf("feed stats %+v", st)
	}
	notes := strings.Join(hep.analysis(true).Notes, "\n")
	if !strings.Contains(notes, "no HEP datagram dropped (3000 received") || strings.Contains(notes, "kernel") {
		t.Errorf("notes:\n%s", notes)
	}
}

// TestCaptureCommandHEP runs `sipcorr capture --hep udp:127.0.0.1:0`
// (port chosen by the kernel, read from the start line), sends HEP with
// the right and a wrong key, interrupts it, and reads the final JSON
// report: every message judged, the wrong key counted, HEP counters and
// listener in the report.
func TestCaptureCommandHEP(t *testing.T) {
	const n = 500
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: &stdout, stderr: &stderr}, []string{"capture", "--hep", "udp:127.0.0.1:0",
			"--hep-password", "k1", "--format", "json", "--server", "none"})
	}()
	re := regexp.MustCompile(`capturing on hep:udp:(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		cancel()
		t.Fatalf("no start line:\n%s", stderr.String())
	}
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	if err := sendHEPLive(addr, n, t0, "k1"); err != nil {
		t.Fatal(err)
	}
	if err := sendHEPLive(addr, 7, t0, "wrong"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	var d struct {
		Capture struct {
			Interface string   `json:"interface"`
			Listeners []string `json:"hep_listeners"`
			Datagrams uint64   `json:"hep_datagrams"`
			Drops     uint64   `json:"drops"`
		} `json:"capture"`
		Analysis struct {
			Summary struct {
				SIPMessages uint64            `json:"sip_messages"`
				FirstSeen   time.Time         `json:"first_seen"`
				Counters    map[string]uint64 `json:"counters"`
			} `json:"summary"`
		} `json:"analysis"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &d); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	c, s := d.Capture, d.Analysis.Summary
	if c.Datagrams != n+7 || c.Drops != 0 || len(c.Listeners) != 1 || c.Listeners[0] != "udp:"+addr || c.Interface != "hep:udp:"+addr {
		t.Errorf("capture %+v", c)
	}
	if s.SIPMessages != n || !s.FirstSeen.Equal(t0) || s.Counters["hep_auth_mismatch"] != 7 || s.Counters["hep_sip"] != n || s.Counters["hep_datagrams"] != n+7 {
		t.Errorf("summary %+v", s)
	}
	if !strings.Contains(stderr.String(), "HEP: 507 datagrams, 0 dropped") {
		t.Errorf("no HEP summary line:\n%s", stderr.String())
	}
}

// TestCaptureInterfaceAndHEP runs `sipcorr capture -i lo --hep ...` (as
// root): plain SIP to a port on lo and HEP to the listener are judged in
// one run, both inputs listed, the HEP counters beside the kernel's.
func TestCaptureInterfaceAndHEP(t *testing.T) {
	livetest.RequireRoot(t)
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	sipAddr := sink.LocalAddr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: &stdout, stderr: &stderr}, []string{"capture", "-i", "lo",
			"--ports", strconv.Itoa(sink.LocalAddr().(*net.UDPAddr).Port), "--hep", "udp:127.0.0.1:0", "--format", "json"})
	}()
	re := regexp.MustCompile(`HEP on udp:(127\.0\.0\.1:\d+)`)
	var hepAddr string
	for deadline := time.Now().Add(10 * time.Second); hepAddr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			hepAddr = m[1]
		}
	}
	if hepAddr == "" {
		cancel()
		t.Fatalf("no start line:\n%s", stderr.String())
	}
	const plain, hep = 200, 300
	c, err := net.Dial("udp", sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for i := range plain {
		if _, err := c.Write(hepLiveMessage(i, t0).Payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := sendHEPLive(hepAddr, hep, t0, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	var d struct {
		Capture struct {
			KernelPackets uint64 `json:"kernel_packets"`
			HEPDatagrams  uint64 `json:"hep_datagrams"`
		} `json:"capture"`
		Analysis struct {
			Summary struct {
				SIPMessages uint64 `json:"sip_messages"`
				Files       []struct {
					Path    string `json:"path"`
					Packets uint64 `json:"packets"`
				} `json:"files"`
			} `json:"summary"`
		} `json:"analysis"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &d); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	s := d.Analysis.Summary
	if s.SIPMessages != plain+hep || d.Capture.KernelPackets < plain || d.Capture.HEPDatagrams != hep || len(s.Files) != 2 ||
		s.Files[0].Path != "live:lo" || s.Files[1].Path != "hep:udp:"+hepAddr || s.Files[1].Packets != hep {
		t.Errorf("capture %+v, summary %+v", d.Capture, s)
	}
}

// TestLiveHEPDropWarning: HEP drops get the kernel drops' treatment: a
// warning on the log with the count, a note in the report, and a metric
// (decode_skipped_total by reason, with the other HEP counters).
func TestLiveHEPDropWarning(t *testing.T) {
	feed := capture.NewHEPFeed(capture.HEPFeedOptions{QueueLen: 5})
	addr, err := feed.Listen(context.Background(), "udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := newLiveRun(testConfig(), hepSource{feed: feed, timeout: 20 * time.Millisecond}, defaultJudge(t))
	r.hep = feed
	defer r.src.Close()
	log := &lockedBuffer{}
	r.out = &liveOutputs{log: log, refresh: time.Second, logEvery: time.Hour}
	if err := sendHEPLive(addr.String(), 50, time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), ""); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); feed.Stats().Datagrams < 50 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	r.out.tick(r, time.Now())
	if !strings.Contains(log.String(), "WARNING 45 HEP datagrams dropped") {
		t.Errorf("log:\n%s", log.String())
	}
	if notes := strings.Join(r.analysis(true).Notes, "\n"); !strings.Contains(notes, "45 HEP datagrams were dropped because the pipeline fell behind (45 of 50 received: queue full") {
		t.Errorf("notes:\n%s", notes)
	}
	found := false
	for _, c := range r.metricsSnapshot(5).Skipped {
		found = found || (c.Label == "hep_queue_drops" && c.Value == 45)
	}
	if !found {
		t.Errorf("metrics lack decode_skipped_total{reason=\"hep_queue_drops\"} 45: %+v", r.metricsSnapshot(5).Skipped)
	}
}

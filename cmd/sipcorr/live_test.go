package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/capture/live"
	"github.com/sipcorr/sipcorr/internal/livetest"
	"github.com/sipcorr/sipcorr/internal/metrics"
	"golang.org/x/net/bpf"
)

// fakeLiveSource replays frames made by gen, then times out, like an idle
// interface. It needs no privileges.
type fakeLiveSource struct {
	gen      func(i int) []byte
	n, i     int
	t0       time.Time
	received uint64
}

func (f *fakeLiveSource) ReadPacket() ([]byte, gopacket.CaptureInfo, error) {
	if f.i >= f.n {
		time.Sleep(5 * time.Millisecond)
		return nil, gopacket.CaptureInfo{}, live.ErrTimeout
	}
	data := f.gen(f.i)
	ci := gopacket.CaptureInfo{Timestamp: f.t0.Add(time.Duration(f.i) * 50 * time.Microsecond), CaptureLength: len(data), Length: len(data)}
	f.i++
	f.received++
	return data, ci, nil
}

func (f *fakeLiveSource) LinkType() layers.LinkType    { return layers.LinkTypeEthernet }
func (f *fakeLiveSource) Interface() string            { return "fake0" }
func (f *fakeLiveSource) Filter() []bpf.RawInstruction { return nil }
func (f *fakeLiveSource) Close() error                 { return nil }
func (f *fakeLiveSource) Stats() (live.Stats, error) {
	return live.Stats{Received: f.received, KernelPackets: f.received}, nil
}

// udpFrame wraps a SIP payload in Ethernet/IPv4/UDP to port 5060.
func udpFrame(t testing.TB, src net.IP, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src, DstIP: net.IP{10, 213, 0, 1}}
	udp := &layers.UDP{SrcPort: 5060, DstPort: 5060}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func defaultJudge(t testing.TB) *judge {
	var sf sanityFlags
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	sf.register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	j, err := sf.build(fs, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// lockedBuffer is a bytes.Buffer safe for the capture goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *lockedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testConfig() liveConfig {
	return liveConfig{ports: []uint16{5060}, maxUAs: 1000, timelineUAs: 500, topSources: 3, window: time.Hour,
		bucket: 10 * time.Second, sourceName: "fake", filterDesc: "none", correlate: true}
}

// TestLiveHostileUACardinality: a scanner inventing a User-Agent per packet
// must not grow memory without bound: UAs beyond the cap fold into
// "other", the report says so, and the metrics keep top N plus other.
func TestLiveHostileUACardinality(t *testing.T) {
	const n = 30000
	reg := livetest.Mix()[2] // the Proxy-Require kind
	src := &fakeLiveSource{n: n, t0: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), gen: func(i int) []byte {
		msg := bytes.Replace(reg.Message(uint64(i)), []byte("Yealink SIP-T48G 66.86.0.15"), fmt.Appendf(nil, "Scanner-%06d\x1b[2J", i), 1)
		return udpFrame(t, net.IP{10, 0, byte(i >> 8), byte(i)}, msg)
	}}
	r := newLiveRun(testConfig(), src, defaultJudge(t))
	logs := &lockedBuffer{}
	r.out = &liveOutputs{log: logs, top: 5, refresh: time.Second, logEvery: 100 * time.Millisecond, exporter: metrics.New()}
	ctx, cancel := context.WithCancel(context.Background())
	r.out.start(time.Now())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.loop(ctx, func(now time.Time) {
			r.out.tick(r, now)
			// stop once everything was read and a periodic line written
			if src.i >= src.n && strings.Contains(logs.String(), "capture fake0: packets") {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("loop did not end")
	}
	if got := r.p.totals.SIPMessages; got != n {
		t.Fatalf("SIP messages %d, want %d", got, n)
	}
	if l := r.inv.Len(); l > 1001 {
		t.Errorf("inventory holds %d UAs, cap 1000 (+other)", l)
	}
	if f := r.inv.Folded.UAMessages; f != n-1000 {
		t.Errorf("folded %d messages, want %d", f, n-1000)
	}
	if l := r.uaStrings.s.Len(); l > uaInternCap {
		t.Errorf("%d interned UA strings, cap %d", l, uaInternCap)
	}
	if st := r.tl.timeline().Stats(); st.FoldedEvents == 0 {
		t.Error("the timeline folded nothing")
	}
	var out bytes.Buffer
	if err := r.writeFinal(&out, "json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "more than 1000 distinct User-Agents") {
		t.Error("no note about the UA cap in the report")
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("raw escape character in the JSON report")
	}
	snap := r.metricsSnapshot(5)
	if len(snap.TopUAs) != 5 || snap.Other.Messages != n-5 {
		t.Errorf("metrics: %d top UAs, other %d", len(snap.TopUAs), snap.Other.Messages)
	}
	if !strings.Contains(logs.String(), "capture fake0: packets") {
		t.Errorf("no periodic log line:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "\x1b") {
		t.Error("raw escape character in the log")
	}
}

// TestLiveViewAndSnapshots draws the terminal view and writes snapshots
// while a capture runs.
func TestLiveViewAndSnapshots(t *testing.T) {
	kinds := livetest.Mix()
	src := &fakeLiveSource{n: 5000, t0: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), gen: func(i int) []byte {
		k := kinds[i%len(kinds)]
		if k.Big {
			k = kinds[0]
		}
		return udpFrame(t, net.IP{10, 0, 0, byte(i % 7)}, k.Message(uint64(i)))
	}}
	dir := t.TempDir()
	r := newLiveRun(testConfig(), src, defaultJudge(t))
	view := &lockedBuffer{}
	r.out = &liveOutputs{log: io.Discard, view: view, top: 3, refresh: 50 * time.Millisecond, logEvery: time.Hour,
		reportEvery: 50 * time.Millisecond, snapshotPath: filepath.Join(dir, "snap.json")}
	// the first tick waits a second (statsEvery): run long enough
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	r.out.start(time.Now())
	r.loop(ctx, func(now time.Time) { r.out.tick(r, now) })
	v := view.String()
	for _, want := range []string{"sipcorr capture on fake0", "User-Agent", "LiveTest-Phone/1.0", "proxy_require", "... 4 more User-Agents", "suspects: need the server's memory"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "snap.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Schema string `json:"schema"`
		Final  bool   `json:"final"`
	}
	if err := json.Unmarshal(b, &d); err != nil || d.Schema != CaptureSchema || d.Final {
		t.Errorf("snapshot %+v %v", d, err)
	}
	if r.out.snapshots == 0 || r.out.snapshotFails != 0 {
		t.Errorf("snapshots %d, failed %d", r.out.snapshots, r.out.snapshotFails)
	}
	var table bytes.Buffer
	if err := r.writeFinal(&table, "table"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "live capture on fake0 (fake)") || !strings.Contains(table.String(), "dropped by the kernel 0") {
		t.Errorf("table head:\n%s", table.String())
	}
}

// TestLiveFrameAllocs: what the capture adds to the analyze pipeline per
// UDP frame of a known User-Agent (inventory, timeline, interning, rule
// counters, evidence check) allocates nothing. The pipeline's own
// allocations (decode, parse, sanity, known-defect lookup) are measured
// alongside and subtracted.
func TestLiveFrameAllocs(t *testing.T) {
	kinds := livetest.Mix()
	r := newLiveRun(testConfig(), &fakeLiveSource{}, defaultJudge(t))
	r.out = &liveOutputs{log: io.Discard}
	ci := gopacket.CaptureInfo{Timestamp: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}
	base := func(m *judged) {
		if m.parseErr == nil {
			r.defects.add(r.p.judge.version, m)
		}
	}
	baseEmit := func(dg *capture.Datagram) { r.p.handle(dg, base) }
	for _, name := range []string{"register", "proxy-require"} {
		var k livetest.Kind
		for _, x := range kinds {
			if x.Name == name {
				k = x
			}
		}
		frame := udpFrame(t, net.IP{10, 0, 0, 9}, k.Message(1))
		ci.CaptureLength, ci.Length = len(frame), len(frame)
		r.frameIn(frame, ci) // first message of the UA: allocates its entries
		before := r.p.totals.SIPMessages
		pipeline := testing.AllocsPerRun(200, func() { r.p.decoder.Decode(ci, r.src.LinkType(), frame, 1, baseEmit) })
		live := testing.AllocsPerRun(200, func() { r.frameIn(frame, ci) })
		if live > pipeline {
			t.Errorf("%s: %v allocations per frame, the pipeline alone %v", name, live, pipeline)
		}
		t.Logf("%s: %v allocations per frame, all in the shared pipeline", name, live)
		if r.p.totals.SIPMessages < before+400 {
			t.Fatalf("%s: frames not decoded", name)
		}
	}
}

package capture

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/synth"
)

// hepFeedMessage is the i-th test message: its own addresses, ports,
// capture time (in the past, far from the arrival time) and payload.
func hepFeedMessage(i int) synth.HEP {
	return synth.HEP{
		Src:       netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(5000+i%1000)),
		Dst:       netip.MustParseAddrPort("10.0.0.1:5060"),
		Time:      time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 1500 * time.Microsecond),
		CaptureID: 2001,
		Payload:   fmt.Appendf(nil, "OPTIONS sip:%d@10.0.0.1 SIP/2.0\r\nCall-ID: %d\r\nContent-Length: 0\r\n\r\n", i, i),
	}
}

// sendHEP sends the messages from..to-1 to addr.
func sendHEP(addr net.Addr, from, to int) error {
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		return err
	}
	defer c.Close()
	var b []byte
	for i := from; i < to; i++ {
		m := hepFeedMessage(i)
		if _, err := c.Write(m.AppendHEP3(b[:0])); err != nil {
			return err
		}
		if i%64 == 63 {
			time.Sleep(time.Millisecond) // loopback: let the reader keep up with the socket buffer
		}
	}
	return nil
}

// pollUntil polls f until n datagrams were taken or the deadline passed.
func pollUntil(f *HEPFeed, n int, emit func(*Datagram)) int {
	got := 0
	deadline := time.Now().Add(5 * time.Second)
	for got < n && time.Now().Before(deadline) {
		if f.Wait(50 * time.Millisecond) {
			got += f.Poll(256, emit)
		}
	}
	return got
}

// TestHEPFeedOriginalTimesAndAddresses: every HEP datagram sent to a
// listener on 127.0.0.1 comes out as SIP with the HEP capture time,
// source and destination, never the sender's address or arrival time.
func TestHEPFeedOriginalTimesAndAddresses(t *testing.T) {
	const n = 2000
	f := NewHEPFeed(HEPFeedOptions{})
	defer f.Close()
	addr, err := f.Listen(context.Background(), "udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if l := f.Listeners(); len(l) != 1 || l[0] != "udp:"+addr.String() {
		t.Fatalf("Listeners() = %q, bound %v", l, addr)
	}
	sent := make(chan error, 1)
	go func() { sent <- sendHEP(addr, 0, n) }()
	seen := make([]bool, n)
	bad := 0
	emit := func(dg *Datagram) {
		i := int(dg.Packet) - 1 // loopback UDP keeps the order
		want := hepFeedMessage(i)
		if i < 0 || i >= n || seen[i] || !dg.Time.Equal(want.Time) || dg.Src != want.Src || dg.Dst != want.Dst ||
			dg.Transport != TransportUDP || string(dg.Payload) != string(want.Payload) {
			if bad++; bad < 5 {
				t.Errorf("datagram %d: %v %v->%v %q, want %v %v->%v", dg.Packet, dg.Time, dg.Src, dg.Dst, dg.Payload, want.Time, want.Src, want.Dst)
			}
			return
		}
		seen[i] = true
	}
	got := pollUntil(f, n, emit)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("%d of %d datagrams taken; stats %+v", got, n, f.Stats())
	}
	st := f.Stats()
	if st.Datagrams != n || st.Drops != 0 || st.HEP.SIP != n || st.HEP.Malformed() != 0 || bad != 0 {
		t.Fatalf("stats %+v, %d wrong", st, bad)
	}
}

// TestHEPFeedDropsWhenBehind: a consumer that does not poll makes the
// listener drop what the queue cannot hold, and count it; the queued
// ones are still decoded; bytes are bounded too.
func TestHEPFeedDropsWhenBehind(t *testing.T) {
	m0 := hepFeedMessage(0)
	size := len(m0.AppendHEP3(nil)) // messages 0-9 all have this size
	cases := []struct {
		name     string
		opts     HEPFeedOptions
		sent     int
		wantKept int
	}{
		{"queue length", HEPFeedOptions{QueueLen: 10}, 200, 10},
		{"queue bytes", HEPFeedOptions{MaxQueueBytes: 5 * size}, 200, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := NewHEPFeed(tc.opts)
			defer f.Close()
			addr, err := f.Listen(context.Background(), "udp:127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if err := sendHEP(addr, 0, tc.sent); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for f.received.Load() < uint64(tc.sent) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			kept := f.Poll(1000, func(*Datagram) {})
			st := f.Stats()
			if kept != tc.wantKept || st.Datagrams != uint64(tc.sent) || st.Drops != uint64(tc.sent-tc.wantKept) || st.HEP.SIP != uint64(kept) {
				t.Fatalf("kept %d, want %d; stats %+v", kept, tc.wantKept, st)
			}
			if h := f.held.Load(); h != 0 {
				t.Fatalf("%d bytes still counted as held after the queue was drained", h)
			}
		})
	}
}

// TestHEPFeedContextStops: cancelling the listener's context closes it
// (Close then returns at once), and nothing sent afterwards arrives.
func TestHEPFeedContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := NewHEPFeed(HEPFeedOptions{})
	addr, err := f.Listen(ctx, "udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := sendHEP(addr, 0, 3); err != nil {
		t.Fatal(err)
	}
	if got := pollUntil(f, 3, func(*Datagram) {}); got != 3 {
		t.Fatalf("%d of 3 before the cancel", got)
	}
	cancel()
	done := make(chan error, 1)
	go func() { done <- f.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return after the context was cancelled")
	}
	if c, err := net.Dial("udp", addr.String()); err == nil {
		if _, err := c.Write([]byte("HEP3")); err != nil {
			t.Log(err)
		}
		c.Close()
	}
	if f.Wait(50*time.Millisecond) || f.Stats().Datagrams != 3 {
		t.Fatalf("a datagram arrived after the cancel: %+v", f.Stats())
	}
	if _, err := f.Listen(context.Background(), "udp:127.0.0.1:0"); err == nil {
		t.Fatal("Listen on a closed feed succeeded")
	}
}

// TestParseHEPListen covers the listener specs.
func TestParseHEPListen(t *testing.T) {
	for _, tc := range []struct {
		spec, addr string
		ok         bool
	}{
		{"udp:127.0.0.1:9060", "127.0.0.1:9060", true},
		{"udp::9060", ":9060", true},
		{"udp:[::1]:9060", "[::1]:9060", true},
		{"tcp:127.0.0.1:9060", "127.0.0.1:9060", true},
		{"udp:127.0.0.1", "", false},
		{"sctp:127.0.0.1:9060", "", false},
		{"127.0.0.1:9060", "", false},
	} {
		_, addr, err := ParseHEPListen(tc.spec)
		if (err == nil) != tc.ok || addr != tc.addr {
			t.Errorf("ParseHEPListen(%q) = %q, %v", tc.spec, addr, err)
		}
	}
}

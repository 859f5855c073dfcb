package capture

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkHEPDuplicateDistinct: the duplicate check on a stream of
// distinct messages (each from another source port), the common case of a
// live feed, where no earlier message matches and every remembered one
// could be looked at.
func BenchmarkHEPDuplicateDistinct(b *testing.B) {
	r := NewHEPReader(HEPOptions{})
	dg := Datagram{Time: time.Unix(1e9, 0), Transport: TransportUDP,
		Src: netip.MustParseAddrPort("192.0.2.10:5060"), Dst: netip.MustParseAddrPort("198.51.100.1:5060"),
		Payload: []byte("OPTIONS sip:a@b SIP/2.0\r\n\r\n")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dg.Src = netip.AddrPortFrom(dg.Src.Addr(), uint16(i))
		dg.Time = dg.Time.Add(time.Microsecond)
		if r.duplicate(&dg) {
			b.Fatal("distinct message taken for a duplicate")
		}
	}
}

// TestRegressionHEPDuplicateIndexMatchesScan: the hash index finds
// exactly what a scan over the last dupRing remembered messages found (the
// check first scanned all 1024 entries per message: ~1 µs on a feed of
// distinct messages). Few distinct payloads and sources make the same
// message recur inside and outside the window and beyond the ring.
func TestRegressionHEPDuplicateIndexMatchesScan(t *testing.T) {
	r := NewHEPReader(HEPOptions{})
	type seen struct {
		time time.Time
		key  string
	}
	var ring []seen // the reference: the last dupRing remembered messages
	rng := uint64(12345)
	next := func(n uint64) uint64 {
		rng = rng*6364136223846793005 + 1442695040888963407
		return (rng >> 33) % n
	}
	now := time.Unix(1e9, 0)
	dups := 0
	for i := range 20000 {
		now = now.Add(time.Duration(next(3000)) * time.Microsecond)
		port := uint16(5060 + next(40))
		payload := []byte{byte('A' + next(30))}
		if next(2) == 0 { // a hot message: recurs within the window
			port, payload = 5060+uint16(next(2)), []byte{byte('a' + next(2))}
		}
		dg := Datagram{Time: now, Transport: TransportUDP, Payload: payload,
			Src: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), port), Dst: netip.MustParseAddrPort("198.51.100.1:5060")}
		key := fmt.Sprintf("%d/%s", port, payload)
		want := false
		for _, s := range ring {
			d := now.Sub(s.time)
			if d < 0 {
				d = -d
			}
			if s.key == key && d <= r.opts.DupWindow {
				want = true
				break
			}
		}
		if got := r.duplicate(&dg); got != want {
			t.Fatalf("message %d (%s at %v): duplicate %v, the scan says %v", i, key, now, got, want)
		}
		if want {
			dups++
			continue
		}
		ring = append(ring, seen{now, key})
		if len(ring) > dupRing {
			ring = ring[1:]
		}
	}
	if dups < 1000 || dups > 15000 {
		t.Fatalf("%d duplicates of 20000: the stream does not exercise both cases", dups)
	}
}

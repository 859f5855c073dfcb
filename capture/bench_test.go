package capture

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func BenchmarkDecodeUDP(b *testing.B) {
	d := NewDecoder(Options{})
	frame := udp4Frame(b, "192.0.2.1", "192.0.2.2", 5060, 5060, sipInvite)
	ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(frame)}
	n := 0
	emit := func(*Datagram) { n++ }
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Decode(ci, layers.LinkTypeEthernet, frame, uint64(i+1), emit)
	}
	if n == 0 {
		b.Fatal("nothing decoded")
	}
}

// BenchmarkDecodeRTP is the common non-SIP packet: rejected on its first byte.
func BenchmarkDecodeRTP(b *testing.B) {
	d := NewDecoder(Options{})
	frame := udp4Frame(b, "192.0.2.1", "192.0.2.2", 10000, 20000, "\x80\x08\x00\x01"+string(make([]byte, 168)))
	ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(frame)}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Decode(ci, layers.LinkTypeEthernet, frame, uint64(i+1), func(*Datagram) {})
	}
}

// BenchmarkDecodeTCP runs one long connection, a message per segment.
func BenchmarkDecodeTCP(b *testing.B) {
	d := NewDecoder(Options{})
	msg := sipInvite
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	seq := uint32(1)
	// frames are built ahead: serialising is not what is measured
	frames := make([][]byte, 1024)
	for i := range frames {
		frames[i] = tcp4Frame(b, seg{seq: seq + uint32(i*len(msg)), payload: msg})
	}
	n := 0
	emit := func(*Datagram) { n++ }
	i := 0
	for b.Loop() {
		f := frames[i%len(frames)]
		if i > 0 && i%len(frames) == 0 {
			// next round of sequence numbers
			for j := range frames {
				binary.BigEndian.PutUint32(frames[j][14+20+4:], seq+uint32((i+j)*len(msg)))
			}
		}
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Microsecond), CaptureLength: len(f), Length: len(f)}
		d.Decode(ci, layers.LinkTypeEthernet, f, uint64(i+1), emit)
		i++
	}
	if n < i-1 {
		b.Fatalf("framed %d of %d", n, i)
	}
}

func BenchmarkFramer(b *testing.B) {
	var st Stats
	f := newFramer(128<<10, &st, nil)
	stream := []byte(msgReg + msgMsg + "\r\n\r\n" + sipInvite)
	n := 0
	out := func([]byte, bool) { n++ }
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		// a segment boundary inside a message each time
		f.feed(stream[:100], out)
		f.feed(stream[100:], out)
	}
}

// benchFile writes a pcap of n UDP SIP messages (INVITE / 200 OK pairs
// with some RTP between them).
func benchFile(b testing.TB, n int) string {
	inv := udp4Frame(b, "192.0.2.1", "192.0.2.2", 5060, 5060, sipInvite)
	ok := udp4Frame(b, "192.0.2.2", "192.0.2.1", 5060, 5060, sipOK)
	rtp := udp4Frame(b, "192.0.2.1", "192.0.2.2", 10000, 20000, "\x80\x08\x00\x01"+string(make([]byte, 168)))
	recs := make([]rec, 0, n+n/2)
	for i := 0; i < n; i++ {
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		if i%2 == 0 {
			recs = append(recs, rec{ts: ts, data: inv}, rec{ts: ts, data: rtp})
		} else {
			recs = append(recs, rec{ts: ts, data: ok})
		}
	}
	return writeTemp(b, "bench.pcap", pcapFile(binary.LittleEndian, false, layers.LinkTypeEthernet, recs...))
}

func BenchmarkReadFile(b *testing.B) {
	const n = 20000
	path := benchFile(b, n)
	d := NewDecoder(Options{})
	got := 0
	emit := func(*Datagram) { got++ }
	b.ReportAllocs()
	for b.Loop() {
		if err := ReadFile(context.Background(), path, d, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "msgs/s")
}

// TestReadFileAllocsFlat: reading streams, so allocations do not grow
// with the number of packets (10x the packets, about the same count).
func TestReadFileAllocsFlat(t *testing.T) {
	allocs := func(n int) float64 {
		path := benchFile(t, n)
		d := NewDecoder(Options{})
		return testing.AllocsPerRun(3, func() {
			if err := ReadFile(context.Background(), path, d, func(*Datagram) {}); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(2000), allocs(20000)
	if large > small+10 {
		t.Errorf("ReadFile allocations grow with the file: %.0f for 2000 messages, %.0f for 20000", small, large)
	}
	t.Logf("allocations per ReadFile: %s", fmt.Sprint(small, " / ", large))
}

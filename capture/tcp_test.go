package capture

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// conn plays segments of one test connection through a Decoder, packet
// numbers from 1, one millisecond apart.
func playTCP(t *testing.T, d *Decoder, s *sink, segs []seg) {
	t.Helper()
	for i, sg := range segs {
		decodeAt(d, tcp4Frame(t, sg), uint64(i+1), time.Duration(i)*time.Millisecond, s.emit)
	}
}

const isn, isnSrv = 1000, 5000

func TestTCPReassembly(t *testing.T) {
	a, b := msgReg, msgMsg
	for _, tc := range []struct {
		name    string
		segs    []seg
		want    []string
		packets []uint64 // packet that completed each message
	}{
		{"several messages in one segment", []seg{
			{syn: true, seq: isn}, {rev: true, syn: true, seq: isnSrv},
			{seq: isn + 1, payload: a + b + a},
		}, []string{a, b, a}, []uint64{3, 3, 3}},
		{"one message across segments", []seg{
			{syn: true, seq: isn},
			{seq: isn + 1, payload: b[:10]},
			{seq: isn + 11, payload: b[10:50]},
			{seq: isn + 51, payload: b[50:]},
		}, []string{b}, []uint64{4}},
		{"out of order", []seg{
			{syn: true, seq: isn},
			{seq: isn + 1 + 20, payload: a[20:]},
			{seq: isn + 1, payload: a[:20]},
		}, []string{a}, []uint64{3}},
		{"retransmission", []seg{
			{syn: true, seq: isn},
			{seq: isn + 1, payload: a[:30]},
			{seq: isn + 1, payload: a[:30]},
			{seq: isn + 31, payload: a[30:]},
			{seq: isn + 31, payload: a[30:]},
		}, []string{a}, []uint64{4}},
		{"both directions, keep-alive", []seg{
			{syn: true, seq: isn}, {rev: true, syn: true, seq: isnSrv},
			{seq: isn + 1, payload: "\r\n\r\n"},
			{rev: true, seq: isnSrv + 1, payload: "\r\n"},
			{seq: isn + 5, payload: a},
			{rev: true, seq: isnSrv + 3, payload: msgLF},
		}, []string{a, msgLF}, []uint64{5, 6}},
		{"capture starts mid-stream", []seg{
			{seq: 77, payload: "tail of something\r\n" + a},
			{seq: 77 + 19 + uint32(len(a)), payload: b},
		}, []string{a, b}, []uint64{1, 2}},
		{"FIN mid message hands out the rest", []seg{
			{syn: true, seq: isn},
			{seq: isn + 1, payload: a + b[:20]},
			{seq: isn + 1 + uint32(len(a)) + 20, fin: true},
		}, []string{a, b[:20]}, []uint64{2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{})
			var s sink
			playTCP(t, d, &s, tc.segs)
			d.Flush(s.emit)
			if got := s.texts(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
			for i, g := range s.got {
				if g.Packet != tc.packets[i] {
					t.Errorf("message %d completed by packet %d, want %d", i, g.Packet, tc.packets[i])
				}
				if want := t0.Add(time.Duration(g.Packet-1) * time.Millisecond); !g.Time.Equal(want) {
					t.Errorf("message %d time %v, want %v (capture time of its packet)", i, g.Time, want)
				}
				if g.Transport != TransportTCP {
					t.Errorf("transport %v", g.Transport)
				}
			}
			st := d.Stats()
			if st.SIPTCP != uint64(len(tc.want)) || st.TCPStreams != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestTCPAddresses(t *testing.T) {
	d := NewDecoder(Options{})
	var s sink
	playTCP(t, d, &s, []seg{{syn: true, seq: isn}, {rev: true, syn: true, seq: isnSrv},
		{seq: isn + 1, payload: msgReg}, {rev: true, seq: isnSrv + 1, payload: msgLF}})
	if len(s.got) != 2 {
		t.Fatalf("got %d", len(s.got))
	}
	cli, srv := netip.MustParseAddrPort("192.0.2.1:40000"), netip.MustParseAddrPort("192.0.2.2:5060")
	if s.got[0].Src != cli || s.got[0].Dst != srv || s.got[1].Src != srv || s.got[1].Dst != cli {
		t.Errorf("addresses %v>%v, %v>%v", s.got[0].Src, s.got[0].Dst, s.got[1].Src, s.got[1].Dst)
	}
}

// TestTCPGapThenResync: a segment is lost; after the gap timeout (capture
// time) the assembler skips it, the partial message goes out incomplete,
// and framing resynchronises on the next start line.
func TestTCPGapThenResync(t *testing.T) {
	d := NewDecoder(Options{TCPGapTimeout: 2 * time.Second})
	var s sink
	a, b := msgReg, msgMsg
	frames := []seg{
		{syn: true, seq: isn},
		{seq: isn + 1, payload: b[:25]},
		// b[25:40] lost
		{seq: isn + 41, payload: b[40:] + a},
	}
	for i, sg := range frames {
		decodeAt(d, tcp4Frame(t, sg), uint64(i+1), 0, s.emit)
	}
	if len(s.got) != 0 {
		t.Fatalf("emitted before the gap timeout: %q", s.texts())
	}
	// Unrelated traffic 3 seconds later moves capture time on.
	decodeAt(d, udp4Frame(t, "198.51.100.1", "198.51.100.2", 53, 53, "dns"), 4, 3*time.Second, s.emit)
	want := []string{b[:25], a}
	if got := s.texts(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if !s.got[0].Truncated || s.got[1].Truncated {
		t.Errorf("truncated flags %v %v", s.got[0].Truncated, s.got[1].Truncated)
	}
	st := d.Stats()
	if st.TCPGaps != 1 || st.Unframed != 1 || st.TCPSkippedBytes != uint64(len(b)-40) {
		t.Errorf("gaps %d unframed %d skipped %d", st.TCPGaps, st.Unframed, st.TCPSkippedBytes)
	}
}

// TestRegressionPortReuseStrayACK: arkime/gtp-iphone.pcap reuses the same
// ports for four connections. The last ACK after both FINs created a new
// stream that fixed its sequence number, so the next connection's SYN was
// ignored and its REGISTER lost.
func TestRegressionPortReuseStrayACK(t *testing.T) {
	d := NewDecoder(Options{})
	var s sink
	a := msgReg
	playTCP(t, d, &s, []seg{
		{syn: true, seq: isn}, {rev: true, syn: true, seq: isnSrv},
		{seq: isn + 1, payload: a},
		{seq: isn + 1 + uint32(len(a)), fin: true},
		{rev: true, seq: isnSrv + 1, fin: true},
		{seq: isn + 2 + uint32(len(a))}, // last ACK, after the close
		{syn: true, seq: 90000},         // same ports, new connection
		{seq: 90001, payload: a[:20]},
		{seq: 90021, payload: a[20:]},
	})
	if len(s.got) != 2 || s.got[1].Packet != 9 {
		t.Fatalf("got %d messages %q", len(s.got), s.texts())
	}
}

func TestTCPv6AndPortFilter(t *testing.T) {
	ip := ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolTCP)
	mk := func(dport uint16) []byte {
		tcp := &layers.TCP{SrcPort: 40000, DstPort: layers.TCPPort(dport), Seq: 1, ACK: true, PSH: true, Window: 100}
		tcp.SetNetworkLayerForChecksum(ip)
		return serialize(t, ip, tcp, gopacket.Payload(msgReg))
	}
	d := NewDecoder(Options{Ports: []uint16{5060, 5080}})
	var s sink
	for i, p := range [][]byte{mk(5080), mk(8080)} {
		d.Decode(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(p), Length: len(p)}, layers.LinkTypeIPv6, p, uint64(i+1), s.emit)
	}
	if len(s.got) != 1 || s.got[0].Dst != netip.MustParseAddrPort("[2001:db8::2]:5080") {
		t.Fatalf("got %+v", s.got)
	}
	if st := d.Stats(); st.PortFiltered != 1 {
		t.Errorf("port filtered %d", st.PortFiltered)
	}
}

func TestTCPStreamLimit(t *testing.T) {
	d := NewDecoder(Options{MaxTCPStreams: 1})
	var s sink
	decodeAt(d, tcp4Frame(t, seg{seq: 1, payload: msgReg}), 1, 0, s.emit)
	decodeAt(d, tcp4Frame(t, seg{rev: true, seq: 1, payload: msgReg}), 2, 0, s.emit) // same connection
	other := udp4Frame(t, "192.0.2.9", "192.0.2.2", 1, 1, "")                        // placeholder to keep helpers simple
	_ = other
	ip := ip4("192.0.2.3", "192.0.2.2", layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: 1234, DstPort: 5060, Seq: 1, ACK: true, Window: 1}
	tcp.SetNetworkLayerForChecksum(ip)
	decodeAt(d, serialize(t, eth(layers.EthernetTypeIPv4), ip, tcp, gopacket.Payload(msgReg)), 3, 0, s.emit)
	st := d.Stats()
	if len(s.got) != 2 || st.TCPStreams != 1 || st.TCPStreamsDropped != 1 {
		t.Errorf("got %d, stats %+v", len(s.got), st)
	}
}

// TestTCPBufferLimit: partial messages of many connections cannot hold
// more than MaxTCPBuffer; the one that crosses it goes out incomplete and
// its stream resynchronises on the next start line.
func TestTCPBufferLimit(t *testing.T) {
	d := NewDecoder(Options{MaxTCPBuffer: 2000})
	var s sink
	partial := sipInvite[:len(sipInvite)-2] // body not complete yet
	for i := 0; i < 8; i++ {
		ip := ip4(fmt.Sprintf("192.0.2.%d", 10+i), "192.0.2.2", layers.IPProtocolTCP)
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 5060, Seq: 1, ACK: true, Window: 1}
		tcp.SetNetworkLayerForChecksum(ip)
		decodeAt(d, serialize(t, eth(layers.EthernetTypeIPv4), ip, tcp, gopacket.Payload(partial)), uint64(i+1), 0, s.emit)
	}
	st := d.Stats()
	if st.TCPBufferLimit == 0 || len(s.got) != int(st.TCPBufferLimit) {
		t.Fatalf("buffer limit hits %d, emitted %d", st.TCPBufferLimit, len(s.got))
	}
	for _, g := range s.got {
		if !g.Truncated || g.text != partial {
			t.Errorf("early message %q truncated=%v", g.text, g.Truncated)
		}
	}
	if d.tcpa.budget.used > 2000+4096 {
		t.Errorf("%d bytes held", d.tcpa.budget.used)
	}
	d.Flush(s.emit)
	if d.tcpa.budget.used != 0 {
		t.Errorf("%d bytes held after Flush", d.tcpa.budget.used)
	}
	if len(s.got) != 8 {
		t.Errorf("%d messages after Flush, want 8 (none lost)", len(s.got))
	}
}

// TestTCPMidStreamStartResyncs: a capture that begins inside a body glued
// to the next message finds the message, not "helloREGISTER".
func TestTCPMidStreamStartResyncs(t *testing.T) {
	d := NewDecoder(Options{})
	var s sink
	playTCP(t, d, &s, []seg{{seq: 500, payload: "hello" + msgReg}})
	if got := s.texts(); len(got) != 1 || got[0] != msgReg {
		t.Fatalf("got %q", got)
	}
	if st := d.Stats(); st.TCPSkippedBytes != 5 {
		t.Errorf("skipped %d, want 5", st.TCPSkippedBytes)
	}
}

// TestRegressionClockAfterFlush: after Flush (end of a file) the next
// file may be older; its timeouts must run on its own clock. The capture
// clock kept the newest time of the first file, so no gap was declared
// in the second one until the end.
func TestRegressionClockAfterFlush(t *testing.T) {
	d := NewDecoder(Options{TCPGapTimeout: time.Second})
	var s sink
	decodeAt(d, udp4Frame(t, "198.51.100.1", "198.51.100.2", 53, 53, "dns"), 1, time.Hour, s.emit)
	d.Flush(s.emit)
	b := msgMsg
	decodeAt(d, tcp4Frame(t, seg{seq: 1, payload: b[:25]}), 1, 0, s.emit)
	decodeAt(d, tcp4Frame(t, seg{seq: 41, payload: b[40:] + msgReg}), 2, 0, s.emit)
	decodeAt(d, udp4Frame(t, "198.51.100.1", "198.51.100.2", 53, 53, "dns"), 3, 3*time.Second, s.emit)
	if got := s.texts(); len(got) != 2 || got[1] != msgReg {
		t.Fatalf("got %q before the end of the second input", got)
	}
}

// TestRegressionSparseCaptureSweeps: a capture with a packet every second
// walked every TCP connection on every packet (a sweep per second of
// capture time), which was a third of the time spent reading the bench
// capture. Without data queued ahead of a stream only the idle sweeps walk
// them, every thirtieth of the idle timeout; a gap is still
// declared on time and an idle connection still closed.
func TestRegressionSparseCaptureSweeps(t *testing.T) {
	r := newSweepRun(t)
	r.messages(1, 600)
	if got, max := r.d.tcpa.walks, 600/2+1; got > max { // idle sweep every 2 s of 60 s
		t.Errorf("%d walks over 600 s of in-order data, want at most %d", got, max)
	}
	if len(r.s.got) != 60 {
		t.Fatalf("%d messages, want 60", len(r.s.got))
	}
	// A segment ahead of the stream: the gap is declared 2 to 3 s later.
	b := msgMsg
	r.at(tcp4Frame(t, seg{seq: r.seq + 40, payload: b[40:] + msgReg}), 601)
	r.dns(602, 603)
	if len(r.s.got) != 60 {
		t.Fatalf("gap declared before its timeout")
	}
	r.dns(604, 604)
	if len(r.s.got) != 61 || r.s.texts()[60] != msgReg || r.d.Stats().TCPGaps != 1 {
		t.Fatalf("gap not declared 3 s after: %d messages, %d gaps", len(r.s.got), r.d.Stats().TCPGaps)
	}
	walks := r.d.tcpa.walks
	// Quiet again: back to idle sweeps only, and the connection is closed
	// between 60 and 62 s after its last packet.
	r.dns(605, 700)
	if got := r.d.tcpa.walks - walks; got > 96/2+2 {
		t.Errorf("%d walks in 96 quiet seconds after the gap", got)
	}
	if len(r.d.tcpa.live) != 0 {
		t.Errorf("idle connection still open 99 s after its last packet")
	}
}

// sweepRun drives a decoder (gap timeout 2 s, idle timeout 60 s) through
// capture time in whole seconds: one TCP connection, opened at 0 s, and
// unrelated DNS packets that move the clock on.
type sweepRun struct {
	t   *testing.T
	d   *Decoder
	s   sink
	pkt uint64
	seq uint32 // the client's next sequence number
}

func newSweepRun(t *testing.T) *sweepRun {
	r := &sweepRun{t: t, d: NewDecoder(Options{TCPGapTimeout: 2 * time.Second, TCPIdleTimeout: 60 * time.Second}), seq: isn + 1}
	r.at(tcp4Frame(t, seg{syn: true, seq: isn}), 0)
	return r
}

// at decodes frame at second sec of the capture.
func (r *sweepRun) at(frame []byte, sec int) {
	r.pkt++
	decodeAt(r.d, frame, r.pkt, time.Duration(sec)*time.Second, r.s.emit)
}

// dns sends a DNS packet every second from first to last.
func (r *sweepRun) dns(first, last int) {
	for sec := first; sec <= last; sec++ {
		r.at(udp4Frame(r.t, "198.51.100.1", "198.51.100.2", 53, 53, "dns"), sec)
	}
}

// messages sends a packet every second from first to last: an in-order
// SIP message on the connection every tenth second, DNS otherwise.
func (r *sweepRun) messages(first, last int) {
	for sec := first; sec <= last; sec++ {
		if sec%10 != 0 {
			r.dns(sec, sec)
			continue
		}
		r.at(tcp4Frame(r.t, seg{seq: r.seq, payload: msgReg}), sec)
		r.seq += uint32(len(msgReg))
	}
}

// Every idle sweep walked gopacket's connection pool (a lock and a
// snapshot per connection) although connections that carry traffic cannot
// be idle: on the 200 000-message bench capture that was 2 000 walks and
// 15 % of the read time. The walk now runs only when a connection has been
// silent for the idle timeout; pure ACKs count as traffic, as they do for
// the assembler.
func TestRegressionBusyConnectionsSkipIdleWalks(t *testing.T) {
	r := newSweepRun(t)
	// 600 s of messages every 10 s: always busy, never walked.
	r.messages(1, 600)
	if r.d.tcpa.walks != 0 {
		t.Errorf("%d walks over 600 s of a busy connection, want 0", r.d.tcpa.walks)
	}
	// 100 s of bare ACKs from the server: the assembler keeps the
	// connection open, and so does the sweep (nothing to walk for).
	for sec := 601; sec <= 700; sec++ {
		r.at(tcp4Frame(t, seg{rev: true, seq: isn + 1}), sec)
	}
	if len(r.d.tcpa.live) != 1 || r.d.tcpa.walks != 0 {
		t.Errorf("after 100 s of ACKs: %d streams open (want 1), %d walks (want 0)", len(r.d.tcpa.live), r.d.tcpa.walks)
	}
	// Silence: closed between 60 and 62 s after the last packet.
	r.dns(701, 759)
	if len(r.d.tcpa.live) != 1 {
		t.Fatalf("connection closed before 60 s of silence")
	}
	r.dns(760, 762)
	if len(r.d.tcpa.live) != 0 {
		t.Errorf("idle connection still open 62 s after its last packet: %d streams", len(r.d.tcpa.live))
	}
	if len(r.s.got) != 60 {
		t.Errorf("%d messages, want 60", len(r.s.got))
	}
}

// TestQueuedSegmentKeepsItsPacket: the capture info of a segment queued
// ahead of its stream stays with it while later segments are assembled
// (which reuse one context), so the message a gap timeout hands out later
// names the packet and time of that segment.
func TestQueuedSegmentKeepsItsPacket(t *testing.T) {
	d := NewDecoder(Options{TCPGapTimeout: 2 * time.Second})
	var s sink
	a, b := msgReg, msgMsg
	frames := []struct {
		seg seg
		at  time.Duration
	}{
		{seg{syn: true, seq: isn}, 0},
		{seg{rev: true, syn: true, seq: isnSrv}, 0},
		{seg{seq: isn + 1, payload: b[:25]}, 100 * time.Millisecond},
		// b[25:40] lost; the rest waits ahead of the stream (packet 4)
		{seg{seq: isn + 41, payload: b[40:] + a}, 500 * time.Millisecond},
		// in-order data the other way, assembled while packet 4 waits
		{seg{rev: true, seq: isnSrv + 1, payload: a}, 1 * time.Second},
		{seg{rev: true, seq: isnSrv + 1 + uint32(len(a)), payload: a}, 1500 * time.Millisecond},
	}
	for i, f := range frames {
		decodeAt(d, tcp4Frame(t, f.seg), uint64(i+1), f.at, s.emit)
	}
	decodeAt(d, udp4Frame(t, "198.51.100.1", "198.51.100.2", 53, 53, "dns"), 7, 3*time.Second, s.emit)
	var found bool
	for _, c := range s.got {
		if c.text != a || c.Src.Port() != 40000 {
			continue
		}
		found = true
		if c.Packet != 4 || !c.Time.Equal(t0.Add(500*time.Millisecond)) {
			t.Errorf("message after the gap: packet %d at %v, want packet 4 at +500ms", c.Packet, c.Time.Sub(t0))
		}
	}
	if !found {
		t.Fatalf("message after the gap not handed out: %q", s.texts())
	}
}

// TestDecodeTCPInOrderZeroAlloc: an in-order segment on a known connection
// carrying one whole message allocates nothing (the segment's context is
// reused; only segments queued ahead of their stream keep their own).
func TestDecodeTCPInOrderZeroAlloc(t *testing.T) {
	d := NewDecoder(Options{})
	msg := msgReg
	frames := make([][]byte, 1100)
	for i := range frames {
		frames[i] = tcp4Frame(t, seg{seq: isn + 1 + uint32(i*len(msg)), payload: msg})
	}
	n, i := 0, 0
	emit := func(*Datagram) { n++ }
	next := func() {
		f := frames[i]
		i++
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f)}
		d.Decode(ci, layers.LinkTypeEthernet, f, uint64(i), emit)
	}
	for range 50 { // connection set up, framer buffers grown
		next()
	}
	allocs := testing.AllocsPerRun(1000, next)
	if allocs != 0 {
		t.Errorf("Decode allocates %.2f times per in-order TCP segment, want 0", allocs)
	}
	if n < 1000 {
		t.Fatalf("framed %d messages", n)
	}
}

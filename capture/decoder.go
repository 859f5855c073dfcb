package capture

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Transport of a SIP message.
type Transport uint8

// Transports. SCTP and WebSocket are counted in Stats but not decoded yet.
const (
	TransportUDP Transport = iota + 1
	TransportTCP
)

// String returns "UDP" or "TCP".
func (t Transport) String() string {
	switch t {
	case TransportUDP:
		return "UDP"
	case TransportTCP:
		return "TCP"
	}
	return "unknown"
}

// Datagram is one framed SIP message candidate with its capture timestamp.
type Datagram struct {
	// Time is the capture timestamp of the packet that completed the
	// message (never time.Now).
	Time      time.Time
	Src, Dst  netip.AddrPort
	Transport Transport
	// Payload is exactly one SIP message candidate: for UDP the whole
	// datagram payload, for TCP start line through end of body. It is
	// only valid during the emit call.
	Payload []byte
	// Packet is the 1-based number, in its input, of the packet that
	// completed the message.
	Packet uint64
	// Truncated means Payload is not the whole message: the packet was
	// cut by the snaplen, or a TCP message could not be framed (gap,
	// end of stream, size limit) and is handed out as far as it goes.
	Truncated bool
}

// Options tune the Decoder. The zero value is usable: every limit has a
// default.
type Options struct {
	// Ports restricts SIP recognition to UDP/TCP packets with one of these
	// source or destination ports. Empty: any port.
	Ports []uint16
	// MaxMessageSize bounds one SIP message on TCP; larger ones are
	// handed out incomplete. Default 128 KiB.
	MaxMessageSize int
	// MaxTCPBuffer bounds the bytes held for partial TCP messages over
	// all connections; over it, the partial message that grew is handed
	// out incomplete. Default 32 MiB.
	MaxTCPBuffer int
	// MaxTCPStreams bounds the TCP connections tracked at once; packets
	// of further connections are counted and skipped. Default 10000.
	MaxTCPStreams int
	// TCPGapTimeout is how long (in capture time) out-of-order TCP data
	// waits for the missing bytes before a gap is declared. Default 5s.
	TCPGapTimeout time.Duration
	// TCPIdleTimeout closes TCP connections without packets for that long
	// (capture time), flushing what they hold. Default 5 minutes.
	TCPIdleTimeout time.Duration
	// FragmentTimeout expires incomplete IP datagrams after 1 to 2 times
	// this much capture time. Default 30s (Linux ipfrag_time).
	FragmentTimeout time.Duration
	// MaxFragmentDatagrams bounds the IP datagrams under reassembly at
	// once. Default 4096.
	MaxFragmentDatagrams int
	// MaxFragmentBytes bounds the memory held by fragments under
	// reassembly over all datagrams (payload plus a fixed per-fragment
	// overhead, fragOverhead). Default 32 MiB.
	MaxFragmentBytes int
	// MaxFragmentsPerDatagram bounds the fragments of one datagram; a
	// 64 KiB datagram in 1280-byte IPv6 fragments needs 52. Default 128.
	MaxFragmentsPerDatagram int
	// MaxFragmentDatagramsPerSource bounds the datagrams under reassembly
	// from one source address, so that one sender cannot take the whole
	// MaxFragmentDatagrams. Default 1024.
	MaxFragmentDatagramsPerSource int
	// HEPPorts are the UDP and TCP ports whose HEP is decoded (HEP from
	// siptrace or heplify recorded in the capture; on TCP a stream of
	// HEPv3 messages, hep_tcp.go) instead of being taken for non-SIP.
	// Packets to or from them pass Ports. Empty: none.
	HEPPorts []uint16
	// HEP tunes HEP decoding (password, duplicate window).
	HEP HEPOptions
}

func (o Options) withDefaults() Options {
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = 128 << 10
	}
	if o.MaxTCPBuffer <= 0 {
		o.MaxTCPBuffer = 32 << 20
	}
	if o.MaxTCPStreams <= 0 {
		o.MaxTCPStreams = 10000
	}
	if o.TCPGapTimeout <= 0 {
		o.TCPGapTimeout = 5 * time.Second
	}
	if o.TCPIdleTimeout <= 0 {
		o.TCPIdleTimeout = 5 * time.Minute
	}
	if o.FragmentTimeout <= 0 {
		o.FragmentTimeout = 30 * time.Second
	}
	if o.MaxFragmentDatagrams <= 0 {
		o.MaxFragmentDatagrams = 4096
	}
	if o.MaxFragmentBytes <= 0 {
		o.MaxFragmentBytes = 32 << 20
	}
	if o.MaxFragmentsPerDatagram <= 0 {
		o.MaxFragmentsPerDatagram = 128
	}
	if o.MaxFragmentDatagramsPerSource <= 0 {
		o.MaxFragmentDatagramsPerSource = 1024
	}
	return o
}

// maxEncapsulation bounds nested VLAN tags, MPLS labels and tunnels.
const maxEncapsulation = 8

// sweepInterval is how often (capture time) fragments and TCP streams are
// checked for timeouts.
const sweepInterval = time.Second

// Decoder turns link-layer frames into Datagrams: link layer, VLAN, IPv4
// and IPv6 with fragment reassembly, IP-in-IP, GRE and GTP-U tunnels, UDP,
// and TCP reassembled per direction and framed into SIP messages. It
// never stops on bad input: every skipped packet is counted with its
// reason in Stats. Decoding a UDP packet that is not a fragment does not
// allocate. A Decoder is not safe for concurrent use.
type Decoder struct {
	opts  Options
	ports portSet
	stats Stats

	// Preallocated layers, reused for every packet (and every level of
	// encapsulation: only the innermost headers matter).
	fb   feedback
	eth  layers.Ethernet
	vlan layers.Dot1Q
	sll  layers.LinuxSLL
	sll2 layers.LinuxSLL2
	loop layers.Loopback
	ip4  layers.IPv4
	ip6  layers.IPv6
	udp  layers.UDP
	tcp  layers.TCP
	gre  layers.GRE
	gtp  layers.GTPv1U

	frag defragger
	tcpa *tcpState // created on the first TCP packet

	dg Datagram

	hepPorts portSet    // nil when Options.HEPPorts is empty
	hep      *HEPReader // nil when Options.HEPPorts is empty

	// the packet being decoded
	ci        gopacket.CaptureInfo
	pkt       uint64
	truncated bool

	now, lastSweep time.Time // latest capture time seen, last timeout check
}

// NewDecoder returns a Decoder with opts (zero fields take defaults).
func NewDecoder(opts Options) *Decoder {
	opts = opts.withDefaults()
	d := &Decoder{opts: opts}
	d.ports = newPortSet(opts.Ports)
	d.frag = newDefragger(opts)
	if len(opts.HEPPorts) > 0 {
		d.hepPorts, d.hep = newPortSet(opts.HEPPorts), NewHEPReader(opts.HEP)
	}
	return d
}

// feedback records the truncation gopacket layers detect.
type feedback struct{ truncated bool }

func (f *feedback) SetTruncated() { f.truncated = true }

// Decode decodes one captured frame of the given link type and calls emit
// for every SIP message it completes (TCP can complete several, or none).
// packetNo is the frame's 1-based number in its input. Make emit once and
// pass the same function every time: it escapes (TCP callbacks use it), so
// a closure made per call would cost an allocation per packet.
func (d *Decoder) Decode(ci gopacket.CaptureInfo, link layers.LinkType, data []byte, packetNo uint64, emit func(*Datagram)) {
	d.stats.Packets++
	d.stats.Bytes += uint64(len(data))
	d.ci, d.pkt = ci, packetNo
	d.truncated = ci.Length > len(data)
	if d.truncated {
		d.stats.Truncated++
	}
	if ci.Length < ci.CaptureLength {
		// A corrupt record header (pcap incl_len > orig_len): the bytes
		// are there and are decoded, but the record is flagged.
		d.stats.CapLenOverLen++
	}
	d.clock(ci.Timestamp, emit)
	d.decodeLink(link, data, emit)
}

// Flush ends the input: TCP streams hand out what they hold (incomplete
// messages included) and incomplete IP datagrams are counted as expired.
// The Decoder can be used again afterwards.
func (d *Decoder) Flush(emit func(*Datagram)) {
	if d.tcpa != nil {
		d.tcpa.flushAll(emit)
	}
	d.stats.FragmentsExpired += uint64(d.frag.expireAll())
	// The next input may be older than this one (files in any order):
	// timeouts restart from its own clock.
	d.now, d.lastSweep = time.Time{}, time.Time{}
}

// Stats returns the counters so far.
func (d *Decoder) Stats() Stats { return d.stats }

// clock advances capture time and runs the timeouts once per sweepInterval.
func (d *Decoder) clock(ts time.Time, emit func(*Datagram)) {
	if ts.After(d.now) {
		d.now = ts
	}
	if d.now.Sub(d.lastSweep) < sweepInterval {
		return
	}
	d.lastSweep = d.now
	d.stats.FragmentsExpired += uint64(d.frag.expire(d.now))
	if d.tcpa != nil {
		d.tcpa.sweep(d.now, emit)
	}
}

// emitUDP hands out one UDP datagram that looks like SIP.
func (d *Decoder) emitUDP(src, dst netip.AddrPort, payload []byte, emit func(*Datagram)) {
	d.stats.SIPMessages++
	d.stats.SIPUDP++
	d.dg = Datagram{Time: d.ci.Timestamp, Src: src, Dst: dst, Transport: TransportUDP,
		Payload: payload, Packet: d.pkt, Truncated: d.truncated}
	emit(&d.dg)
	d.dg.Payload = nil
}

// portSet is a bitmap of the ports of Options.Ports; nil means any port.
type portSet []uint64

func newPortSet(ports []uint16) portSet {
	if len(ports) == 0 {
		return nil
	}
	s := make(portSet, 65536/64)
	for _, p := range ports {
		s[p/64] |= 1 << (p % 64)
	}
	return s
}

func (s portSet) match(a, b uint16) bool {
	return s == nil || s[a/64]&(1<<(a%64)) != 0 || s[b/64]&(1<<(b%64)) != 0
}

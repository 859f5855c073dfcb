package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Test helpers: packets built with gopacket.SerializeLayers and capture
// files written byte by byte, so that every header field is under test
// control (including the broken ones).

var (
	macA = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB = net.HardwareAddr{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	t0   = time.Date(2019, 6, 14, 10, 0, 0, 0, time.UTC)
)

const sipInvite = "INVITE sip:bob@example.com SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n" +
	"Max-Forwards: 70\r\n" +
	"To: Bob <sip:bob@example.com>\r\n" +
	"From: Alice <sip:alice@example.com>;tag=1928301774\r\n" +
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
	"CSeq: 314159 INVITE\r\n" +
	"User-Agent: Yealink SIP-T48G 35.83.0.35\r\n" +
	"Proxy-Require: sip.mysipproxy.com\r\n" +
	"Content-Type: application/sdp\r\n" +
	"Content-Length: 4\r\n\r\n" +
	"v=0\n"

const sipOK = "SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return bytes.Clone(buf.Bytes())
}

func eth(typ layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: typ}
}

func ip4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

func ip6(src, dst string, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
}

func udpL(sp, dp uint16, ip gopacket.NetworkLayer) *layers.UDP {
	u := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
	if err := u.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return u
}

// udp4Frame is Ethernet / IPv4 / UDP / payload.
func udp4Frame(t testing.TB, src, dst string, sp, dp uint16, payload string) []byte {
	ip := ip4(src, dst, layers.IPProtocolUDP)
	return serialize(t, eth(layers.EthernetTypeIPv4), ip, udpL(sp, dp, ip), gopacket.Payload(payload))
}

// udp4Packet is IPv4 / UDP / payload, without link layer.
func udp4Packet(t testing.TB, src, dst string, sp, dp uint16, payload string) []byte {
	ip := ip4(src, dst, layers.IPProtocolUDP)
	return serialize(t, ip, udpL(sp, dp, ip), gopacket.Payload(payload))
}

// udp6Packet is IPv6 / UDP / payload.
func udp6Packet(t testing.TB, src, dst string, sp, dp uint16, payload string) []byte {
	ip := ip6(src, dst, layers.IPProtocolUDP)
	return serialize(t, ip, udpL(sp, dp, ip), gopacket.Payload(payload))
}

// seg describes one TCP segment of a test connection.
type seg struct {
	rev     bool // server to client
	seq     uint32
	syn     bool
	fin     bool
	payload string
}

// tcp4Frame is Ethernet / IPv4 / TCP for a client 192.0.2.1:40000 and a
// server 192.0.2.2:5060; rev swaps the direction.
func tcp4Frame(t testing.TB, s seg) []byte {
	src, dst, sp, dp := "192.0.2.1", "192.0.2.2", uint16(40000), uint16(5060)
	if s.rev {
		src, dst, sp, dp = dst, src, dp, sp
	}
	ip := ip4(src, dst, layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: s.seq, ACK: !s.syn, SYN: s.syn, FIN: s.fin, PSH: s.payload != "", Window: 65535}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, eth(layers.EthernetTypeIPv4), ip, tcp, gopacket.Payload(s.payload))
}

// collected is what a test emit callback keeps of a Datagram (Payload is
// only valid during the call, so it is copied).
type collected struct {
	Datagram
	text string
}

type sink struct{ got []collected }

func (s *sink) emit(d *Datagram) {
	c := collected{Datagram: *d, text: string(d.Payload)}
	c.Payload = nil
	s.got = append(s.got, c)
}

func (s *sink) texts() []string {
	var out []string
	for _, c := range s.got {
		out = append(out, c.text)
	}
	return out
}

// frameAt decodes one Ethernet frame at t0+offset.
func decodeAt(d *Decoder, frame []byte, pkt uint64, offset time.Duration, emit func(*Datagram)) {
	ci := gopacket.CaptureInfo{Timestamp: t0.Add(offset), CaptureLength: len(frame), Length: len(frame)}
	d.Decode(ci, layers.LinkTypeEthernet, frame, pkt, emit)
}

// --- capture file writers ---

type rec struct {
	ts   time.Time
	data []byte
	orig int // wire length; 0: len(data)
}

// pcapFile writes a classic pcap: byte order, ns or µs, link type.
func pcapFile(order byteOrder, nanos bool, link layers.LinkType, recs ...rec) []byte {
	var b bytes.Buffer
	magic := uint32(pcapMagicMicro)
	if nanos {
		magic = pcapMagicNano
	}
	hdr := make([]byte, 24)
	order.PutUint32(hdr[0:], magic)
	order.PutUint16(hdr[4:], 2)
	order.PutUint16(hdr[6:], 4)
	order.PutUint32(hdr[16:], 65535)
	order.PutUint32(hdr[20:], uint32(link))
	b.Write(hdr)
	for _, r := range recs {
		h := make([]byte, 16)
		order.PutUint32(h[0:], uint32(r.ts.Unix()))
		frac := uint32(r.ts.Nanosecond())
		if !nanos {
			frac /= 1000
		}
		order.PutUint32(h[4:], frac)
		order.PutUint32(h[8:], uint32(len(r.data)))
		orig := r.orig
		if orig == 0 {
			orig = len(r.data)
		}
		order.PutUint32(h[12:], uint32(orig))
		b.Write(h)
		b.Write(r.data)
	}
	return b.Bytes()
}

// ngBlock frames one pcapng block (body padded to 4 bytes).
func ngBlock(order byteOrder, typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := make([]byte, 0, n)
	b = order.AppendUint32(b, typ)
	b = order.AppendUint32(b, n)
	b = append(b, body...)
	return order.AppendUint32(b, n)
}

func ngSHB(order byteOrder) []byte {
	body := order.AppendUint32(nil, ngBOM)
	body = order.AppendUint16(body, 1)
	body = order.AppendUint16(body, 0)
	body = order.AppendUint64(body, ^uint64(0)) // section length unknown
	return ngBlock(order, ngBlockSHB, body)
}

// ngIDB describes an interface; tsresol 0 means default (µs).
func ngIDB(order byteOrder, link layers.LinkType, tsresol byte) []byte {
	body := order.AppendUint16(nil, uint16(link))
	body = order.AppendUint16(body, 0)
	body = order.AppendUint32(body, 262144)
	if tsresol != 0 {
		body = order.AppendUint16(body, 9)
		body = order.AppendUint16(body, 1)
		body = append(body, tsresol, 0, 0, 0)
		body = order.AppendUint32(body, 0) // opt_endofopt
	}
	return ngBlock(order, ngBlockIDB, body)
}

// ngEPB writes a packet on interface id; units per second from tsresol.
func ngEPB(order byteOrder, id uint32, units uint64, data []byte, orig int) []byte {
	body := order.AppendUint32(nil, id)
	body = order.AppendUint32(body, uint32(units>>32))
	body = order.AppendUint32(body, uint32(units))
	body = order.AppendUint32(body, uint32(len(data)))
	if orig == 0 {
		orig = len(data)
	}
	body = order.AppendUint32(body, uint32(orig))
	body = append(body, data...)
	return ngBlock(order, ngBlockEPB, body)
}

func ngSPB(order byteOrder, data []byte) []byte {
	body := order.AppendUint32(nil, uint32(len(data)))
	return ngBlock(order, ngBlockSPB, append(body, data...))
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// sameDatagram compares everything but Payload.
func sameDatagram(a, b Datagram) bool {
	return a.Time.Equal(b.Time) && a.Src == b.Src && a.Dst == b.Dst && a.Transport == b.Transport &&
		a.Packet == b.Packet && a.Truncated == b.Truncated
}

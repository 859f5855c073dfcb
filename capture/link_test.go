package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// TestLinkTypes: every supported link layer and encapsulation gets the
// SIP message out with the innermost addresses.
func TestLinkTypes(t *testing.T) {
	v4 := udp4Packet(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipOK)
	v6 := udp6Packet(t, "2001:db8::1", "2001:db8::2", 5060, 5060, sipOK)
	ethHdr := func(typ uint16) []byte { return cat(macB, macA, be16(typ)) }
	sll := func(proto uint16) []byte { // packet type, ARPHRD, addr len, addr(8), protocol
		return cat(be16(0), be16(1), be16(6), []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0}, be16(proto))
	}
	sll2 := func(proto uint16) []byte { // protocol, reserved, ifindex, ARPHRD, pkttype, addr len, addr(8)
		return cat(be16(proto), be16(0), []byte{0, 0, 0, 2}, be16(1), []byte{0, 6}, []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0})
	}
	outer := func(proto layers.IPProtocol, payload []byte) []byte {
		return serialize(t, ip4("203.0.113.1", "203.0.113.2", proto), gopacket.Payload(payload))
	}
	gtp := func(inner []byte) []byte {
		h := cat([]byte{0x30, 0xff}, be16(uint16(len(inner))), []byte{0, 0, 0, 1})
		ip := ip4("203.0.113.1", "203.0.113.2", layers.IPProtocolUDP)
		u := &layers.UDP{SrcPort: 2152, DstPort: 2152}
		u.SetNetworkLayerForChecksum(ip)
		return serialize(t, ip, u, gopacket.Payload(cat(h, inner)))
	}
	src4, dst4 := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060")
	src6, dst6 := netip.MustParseAddrPort("[2001:db8::1]:5060"), netip.MustParseAddrPort("[2001:db8::2]:5060")

	for _, tc := range []struct {
		name   string
		link   layers.LinkType
		frame  []byte
		v6     bool
		tunnel func(Stats) uint64
	}{
		{"ethernet ipv4", layers.LinkTypeEthernet, cat(ethHdr(0x0800), v4), false, nil},
		{"ethernet ipv6", layers.LinkTypeEthernet, cat(ethHdr(0x86dd), v6), true, nil},
		{"802.1Q", layers.LinkTypeEthernet, cat(ethHdr(0x8100), be16(100), be16(0x0800), v4), false, nil},
		{"QinQ", layers.LinkTypeEthernet, cat(ethHdr(0x88a8), be16(10), be16(0x8100), be16(20), be16(0x86dd), v6), true, nil},
		{"Linux SLL", layers.LinkTypeLinuxSLL, cat(sll(0x86dd), v6), true, nil},
		{"Linux SLL2", layers.LinkTypeLinuxSLL2, cat(sll2(0x0800), v4), false, nil},
		{"NULL little-endian", layers.LinkTypeNull, cat([]byte{2, 0, 0, 0}, v4), false, nil},
		{"NULL IPv6 (BSD 24)", layers.LinkTypeNull, cat([]byte{24, 0, 0, 0}, v6), true, nil},
		{"LOOP big-endian", layers.LinkTypeLoop, cat([]byte{0, 0, 0, 2}, v4), false, nil},
		{"raw 101", layers.LinkTypeRaw, v6, true, nil},
		{"raw 12", linkTypeRawBSD, v4, false, nil},
		{"IPv4 228", layers.LinkTypeIPv4, v4, false, nil},
		{"IPv6 229", layers.LinkTypeIPv6, v6, true, nil},
		{"PPP", layers.LinkTypePPP, cat([]byte{0xff, 0x03, 0x00, 0x21}, v4), false, nil},
		{"PPPoE", layers.LinkTypeEthernet, cat(ethHdr(0x8864), []byte{0x11, 0, 0, 1}, be16(uint16(len(v6)+2)), be16(0x57), v6), true, nil},
		{"MPLS", layers.LinkTypeEthernet, cat(ethHdr(0x8847), []byte{0, 1, 0, 64}, []byte{0, 2, 1, 64}, v4), false, nil},
		{"IP-in-IP", layers.LinkTypeRaw, outer(layers.IPProtocolIPv4, v4), false, func(s Stats) uint64 { return s.TunnelIPinIP }},
		{"6in4", layers.LinkTypeRaw, outer(layers.IPProtocolIPv6, v6), true, func(s Stats) uint64 { return s.TunnelIPinIP }},
		{"GRE IPv4", layers.LinkTypeRaw, outer(layers.IPProtocolGRE, cat([]byte{0, 0}, be16(0x0800), v4)), false, func(s Stats) uint64 { return s.TunnelGRE }},
		{"GRE key+seq IPv6", layers.LinkTypeRaw, outer(layers.IPProtocolGRE, cat([]byte{0x30, 0}, be16(0x86dd), []byte{0, 0, 0, 1, 0, 0, 0, 2}, v6)), true, func(s Stats) uint64 { return s.TunnelGRE }},
		{"VLAN + enhanced GRE + PPP", layers.LinkTypeEthernet, cat(ethHdr(0x8100), be16(7), be16(0x0800),
			outer(layers.IPProtocolGRE, cat([]byte{0x30, 0x01}, be16(0x880b), be16(uint16(len(v4)+4)), be16(1), []byte{0, 0, 0, 9}, []byte{0xff, 0x03, 0x00, 0x21}, v4))),
			false, func(s Stats) uint64 { return s.TunnelGRE }},
		{"GRE Ethernet bridging", layers.LinkTypeRaw, outer(layers.IPProtocolGRE, cat([]byte{0, 0}, be16(0x6558), ethHdr(0x0800), v4)), false, func(s Stats) uint64 { return s.TunnelGRE }},
		{"GTP-U IPv6", layers.LinkTypeRaw, gtp(v6), true, func(s Stats) uint64 { return s.TunnelGTP }},
		{"IPv6 hop-by-hop, destination options, atomic fragment", layers.LinkTypeRaw, v6ext(t), true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{})
			var s sink
			d.Decode(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(tc.frame), Length: len(tc.frame)}, tc.link, tc.frame, 1, s.emit)
			if len(s.got) != 1 {
				t.Fatalf("got %d messages; stats %+v", len(s.got), d.Stats().Counters())
			}
			src, dst := src4, dst4
			if tc.v6 {
				src, dst = src6, dst6
			}
			if s.got[0].Src != src || s.got[0].Dst != dst || s.got[0].text != sipOK {
				t.Errorf("got %v > %v %q", s.got[0].Src, s.got[0].Dst, s.got[0].text)
			}
			if tc.tunnel != nil && tc.tunnel(d.Stats()) != 1 {
				t.Errorf("tunnel not counted: %+v", d.Stats().Counters())
			}
		})
	}
}

// TestSkipReasons: each kind of packet that is not SIP lands in its counter.
func TestSkipReasons(t *testing.T) {
	v4 := udp4Packet(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipOK)
	arp := cat(macB, macA, be16(0x0806), make([]byte, 28))
	rtp := udp4Frame(t, "192.0.2.1", "192.0.2.2", 10000, 20000, "\x80\x08\x00\x01rtp payload")
	icmp := serialize(t, eth(layers.EthernetTypeIPv4), ip4("192.0.2.1", "192.0.2.2", layers.IPProtocolICMPv4), gopacket.Payload("ping"))
	sctp := serialize(t, eth(layers.EthernetTypeIPv4), ip4("192.0.2.1", "192.0.2.2", layers.IPProtocolSCTP), gopacket.Payload("sctp chunk"))
	emptyUDP := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, "")
	otherPort := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5061, 5062, sipOK)
	badIP := cat(macB, macA, be16(0x0800), []byte{0x45, 0, 0, 10})
	truncated := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipInvite)

	for _, tc := range []struct {
		name    string
		link    layers.LinkType
		frame   []byte
		wireLen int
		ports   []uint16
		counter func(Stats) uint64
		emitted int
	}{
		{"ARP", layers.LinkTypeEthernet, arp, 0, nil, func(s Stats) uint64 { return s.NonIP }, 0},
		{"RTP", layers.LinkTypeEthernet, rtp, 0, nil, func(s Stats) uint64 { return s.NonSIP }, 0},
		{"ICMP", layers.LinkTypeEthernet, icmp, 0, nil, func(s Stats) uint64 { return s.OtherProtocol }, 0},
		{"SCTP", layers.LinkTypeEthernet, sctp, 0, nil, func(s Stats) uint64 { return s.SCTP }, 0},
		{"empty UDP", layers.LinkTypeEthernet, emptyUDP, 0, nil, func(s Stats) uint64 { return s.EmptyUDP }, 0},
		{"port filter", layers.LinkTypeEthernet, otherPort, 0, []uint16{5060}, func(s Stats) uint64 { return s.PortFiltered }, 0},
		{"any port by default", layers.LinkTypeEthernet, otherPort, 0, nil, func(s Stats) uint64 { return s.SIPUDP }, 1},
		{"802.11 unsupported", layers.LinkTypeIEEE802_11, v4, 0, nil, func(s Stats) uint64 { return s.UnsupportedLink }, 0},
		{"broken IPv4", layers.LinkTypeEthernet, badIP, 0, nil, func(s Stats) uint64 { return s.IPErrors }, 0},
		{"short Ethernet", layers.LinkTypeEthernet, macA, 0, nil, func(s Stats) uint64 { return s.LinkErrors }, 0},
		// snaplen: the SIP part that was captured still goes out, marked
		{"truncated by snaplen", layers.LinkTypeEthernet, truncated[:200], len(truncated), nil, func(s Stats) uint64 { return s.Truncated }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{Ports: tc.ports})
			var s sink
			wire := tc.wireLen
			if wire == 0 {
				wire = len(tc.frame)
			}
			d.Decode(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(tc.frame), Length: wire}, tc.link, tc.frame, 1, s.emit)
			if got := tc.counter(d.Stats()); got != 1 {
				t.Errorf("counter %d, want 1; %+v", got, d.Stats().Counters())
			}
			if len(s.got) != tc.emitted {
				t.Errorf("emitted %d, want %d", len(s.got), tc.emitted)
			}
			if tc.wireLen > 0 && len(s.got) == 1 && !s.got[0].Truncated {
				t.Error("truncated message not marked")
			}
		})
	}
}

func TestStatsCounters(t *testing.T) {
	s := Stats{Packets: 3, FragmentsExpired: 1}
	c := s.Counters()
	if len(c) != 2 || c[0] != (Counter{"packets", "packets read", 3, false}) || c[1].Name != "fragments_expired" || c[1].Desc == "" || !c[1].Skip {
		t.Errorf("counters %+v", c)
	}
	var sum Stats
	sum.Add(s)
	sum.Add(s)
	if sum.Packets != 6 || sum.FragmentsExpired != 2 {
		t.Errorf("sum %+v", sum)
	}
}

// v6ext is IPv6 / hop-by-hop / destination options / fragment header
// (offset 0, no more fragments: RFC 6946 atomic) / UDP / SIP.
func v6ext(t *testing.T) []byte {
	ip := ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolIPv6HopByHop)
	u := serialize(t, udpL(5060, 5060, ip), gopacket.Payload(sipOK))
	hbh := []byte{byte(layers.IPProtocolIPv6Destination), 0, 1, 4, 0, 0, 0, 0} // PadN
	dst := []byte{byte(layers.IPProtocolIPv6Fragment), 0, 1, 4, 0, 0, 0, 0}
	frag := []byte{byte(layers.IPProtocolUDP), 0, 0, 0, 0, 0, 0, 42}
	return serialize(t, ip, gopacket.Payload(cat(hbh, dst, frag, u)))
}

package synth

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// HEP is one captured packet as a HEP agent (Kamailio's siptrace,
// heplify) reports it to a collector: the original addresses, ports,
// transport and capture time around the payload.
type HEP struct {
	Src, Dst netip.AddrPort
	// IPProto is the captured packet's IP protocol (17 UDP, 6 TCP);
	// zero means UDP.
	IPProto uint8
	// Time is the capture time (microseconds are kept).
	Time time.Time
	// ProtoType is chunk 11; zero means SIP (1).
	ProtoType uint8
	// CaptureID is chunk 12.
	CaptureID uint32
	// AuthKey (chunk 14) and NodeName (chunk 19) are left out when empty.
	AuthKey, NodeName string
	Payload           []byte
}

// AppendHEP3 appends m encoded as HEPv3, in the chunk order of
// Kamailio's siptrace (family, proto, addresses, ports, time, type,
// capture id, auth key, payload), and returns the extended buffer.
func (m *HEP) AppendHEP3(b []byte) []byte {
	start := len(b)
	b = append(b, "HEP3\x00\x00"...)
	chunk := func(typ uint16, val []byte) {
		b = binary.BigEndian.AppendUint16(b, 0)
		b = binary.BigEndian.AppendUint16(b, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(6+len(val)))
		b = append(b, val...)
	}
	u16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	proto, typ := m.IPProto, m.ProtoType
	if proto == 0 {
		proto = 17
	}
	if typ == 0 {
		typ = 1
	}
	if m.Src.Addr().Is4() {
		s, d := m.Src.Addr().As4(), m.Dst.Addr().As4()
		chunk(1, []byte{2})
		chunk(2, []byte{proto})
		chunk(3, s[:])
		chunk(4, d[:])
	} else {
		s, d := m.Src.Addr().As16(), m.Dst.Addr().As16()
		chunk(1, []byte{10})
		chunk(2, []byte{proto})
		chunk(5, s[:])
		chunk(6, d[:])
	}
	chunk(7, u16(m.Src.Port()))
	chunk(8, u16(m.Dst.Port()))
	chunk(9, u32(uint32(m.Time.Unix())))
	chunk(10, u32(uint32(m.Time.Nanosecond()/1000)))
	chunk(11, []byte{typ})
	chunk(12, u32(m.CaptureID))
	if m.AuthKey != "" {
		chunk(14, []byte(m.AuthKey))
	}
	if m.NodeName != "" {
		chunk(19, []byte(m.NodeName))
	}
	chunk(15, m.Payload)
	binary.BigEndian.PutUint16(b[start+4:], uint16(len(b)-start))
	return b
}

// HEPWrap returns a Capture.Wrap function that turns every unfragmented
// UDP packet into what a HEP agent at agent sends to collector: a UDP
// packet carrying the original packet as HEPv3, stamped with c's clock.
// Other packets (TCP, fragments) pass unchanged. wrapped, when not nil,
// counts the packets encapsulated. m supplies capture id, auth key and
// node name.
func HEPWrap(c *Capture, agent, collector netip.AddrPort, m HEP, wrapped *int) func(ip []byte) ([]byte, error) {
	return func(ip []byte) ([]byte, error) {
		var first gopacket.LayerType
		switch {
		case len(ip) > 0 && ip[0]>>4 == 4:
			first = layers.LayerTypeIPv4
		case len(ip) > 0 && ip[0]>>4 == 6:
			first = layers.LayerTypeIPv6
		default:
			return nil, fmt.Errorf("synth: HEPWrap: not an IP packet")
		}
		pkt := gopacket.NewPacket(ip, first, gopacket.NoCopy)
		udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok || pkt.Layer(layers.LayerTypeIPv6Fragment) != nil {
			return ip, nil
		}
		if v4, ok := pkt.NetworkLayer().(*layers.IPv4); ok && (v4.Flags&layers.IPv4MoreFragments != 0 || v4.FragOffset != 0) {
			return ip, nil
		}
		src, _ := netip.AddrFromSlice(pkt.NetworkLayer().NetworkFlow().Src().Raw())
		dst, _ := netip.AddrFromSlice(pkt.NetworkLayer().NetworkFlow().Dst().Raw())
		h := m
		h.Src = netip.AddrPortFrom(src, uint16(udp.SrcPort))
		h.Dst = netip.AddrPortFrom(dst, uint16(udp.DstPort))
		h.IPProto, h.Time, h.Payload = 17, c.Now(), udp.Payload
		if wrapped != nil {
			*wrapped++
		}
		return c.Packer().UDP(agent, collector, h.AppendHEP3(nil))
	}
}

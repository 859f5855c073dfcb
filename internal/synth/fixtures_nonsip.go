package synth

import (
	"encoding/binary"
	"net/netip"
)

// nonSIPFixtures: UDP traffic on and around port 5060 that is not SIP and
// must be counted, not emitted.
func nonSIPFixtures() []Fixture {
	return []Fixture{
		pcapFixture("non_sip_udp.pcap", "UDP/IPv4: a Yealink REGISTER and its 200 around four non-SIP datagrams: a CRLF keep-alive and a STUN Binding Request (RFC 5626) to port 5060, an empty datagram, and an RTP packet",
			LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
				cs := NewCast(false)
				phone, edge := cs.Yealink.Addr, cs.Edge.Addr
				reg := g.Register(cs.Yealink, "UDP", 1, 3600)
				if err := c.UDP(phone, edge, reg); err != nil {
					return err
				}
				stun := make([]byte, 20)
				binary.BigEndian.PutUint16(stun[0:], 0x0001)     // Binding Request
				binary.BigEndian.PutUint32(stun[4:], 0x2112A442) // magic cookie
				copy(stun[8:], g.Hex(6)[:12])                    // transaction ID
				rtp := make([]byte, 12+160)
				rtp[0], rtp[1] = 0x80, 0 // v2, PCMU
				binary.BigEndian.PutUint16(rtp[2:], uint16(g.IntN(65536)))
				binary.BigEndian.PutUint32(rtp[8:], g.Uint32())
				for i := 12; i < len(rtp); i++ {
					rtp[i] = 0xff // PCMU silence
				}
				media := netip.AddrPortFrom(phone.Addr(), 11800)
				for _, p := range []struct {
					src, dst netip.AddrPort
					payload  []byte
				}{
					{phone, edge, []byte("\r\n\r\n")},
					{phone, edge, stun},
					{phone, edge, nil},
					{media, netip.AddrPortFrom(edge.Addr(), 20000), rtp},
				} {
					ip, err := c.Packer().UDP(p.src, p.dst, p.payload)
					if err != nil {
						return err
					}
					if err := c.Packet(ip, MarkNonSIP); err != nil {
						return err
					}
				}
				return c.UDP(edge, phone, NewResponse(reg, 200, "OK", g.Hex(4), ServerEdge))
			}),
	}
}

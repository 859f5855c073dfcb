package synth

import (
	"bytes"
	"net/netip"
)

// linkFixtures covers every link type with the same small UDP exchange.
func linkFixtures() []Fixture {
	one := func(name, desc string, link Link, v6 bool) Fixture {
		return pcapFixture(name, desc, link, PcapOptions{}, func(c *Capture, g *IDs) error {
			return basicFlow(c, g, NewCast(v6))
		})
	}
	tunnel := func(name, desc string, t Tunnel, v6 bool) Fixture {
		return pcapFixture(name, desc, LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
			src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
			c.Wrap(func(ip []byte) ([]byte, error) { return c.Packer().Tunnel(t, src, dst, ip) })
			return basicFlow(c, g, NewCast(v6))
		})
	}
	return []Fixture{
		one("eth_udp_v4.pcap", "Ethernet, UDP/IPv4: Yealink REGISTER with Proxy-Require + 420, Polycom REGISTER/401/REGISTER/200, scanner OPTIONS, one DNS query", LinkEthernet, false),
		one("eth_udp_v6.pcap", "Ethernet, UDP/IPv6: the eth_udp_v4 exchange over IPv6", LinkEthernet, true),
		one("vlan.pcap", "Ethernet + 802.1Q VLAN 100, UDP/IPv4", LinkVLAN, false),
		one("vlan_qinq.pcap", "Ethernet + 802.1ad S-VLAN 200 + 802.1Q C-VLAN 100 (QinQ), UDP/IPv4", LinkQinQ, false),
		one("sll.pcap", "Linux cooked v1 (LINKTYPE_LINUX_SLL 113), UDP/IPv4", LinkSLL, false),
		one("sll2.pcap", "Linux cooked v2 (LINKTYPE_LINUX_SLL2 276), UDP/IPv6", LinkSLL2, true),
		one("raw_v4.pcap", "raw IP (LINKTYPE_RAW 101) carrying IPv4", LinkRaw, false),
		one("raw_v6.pcap", "raw IP (LINKTYPE_RAW 101) carrying IPv6", LinkRaw, true),
		one("linktype_ipv4.pcap", "LINKTYPE_IPV4 228, UDP/IPv4", LinkIPv4, false),
		one("linktype_ipv6.pcap", "LINKTYPE_IPV6 229, UDP/IPv6", LinkIPv6, true),
		{Name: "null_loopback.pcap",
			Description: "BSD loopback (LINKTYPE_NULL 0, little-endian family): the exchange over IPv4 (AF_INET 2) then IPv6 (AF_INET6 30)",
			gen: func(buf *bytes.Buffer) (*FileEntry, error) {
				c, err := NewPcapCapture(buf, LinkNull, PcapOptions{}, Start, fixtureStep)
				if err != nil {
					return nil, err
				}
				g := NewIDs(seedOf("null_loopback.pcap"))
				if err := basicFlow(c, g, NewCast(false)); err != nil {
					return nil, err
				}
				if err := basicFlow(c, g, NewCast(true)); err != nil {
					return nil, err
				}
				return c.Finish("", ""), nil
			}},
		tunnel("tunnel_ipip.pcap", "IPv4-in-IPv4 (protocol 4) between 192.0.2.1 and 192.0.2.2 carrying the eth_udp_v4 exchange", TunnelIPIP, false),
		tunnel("tunnel_ip6in4.pcap", "IPv6-in-IPv4 (protocol 41) carrying the eth_udp_v6 exchange", TunnelIPIP, true),
		tunnel("tunnel_gre.pcap", "GRE with key 42 (protocol 47, type 0x0800) carrying the eth_udp_v4 exchange", TunnelGRE, false),
		tunnel("tunnel_gtpu_v6.pcap", "GTPv1-U G-PDUs (UDP 2152, TEID 0x0badcafe) carrying the exchange over IPv6, as VoLTE traffic looks on the S1-U/S5 interface", TunnelGTPU, true),
	}
}

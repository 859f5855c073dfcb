package synth

import (
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Tunnel is an IP-level encapsulation around an inner IP packet, as seen
// on provider links (GRE to a border controller, GTP-U for VoLTE).
type Tunnel int

// Tunnels this package can produce.
const (
	// TunnelIPIP is IP-in-IP: protocol 4 for an inner IPv4 packet,
	// protocol 41 for an inner IPv6 packet.
	TunnelIPIP Tunnel = iota + 1
	// TunnelGRE is GRE (RFC 2784) with a key (RFC 2890), protocol type by
	// the inner IP version.
	TunnelGRE
	// TunnelGTPU is GTPv1-U on UDP 2152: a G-PDU (message type 255) with
	// TEID 0x0badcafe.
	TunnelGTPU
)

// String names the tunnel for descriptions.
func (t Tunnel) String() string {
	switch t {
	case TunnelIPIP:
		return "ip-in-ip"
	case TunnelGRE:
		return "gre"
	case TunnelGTPU:
		return "gtp-u"
	}
	return fmt.Sprintf("tunnel(%d)", int(t))
}

// Tunnel wraps the IP packet inner in tunnel t between outer endpoints
// src and dst and returns the outer IP packet.
func (p *Packer) Tunnel(t Tunnel, src, dst netip.Addr, inner []byte) ([]byte, error) {
	version, et, _, _, err := ipInfo(inner)
	if err != nil {
		return nil, err
	}
	innerProto := layers.IPProtocolIPv4
	if version == 6 {
		innerProto = layers.IPProtocolIPv6
	}
	payload := gopacket.Payload(inner)
	switch t {
	case TunnelIPIP:
		outer, _, err := p.ipLayer(src, dst, innerProto)
		if err != nil {
			return nil, err
		}
		return p.serialize(outer, payload)
	case TunnelGRE:
		outer, _, err := p.ipLayer(src, dst, layers.IPProtocolGRE)
		if err != nil {
			return nil, err
		}
		return p.serialize(outer, &layers.GRE{KeyPresent: true, Key: 42, Protocol: et}, payload)
	case TunnelGTPU:
		outer, nl, err := p.ipLayer(src, dst, layers.IPProtocolUDP)
		if err != nil {
			return nil, err
		}
		udp := &layers.UDP{SrcPort: 2152, DstPort: 2152}
		if err := udp.SetNetworkLayerForChecksum(nl); err != nil {
			return nil, err
		}
		gtp := &layers.GTPv1U{Version: 1, ProtocolType: 1, MessageType: 255, TEID: 0x0badcafe}
		return p.serialize(outer, udp, gtp, payload)
	}
	return nil, fmt.Errorf("synth: unknown tunnel %d", int(t))
}

package capture

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// GTP-U's registered UDP port (3GPP TS 29.281).
const gtpuPort = 2152

func (d *Decoder) ipv4(data []byte, depth int, emit func(*Datagram)) {
	ip := &d.ip4
	d.fb.truncated = false
	if err := ip.DecodeFromBytes(data, &d.fb); err != nil || ip.Version != 4 {
		d.stats.IPErrors++
		return
	}
	d.markTruncated()
	src := netip.AddrFrom4([4]byte(ip.SrcIP))
	dst := netip.AddrFrom4([4]byte(ip.DstIP))
	proto, payload := ip.Protocol, ip.Payload
	if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		full := d.frag.v4(ip, d.ci.Timestamp, &d.stats)
		if full == nil {
			return
		}
		proto, payload = full.Protocol, full.Payload
	}
	d.transport(proto, src, dst, payload, depth, emit)
}

// markTruncated counts a packet whose headers announce more bytes than
// were captured (once per packet).
func (d *Decoder) markTruncated() {
	if d.fb.truncated && !d.truncated {
		d.truncated = true
		d.stats.Truncated++
	}
}

func (d *Decoder) ipv6(data []byte, depth int, emit func(*Datagram)) {
	ip := &d.ip6
	d.fb.truncated = false
	if err := ip.DecodeFromBytes(data, &d.fb); err != nil || ip.Version != 6 {
		d.stats.IPErrors++
		return
	}
	d.markTruncated()
	src := netip.AddrFrom16([16]byte(ip.SrcIP))
	dst := netip.AddrFrom16([16]byte(ip.DstIP))
	next, b := ip.NextHeader, ip.Payload
	if ip.HopByHop != nil {
		next = ip.HopByHop.NextHeader
	}
	// Walk the extension headers (RFC 8200 section 4) to the upper layer.
	for i := 0; ; i++ {
		if i >= maxEncapsulation {
			d.stats.IPErrors++
			return
		}
		var hlen int
		switch next {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination,
			135 /* mobility */, 139 /* HIP */, 140 /* shim6 */ :
			if len(b) < 2 {
				d.stats.IPErrors++
				return
			}
			hlen = (int(b[1]) + 1) * 8
		case layers.IPProtocolAH:
			if len(b) < 2 {
				d.stats.IPErrors++
				return
			}
			hlen = (int(b[1]) + 2) * 4
		case layers.IPProtocolIPv6Fragment:
			if len(b) < 8 {
				d.stats.IPErrors++
				return
			}
			off := binary.BigEndian.Uint16(b[2:4])
			if off&^7 == 0 && off&1 == 0 { // atomic fragment (RFC 6946): a whole packet
				next, b = layers.IPProtocol(b[0]), b[8:]
				continue
			}
			full := d.frag.v6(ip, b, d.ci.Timestamp, &d.stats)
			if full == nil {
				return
			}
			next, b = full.NextHeader, full.Payload
			continue
		case layers.IPProtocolNoNextHeader:
			d.stats.OtherProtocol++
			return
		default:
			d.transport(next, src, dst, b, depth, emit)
			return
		}
		if len(b) < hlen {
			d.stats.IPErrors++
			return
		}
		next, b = layers.IPProtocol(b[0]), b[hlen:]
	}
}

// transport dispatches on the IP protocol: UDP, TCP, or a tunnel.
func (d *Decoder) transport(proto layers.IPProtocol, src, dst netip.Addr, b []byte, depth int, emit func(*Datagram)) {
	switch proto {
	case layers.IPProtocolUDP:
		d.udpPacket(src, dst, b, depth, emit)
	case layers.IPProtocolTCP:
		d.tcpPacket(src, dst, b, emit)
	case layers.IPProtocolIPv4, layers.IPProtocolIPv6:
		if depth >= maxEncapsulation {
			d.stats.TunnelNotDecoded++
			return
		}
		d.stats.TunnelIPinIP++
		if proto == layers.IPProtocolIPv4 {
			d.ipv4(b, depth+1, emit)
		} else {
			d.ipv6(b, depth+1, emit)
		}
	case layers.IPProtocolGRE:
		d.greTunnel(b, depth+1, emit)
	case layers.IPProtocolSCTP:
		d.stats.SCTP++
	default:
		d.stats.OtherProtocol++
	}
}

func (d *Decoder) udpPacket(src, dst netip.Addr, b []byte, depth int, emit func(*Datagram)) {
	u := &d.udp
	d.fb.truncated = false
	if err := u.DecodeFromBytes(b, &d.fb); err != nil {
		d.stats.TransportErrors++
		return
	}
	d.markTruncated()
	sp, dp := uint16(u.SrcPort), uint16(u.DstPort)
	p := u.Payload
	if (sp == gtpuPort || dp == gtpuPort) && d.gtpTunnel(p, depth+1, emit) {
		return
	}
	if d.hep != nil && len(p) > 0 && d.hepPorts.match(sp, dp) && IsHEP(p) {
		d.hepPayload(p, emit)
		return
	}
	switch {
	case len(p) == 0:
		d.stats.EmptyUDP++
	case !d.ports.match(sp, dp):
		d.stats.PortFiltered++
	case !LooksLikeSIP(p):
		d.stats.NonSIP++
	default:
		d.emitUDP(netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp), p, emit)
	}
}

// gtpTunnel decapsulates a GTP-U G-PDU (message type 255) carrying IP. It
// returns false when the payload is not one, so that it is treated as
// plain UDP.
func (d *Decoder) gtpTunnel(b []byte, depth int, emit func(*Datagram)) bool {
	g := &d.gtp
	if err := g.DecodeFromBytes(b, &d.fb); err != nil || g.Version != 1 || g.ProtocolType != 1 || g.MessageType != 0xff {
		return false
	}
	if depth > maxEncapsulation {
		d.stats.TunnelNotDecoded++
		return true
	}
	inner := g.Payload
	if len(inner) == 0 || (inner[0]>>4 != 4 && inner[0]>>4 != 6) {
		return false
	}
	d.stats.TunnelGTP++
	d.rawIP(inner, depth, emit)
	return true
}

// greTunnel decapsulates GRE (RFC 2784/2890, and enhanced GRE of PPTP
// carrying PPP).
func (d *Decoder) greTunnel(b []byte, depth int, emit func(*Datagram)) {
	if depth > maxEncapsulation {
		d.stats.TunnelNotDecoded++
		return
	}
	g := &d.gre
	if err := g.DecodeFromBytes(b, &d.fb); err != nil {
		d.stats.TunnelNotDecoded++
		return
	}
	switch g.Protocol {
	case layers.EthernetTypeIPv4, layers.EthernetTypeIPv6, etherTypeTEB, etherTypePPP:
		d.stats.TunnelGRE++
	default:
		d.stats.TunnelNotDecoded++
		return
	}
	switch g.Protocol {
	case layers.EthernetTypeIPv4:
		d.ipv4(g.Payload, depth, emit)
	case layers.EthernetTypeIPv6:
		d.ipv6(g.Payload, depth, emit)
	case etherTypeTEB:
		d.ethernet(g.Payload, depth, emit)
	case etherTypePPP:
		if len(g.Payload) == 0 {
			return // PPTP acknowledgment without data
		}
		d.ppp(g.Payload, depth, emit)
	}
}

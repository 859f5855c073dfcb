package capture

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// Link types that have no name in gopacket: DLT_RAW as numbered by some
// BSDs (12, and 14 on OpenBSD).
const (
	linkTypeRawBSD  layers.LinkType = 12
	linkTypeRawOpen layers.LinkType = 14
)

// EtherTypes not named by gopacket.
const (
	etherTypeVLAN9100 layers.EthernetType = 0x9100 // pre-standard QinQ
	etherTypeTEB      layers.EthernetType = 0x6558 // transparent Ethernet bridging (GRE)
	etherTypePPP      layers.EthernetType = 0x880b // PPP in (enhanced) GRE
	etherTypeMPLS     layers.EthernetType = 0x8847
	etherTypeMPLSMC   layers.EthernetType = 0x8848
)

func (d *Decoder) decodeLink(link layers.LinkType, data []byte, emit func(*Datagram)) {
	switch link {
	case layers.LinkTypeEthernet:
		d.ethernet(data, 0, emit)
	case layers.LinkTypeLinuxSLL:
		if err := d.sll.DecodeFromBytes(data, &d.fb); err != nil {
			d.stats.LinkErrors++
			return
		}
		d.etherType(d.sll.EthernetType, d.sll.Payload, 0, emit)
	case layers.LinkTypeLinuxSLL2:
		if err := d.sll2.DecodeFromBytes(data, &d.fb); err != nil {
			d.stats.LinkErrors++
			return
		}
		d.etherType(d.sll2.ProtocolType, d.sll2.Payload, 0, emit)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		// the 4-byte address family is in the capturing host's byte
		// order (NULL) or network order (LOOP): layers.Loopback takes both
		if err := d.loop.DecodeFromBytes(data, &d.fb); err != nil {
			d.stats.LinkErrors++
			return
		}
		switch d.loop.Family {
		case layers.ProtocolFamilyIPv4:
			d.ipv4(d.loop.Payload, 0, emit)
		case layers.ProtocolFamilyIPv6BSD, layers.ProtocolFamilyIPv6FreeBSD, layers.ProtocolFamilyIPv6Darwin, layers.ProtocolFamilyIPv6Linux:
			d.ipv6(d.loop.Payload, 0, emit)
		default:
			d.stats.NonIP++
		}
	case layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOpen:
		d.rawIP(data, 0, emit)
	case layers.LinkTypeIPv4:
		d.ipv4(data, 0, emit)
	case layers.LinkTypeIPv6:
		d.ipv6(data, 0, emit)
	case layers.LinkTypePPP:
		d.ppp(data, 0, emit)
	default:
		d.stats.UnsupportedLink++
	}
}

func (d *Decoder) ethernet(data []byte, depth int, emit func(*Datagram)) {
	if err := d.eth.DecodeFromBytes(data, &d.fb); err != nil {
		d.stats.LinkErrors++
		return
	}
	d.etherType(d.eth.EthernetType, d.eth.Payload, depth, emit)
}

// etherType dispatches on an EtherType: IP, VLAN tags (802.1Q, 802.1ad
// QinQ, 0x9100), MPLS, PPPoE session. Everything else is non-IP.
func (d *Decoder) etherType(t layers.EthernetType, payload []byte, depth int, emit func(*Datagram)) {
	for {
		switch t {
		case layers.EthernetTypeIPv4:
			d.ipv4(payload, depth, emit)
		case layers.EthernetTypeIPv6:
			d.ipv6(payload, depth, emit)
		case layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ, etherTypeVLAN9100:
			if depth >= maxEncapsulation {
				d.stats.TunnelNotDecoded++
				return
			}
			if err := d.vlan.DecodeFromBytes(payload, &d.fb); err != nil {
				d.stats.LinkErrors++
				return
			}
			t, payload, depth = d.vlan.Type, d.vlan.Payload, depth+1
			continue
		case etherTypeMPLS, etherTypeMPLSMC:
			d.mpls(payload, depth, emit)
		case layers.EthernetTypePPPoESession:
			// version/type, code, session id, length, then PPP protocol
			if len(payload) < 6 {
				d.stats.LinkErrors++
				return
			}
			d.ppp(payload[6:], depth, emit)
		default:
			d.stats.NonIP++
		}
		return
	}
}

// mpls skips the label stack (4 bytes per label, bottom-of-stack bit) and
// guesses the payload from the IP version nibble, as every MPLS decoder does.
func (d *Decoder) mpls(b []byte, depth int, emit func(*Datagram)) {
	for i := 0; ; i++ {
		if len(b) < 4 || i >= maxEncapsulation {
			d.stats.LinkErrors++
			return
		}
		bottom := b[2]&1 != 0
		b = b[4:]
		if bottom {
			break
		}
	}
	d.rawIP(b, depth+1, emit)
}

// ppp reads a PPP header: optional address/control (FF 03), then a one- or
// two-byte protocol (one byte when compressed: odd first byte).
func (d *Decoder) ppp(b []byte, depth int, emit func(*Datagram)) {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	if len(b) < 1 {
		d.stats.LinkErrors++
		return
	}
	var proto uint16
	if b[0]&1 != 0 {
		proto, b = uint16(b[0]), b[1:]
	} else {
		if len(b) < 2 {
			d.stats.LinkErrors++
			return
		}
		proto, b = binary.BigEndian.Uint16(b), b[2:]
	}
	switch proto {
	case 0x0021:
		d.ipv4(b, depth, emit)
	case 0x0057:
		d.ipv6(b, depth, emit)
	default:
		d.stats.NonIP++ // LCP, IPCP, CHAP, compressed data, ...
	}
}

// rawIP decodes an IP packet whose version is only known from its first nibble.
func (d *Decoder) rawIP(b []byte, depth int, emit func(*Datagram)) {
	if len(b) == 0 {
		d.stats.LinkErrors++
		return
	}
	switch b[0] >> 4 {
	case 4:
		d.ipv4(b, depth, emit)
	case 6:
		d.ipv6(b, depth, emit)
	default:
		d.stats.IPErrors++
	}
}

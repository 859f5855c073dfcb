package synth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link is a link-layer encapsulation for IP packets.
type Link int

// Link layers this package can produce.
const (
	// LinkEthernet is Ethernet II (LINKTYPE_ETHERNET 1).
	LinkEthernet Link = iota
	// LinkVLAN is Ethernet with one 802.1Q tag, VLAN 100.
	LinkVLAN
	// LinkQinQ is Ethernet with an 802.1ad outer tag (S-VLAN 200) and an
	// 802.1Q inner tag (C-VLAN 100).
	LinkQinQ
	// LinkSLL is Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113).
	LinkSLL
	// LinkSLL2 is Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276).
	LinkSLL2
	// LinkRaw is raw IP, version from the first nibble (LINKTYPE_RAW 101).
	LinkRaw
	// LinkIPv4 is raw IPv4 only (LINKTYPE_IPV4 228).
	LinkIPv4
	// LinkIPv6 is raw IPv6 only (LINKTYPE_IPV6 229).
	LinkIPv6
	// LinkNull is BSD loopback (LINKTYPE_NULL 0): a 4-byte address family
	// in the byte order of the capturing host, here little-endian, with
	// AF_INET 2 and the Darwin AF_INET6 30.
	LinkNull
)

// ErrLinkFamily is returned when a packet's IP version does not fit the
// link type (IPv6 on LINKTYPE_IPV4 and the like) or is not 4 or 6.
var ErrLinkFamily = errors.New("synth: IP version does not fit the link type")

// LinkType returns the pcap LINKTYPE value of l.
func (l Link) LinkType() layers.LinkType {
	switch l {
	case LinkEthernet, LinkVLAN, LinkQinQ:
		return layers.LinkTypeEthernet
	case LinkSLL:
		return layers.LinkTypeLinuxSLL
	case LinkSLL2:
		return layers.LinkTypeLinuxSLL2
	case LinkRaw:
		return layers.LinkTypeRaw
	case LinkIPv4:
		return layers.LinkTypeIPv4
	case LinkIPv6:
		return layers.LinkTypeIPv6
	case LinkNull:
		return layers.LinkTypeNull
	}
	panic(fmt.Sprintf("synth: unknown link %d", int(l)))
}

// String returns a short name used in the manifest.
func (l Link) String() string {
	return [...]string{"ethernet", "ethernet+802.1q", "ethernet+802.1ad+802.1q", "linux_sll", "linux_sll2",
		"raw", "ipv4", "ipv6", "null"}[l]
}

// macFor derives a stable locally administered MAC from an IP address so
// each host keeps one MAC across the capture.
func macFor(ip []byte) net.HardwareAddr {
	n := len(ip)
	return net.HardwareAddr{0x02, 0x00, ip[n-4], ip[n-3], ip[n-2], ip[n-1]}
}

// ipInfo returns the IP version, ethertype, source and destination address
// bytes of an IP packet.
func ipInfo(pkt []byte) (version int, et layers.EthernetType, src, dst []byte, err error) {
	if len(pkt) == 0 {
		return 0, 0, nil, nil, ErrLinkFamily
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) >= 20 {
			return 4, layers.EthernetTypeIPv4, pkt[12:16], pkt[16:20], nil
		}
	case 6:
		if len(pkt) >= 40 {
			return 6, layers.EthernetTypeIPv6, pkt[8:24], pkt[24:40], nil
		}
	}
	return 0, 0, nil, nil, fmt.Errorf("%w: first byte %#x, length %d", ErrLinkFamily, pkt[0], len(pkt))
}

// Encap wraps an IP packet in the link layer l and returns the frame.
func (l Link) Encap(ip []byte) ([]byte, error) {
	version, et, src, dst, err := ipInfo(ip)
	if err != nil {
		return nil, err
	}
	switch l {
	case LinkRaw:
		return append([]byte(nil), ip...), nil
	case LinkIPv4, LinkIPv6:
		if (l == LinkIPv4) != (version == 4) {
			return nil, fmt.Errorf("%w: IPv%d on %s", ErrLinkFamily, version, l)
		}
		return append([]byte(nil), ip...), nil
	case LinkSLL:
		return append(sllHeader(et, src), ip...), nil
	case LinkSLL2:
		return append(sll2Header(et, src), ip...), nil
	}
	var ls []gopacket.SerializableLayer
	eth := &layers.Ethernet{SrcMAC: macFor(src), DstMAC: macFor(dst), EthernetType: et}
	switch l {
	case LinkEthernet:
		ls = []gopacket.SerializableLayer{eth}
	case LinkVLAN:
		eth.EthernetType = layers.EthernetTypeDot1Q
		ls = []gopacket.SerializableLayer{eth, &layers.Dot1Q{VLANIdentifier: 100, Type: et}}
	case LinkQinQ:
		eth.EthernetType = layers.EthernetTypeQinQ
		ls = []gopacket.SerializableLayer{eth,
			&layers.Dot1Q{VLANIdentifier: 200, Type: layers.EthernetTypeDot1Q},
			&layers.Dot1Q{VLANIdentifier: 100, Type: et}}
	case LinkNull:
		fam := layers.ProtocolFamilyIPv4
		if version == 6 {
			fam = layers.ProtocolFamilyIPv6Darwin
		}
		ls = []gopacket.SerializableLayer{&layers.Loopback{Family: fam}}
	default:
		return nil, fmt.Errorf("synth: unknown link %d", int(l))
	}
	buf := gopacket.NewSerializeBuffer()
	ls = append(ls, gopacket.Payload(ip))
	// gopacket pads Ethernet frames shorter than 60 bytes with zeros, as
	// frames received from the wire are: readers must trust the IP length,
	// not the frame length.
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, ls...); err != nil {
		return nil, fmt.Errorf("synth: link %s: %w", l, err)
	}
	return buf.Bytes(), nil
}

// sllHeader returns a 16-byte Linux cooked v1 header for a packet received
// by this host (packet type 0) from the Ethernet source MAC of src.
func sllHeader(et layers.EthernetType, src []byte) []byte {
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:], 0) // PACKET_HOST
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6) // address length
	copy(h[6:14], macFor(src))
	binary.BigEndian.PutUint16(h[14:], uint16(et))
	return h
}

// sll2Header returns a 20-byte Linux cooked v2 header (interface index 2,
// packet type 0) from the Ethernet source MAC of src. gopacket 1.7.7 can
// decode SLL2 but has no serialiser for it.
func sll2Header(et layers.EthernetType, src []byte) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], uint16(et))
	// h[2:4] reserved, zero.
	binary.BigEndian.PutUint32(h[4:], 2) // interface index
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10] = 0                            // PACKET_HOST
	h[11] = 6                            // address length
	copy(h[12:20], macFor(src))
	return h
}

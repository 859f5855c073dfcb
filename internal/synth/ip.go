package synth

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ErrMixedFamilies is returned when a packet's source and destination are
// not both IPv4 or both IPv6.
var ErrMixedFamilies = errors.New("synth: source and destination address families differ")

// Packer builds IP packets (starting at the IP header, no link layer).
// It numbers IPv4 Identification and IPv6 fragment IDs from a counter so
// that output is deterministic. A Packer is not safe for concurrent use.
type Packer struct {
	nextID uint32
	buf    gopacket.SerializeBuffer
}

// NewPacker returns a Packer whose first IP ID is firstID.
func NewPacker(firstID uint32) *Packer {
	return &Packer{nextID: firstID, buf: gopacket.NewSerializeBuffer()}
}

// id returns the next IP identification.
func (p *Packer) id() uint32 {
	p.nextID++
	return p.nextID
}

// ipLayer returns the network layer for a src→dst packet of protocol proto.
func (p *Packer) ipLayer(src, dst netip.Addr, proto layers.IPProtocol) (gopacket.SerializableLayer, gopacket.NetworkLayer, error) {
	switch {
	case src.Is4() && dst.Is4():
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: uint16(p.id()), Flags: layers.IPv4DontFragment,
			Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		return ip, ip, nil
	case src.Is6() && dst.Is6():
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		return ip, ip, nil
	}
	return nil, nil, fmt.Errorf("%w: %v -> %v", ErrMixedFamilies, src, dst)
}

// serialize runs gopacket's serialiser and returns a copy of the bytes
// (the buffer is reused).
func (p *Packer) serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	// Fill lengths and checksums, like a real stack would.
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(p.buf, opts, ls...); err != nil {
		return nil, fmt.Errorf("synth: serialize: %w", err)
	}
	return append([]byte(nil), p.buf.Bytes()...), nil
}

// UDP returns an IPv4 or IPv6 packet (by address family) carrying payload
// from src to dst, with correct lengths and checksums.
func (p *Packer) UDP(src, dst netip.AddrPort, payload []byte) ([]byte, error) {
	ip, nl, err := p.ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolUDP)
	if err != nil {
		return nil, err
	}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	if err := udp.SetNetworkLayerForChecksum(nl); err != nil {
		return nil, fmt.Errorf("synth: udp checksum: %w", err)
	}
	return p.serialize(ip, udp, gopacket.Payload(payload))
}

// FragSpec is one fragment of an IP datagram's payload (the UDP header and
// data): Length bytes from Offset. Offset must be a multiple of 8.
type FragSpec struct {
	Offset, Length int
}

// SplitFrags cuts total bytes into fragments of at most size bytes (size
// is rounded down to a multiple of 8), as a sender with that MTU would.
func SplitFrags(total, size int) []FragSpec {
	size &^= 7
	if size <= 0 {
		size = 8
	}
	var out []FragSpec
	for off := 0; off < total; off += size {
		out = append(out, FragSpec{off, min(size, total-off)})
	}
	return out
}

// UDPFragments builds the UDP datagram src→dst carrying payload and returns
// it cut into IP fragments by specs, in the order given (so callers choose
// reordering, overlap and omissions). The More Fragments flag is set on
// every fragment that does not reach the end of the datagram. All
// fragments share one IP identification. Overlapping specs carry the same
// bytes (a benign overlap, as a retransmitting sender produces).
func (p *Packer) UDPFragments(src, dst netip.AddrPort, payload []byte, specs []FragSpec) ([][]byte, error) {
	whole, err := p.UDP(src, dst, payload)
	if err != nil {
		return nil, err
	}
	hdrLen := 20
	if src.Addr().Is6() {
		hdrLen = 40
	}
	l4 := whole[hdrLen:]
	id := p.id()
	out := make([][]byte, 0, len(specs))
	for _, s := range specs {
		if s.Offset%8 != 0 || s.Offset < 0 || s.Length <= 0 || s.Offset+s.Length > len(l4) {
			return nil, fmt.Errorf("synth: bad fragment %+v of a %d-byte datagram", s, len(l4))
		}
		chunk := gopacket.Payload(l4[s.Offset : s.Offset+s.Length])
		more := s.Offset+s.Length < len(l4)
		var frag []byte
		if src.Addr().Is4() {
			ip := &layers.IPv4{Version: 4, TTL: 64, Id: uint16(id), Protocol: layers.IPProtocolUDP,
				FragOffset: uint16(s.Offset / 8), SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
			if more {
				ip.Flags = layers.IPv4MoreFragments
			}
			frag, err = p.serialize(ip, chunk)
		} else {
			ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment,
				SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
			fh := &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: uint16(s.Offset / 8),
				MoreFragments: more, Identification: id}
			frag, err = p.serialize(ip, fh, chunk)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, frag)
	}
	return out, nil
}

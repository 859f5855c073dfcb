package synth

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestEncapDecodesWithGopacket checks every link layer with gopacket's
// decoders: the expected layers appear and the UDP payload survives.
func TestEncapDecodesWithGopacket(t *testing.T) {
	p := NewPacker(1)
	payload := []byte("OPTIONS sip:x SIP/2.0\r\n\r\n")
	v4, err := p.UDP(netip.MustParseAddrPort("203.0.113.1:5060"), EdgeV4, payload)
	if err != nil {
		t.Fatal(err)
	}
	v6, err := p.UDP(netip.MustParseAddrPort("[2001:db8:1::1]:5060"), EdgeV6, payload)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		link   Link
		ip     []byte
		layers []gopacket.LayerType
	}{
		{LinkEthernet, v4, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4}},
		{LinkVLAN, v4, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeDot1Q, layers.LayerTypeIPv4}},
		{LinkQinQ, v6, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeDot1Q, layers.LayerTypeDot1Q, layers.LayerTypeIPv6}},
		{LinkSLL, v4, []gopacket.LayerType{layers.LayerTypeLinuxSLL, layers.LayerTypeIPv4}},
		{LinkSLL2, v6, []gopacket.LayerType{layers.LayerTypeLinuxSLL2, layers.LayerTypeIPv6}},
		{LinkRaw, v6, []gopacket.LayerType{layers.LayerTypeIPv6}},
		{LinkIPv4, v4, []gopacket.LayerType{layers.LayerTypeIPv4}},
		{LinkIPv6, v6, []gopacket.LayerType{layers.LayerTypeIPv6}},
		{LinkNull, v4, []gopacket.LayerType{layers.LayerTypeLoopback, layers.LayerTypeIPv4}},
		{LinkNull, v6, []gopacket.LayerType{layers.LayerTypeLoopback, layers.LayerTypeIPv6}},
	}
	for _, c := range cases {
		frame, err := c.link.Encap(c.ip)
		if err != nil {
			t.Fatalf("%s: %v", c.link, err)
		}
		var dec gopacket.Decoder = c.link.LinkType()
		switch c.link {
		case LinkRaw, LinkIPv6:
			// gopacket decodes LINKTYPE_RAW as IPv4 only and has no
			// decoder for 228/229: start at the IP layer.
			dec = layers.LayerTypeIPv6
		case LinkIPv4:
			dec = layers.LayerTypeIPv4
		}
		pkt := gopacket.NewPacket(frame, dec, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Errorf("%s: decode error %v", c.link, el.Error())
			continue
		}
		var got []gopacket.LayerType
		for _, l := range pkt.Layers() {
			got = append(got, l.LayerType())
		}
		want := append(append([]gopacket.LayerType(nil), c.layers...), layers.LayerTypeUDP)
		if len(got) < len(want) {
			t.Errorf("%s: layers %v, want %v", c.link, got, want)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: layers %v, want %v", c.link, got, want)
				break
			}
		}
		if udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); !ok || !bytes.Equal(udp.Payload, payload) {
			t.Errorf("%s: UDP payload lost", c.link)
		}
	}
}

func TestEncapRejectsWrongFamily(t *testing.T) {
	p := NewPacker(1)
	v6, err := p.UDP(netip.MustParseAddrPort("[2001:db8:1::1]:5060"), EdgeV6, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LinkIPv4.Encap(v6); !errors.Is(err, ErrLinkFamily) {
		t.Errorf("IPv6 on LINKTYPE_IPV4: %v", err)
	}
	if _, err := LinkEthernet.Encap([]byte{0x50, 1, 2}); !errors.Is(err, ErrLinkFamily) {
		t.Errorf("IP version 5: %v", err)
	}
	if _, err := p.UDP(netip.MustParseAddrPort("203.0.113.1:5060"), EdgeV6, nil); !errors.Is(err, ErrMixedFamilies) {
		t.Errorf("mixed families: %v", err)
	}
}

// TestTunnelsDecodeWithGopacket checks each tunnel with gopacket's
// decoders down to the inner UDP payload.
func TestTunnelsDecodeWithGopacket(t *testing.T) {
	p := NewPacker(1)
	payload := []byte("OPTIONS sip:x SIP/2.0\r\n\r\n")
	inner, err := p.UDP(netip.MustParseAddrPort("[2001:db8:1::1]:5060"), EdgeV6, payload)
	if err != nil {
		t.Fatal(err)
	}
	src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for tun, mid := range map[Tunnel]gopacket.LayerType{
		TunnelIPIP: layers.LayerTypeIPv4,
		TunnelGRE:  layers.LayerTypeGRE,
		TunnelGTPU: layers.LayerTypeGTPv1U,
	} {
		outer, err := p.Tunnel(tun, src, dst, inner)
		if err != nil {
			t.Fatalf("%s: %v", tun, err)
		}
		pkt := gopacket.NewPacket(outer, layers.LayerTypeIPv4, gopacket.Default)
		if pkt.Layer(mid) == nil || pkt.Layer(layers.LayerTypeIPv6) == nil {
			t.Errorf("%s: layers %v", tun, pkt.Layers())
			continue
		}
		var last *layers.UDP // GTP-U has an outer UDP too
		for _, l := range pkt.Layers() {
			if u, ok := l.(*layers.UDP); ok {
				last = u
			}
		}
		if last == nil || !bytes.Equal(last.Payload, payload) {
			t.Errorf("%s: inner UDP lost", tun)
		}
	}
}

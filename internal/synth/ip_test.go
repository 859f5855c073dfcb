package synth

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/layers"
)

func TestSplitFrags(t *testing.T) {
	got := SplitFrags(3000, 1480)
	want := []FragSpec{{0, 1480}, {1480, 1480}, {2960, 40}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%v, want %v", got, want)
		}
	}
	if s := SplitFrags(20, 13); s[0].Length != 8 {
		t.Errorf("size not rounded to 8: %v", s)
	}
}

// TestIPv4FragmentsReassembleWithGopacket feeds reordered fragments to
// gopacket's defragmenter and expects the original datagram back.
func TestIPv4FragmentsReassembleWithGopacket(t *testing.T) {
	p := NewPacker(7)
	src, dst := netip.MustParseAddrPort("203.0.113.1:5060"), EdgeV4
	payload := bytes.Repeat([]byte("0123456789abcdef"), 250)
	frags, err := p.UDPFragments(src, dst, payload, []FragSpec{{2960, 8 + len(payload) - 2960}, {0, 1480}, {1480, 1480}})
	if err != nil {
		t.Fatal(err)
	}
	d := ip4defrag.NewIPv4Defragmenter()
	var out *layers.IPv4
	for i, f := range frags {
		ip := gopacket.NewPacket(f, layers.LayerTypeIPv4, gopacket.Default).Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if more := ip.Flags&layers.IPv4MoreFragments != 0; more != (i != 0) {
			t.Errorf("fragment %d: MF=%v", i, more)
		}
		if out, err = d.DefragIPv4WithTimestamp(ip, time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if out == nil {
		t.Fatal("not reassembled")
	}
	udp := gopacket.NewPacket(out.Payload, layers.LayerTypeUDP, gopacket.Default).Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !bytes.Equal(udp.Payload, payload) {
		t.Error("payload differs after reassembly")
	}
}

func TestIPv6FragmentHeaders(t *testing.T) {
	p := NewPacker(7)
	src, dst := netip.MustParseAddrPort("[2001:db8:1::1]:5060"), EdgeV6
	payload := bytes.Repeat([]byte("x"), 2000)
	frags, err := p.UDPFragments(src, dst, payload, SplitFrags(8+len(payload), 1448))
	if err != nil {
		t.Fatal(err)
	}
	var joined []byte
	var id uint32
	for i, f := range frags {
		fh, ok := gopacket.NewPacket(f, layers.LayerTypeIPv6, gopacket.Default).Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment)
		if !ok {
			t.Fatalf("fragment %d has no fragment header", i)
		}
		if i == 0 {
			id = fh.Identification
		}
		if fh.Identification != id || fh.MoreFragments != (i < len(frags)-1) || int(fh.FragmentOffset)*8 != len(joined) {
			t.Errorf("fragment %d: %+v", i, fh)
		}
		joined = append(joined, fh.Payload...)
	}
	if !bytes.Equal(joined[8:], payload) {
		t.Error("fragments do not rebuild the datagram")
	}
	if _, err := p.UDPFragments(src, dst, payload, []FragSpec{{4, 100}}); err == nil {
		t.Error("unaligned fragment offset accepted")
	}
}

// TestTCPConnSequence checks sequence and acknowledgement numbers across
// a handshake, data both ways and FIN.
func TestTCPConnSequence(t *testing.T) {
	p := NewPacker(1)
	c := p.NewTCPConn(netip.MustParseAddrPort("203.0.113.1:40000"), EdgeV4, 1000, 5000)
	decode := func(b []byte) *layers.TCP {
		return gopacket.NewPacket(b, layers.LayerTypeIPv4, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
	}
	hs, err := c.Handshake()
	if err != nil {
		t.Fatal(err)
	}
	syn, synack, ack := decode(hs[0]), decode(hs[1]), decode(hs[2])
	if !syn.SYN || syn.Seq != 1000 || !synack.SYN || synack.Ack != 1001 || synack.Seq != 5000 || ack.Seq != 1001 || ack.Ack != 5001 {
		t.Fatalf("handshake: %+v %+v %+v", syn, synack, ack)
	}
	d1, _ := c.Send(true, []byte("hello"))
	d2, _ := c.Send(true, []byte("world"))
	r1, _ := c.Send(false, []byte("ok"))
	fin, _ := c.Fin(true)
	if s := decode(d1); s.Seq != 1001 || !bytes.Equal(s.Payload, []byte("hello")) {
		t.Errorf("d1: %+v", s)
	}
	if s := decode(d2); s.Seq != 1006 {
		t.Errorf("d2 seq %d", s.Seq)
	}
	if s := decode(r1); s.Seq != 5001 || s.Ack != 1011 {
		t.Errorf("r1: seq %d ack %d", s.Seq, s.Ack)
	}
	if s := decode(fin); !s.FIN || s.Seq != 1011 || s.Ack != 5003 {
		t.Errorf("fin: %+v", s)
	}
}

func TestCut(t *testing.T) {
	parts := Cut([]byte("abcdefgh"), 2, 5)
	if len(parts) != 3 || string(parts[0]) != "ab" || string(parts[1]) != "cde" || string(parts[2]) != "fgh" {
		t.Errorf("%q", parts)
	}
}

package live

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// frame builds a packet from layers; the last payload is SIP-ish bytes.
func frame(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	mac1 = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	mac2 = net.HardwareAddr{2, 0, 0, 0, 0, 2}
	ip4a = net.IP{10, 213, 0, 2}
	ip4b = net.IP{10, 213, 0, 1}
	ip6a = net.ParseIP("fd00:213::2")
	ip6b = net.ParseIP("fd00:213::1")
	sip  = gopacket.Payload("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n")
)

func eth(t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: t}
}

func v4(proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: ip4a, DstIP: ip4b}
}

func v6(next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: ip6a, DstIP: ip6b}
}

func udpOn(sport, dport uint16, ip gopacket.NetworkLayer) *layers.UDP {
	u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := u.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return u
}

func tcpOn(sport, dport uint16, ip gopacket.NetworkLayer) *layers.TCP {
	tc := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 1, ACK: true, Window: 1000, DataOffset: 5}
	if err := tc.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return tc
}

// raw builds the IPv4 packets gopacket will not serialise for us:
// fragments and headers with options. opts are 4-byte words.
func rawV4(proto byte, flagsOff uint16, opts []byte, payload []byte) []byte {
	ihl := 5 + len(opts)/4
	h := make([]byte, ihl*4)
	h[0] = 0x40 | byte(ihl)
	binary.BigEndian.PutUint16(h[2:], uint16(len(h)+len(payload)))
	binary.BigEndian.PutUint16(h[4:], 0x1234)
	binary.BigEndian.PutUint16(h[6:], flagsOff)
	h[8], h[9] = 64, proto
	copy(h[12:], ip4a.To4())
	copy(h[16:], ip4b.To4())
	copy(h[20:], opts)
	return append(h, payload...)
}

func ethRaw(t layers.EthernetType, ip []byte) []byte {
	b := append([]byte{}, mac2...)
	b = append(b, mac1...)
	b = binary.BigEndian.AppendUint16(b, uint16(t))
	return append(b, ip...)
}

func vlanRaw(tags []uint16, inner layers.EthernetType, ip []byte) []byte {
	b := append([]byte{}, mac2...)
	b = append(b, mac1...)
	for _, tpid := range tags {
		b = binary.BigEndian.AppendUint16(b, tpid)
		b = binary.BigEndian.AppendUint16(b, 100) // VID 100
	}
	b = binary.BigEndian.AppendUint16(b, uint16(inner))
	return append(b, ip...)
}

// udpHdr is an 8-byte UDP header (checksum 0) plus payload.
func udpHdr(sport, dport uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = binary.BigEndian.AppendUint16(b, 0)
	return append(b, payload...)
}

// rawV6 builds an IPv6 header with next header nh and payload.
func rawV6(nh byte, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6], h[7] = nh, 64
	copy(h[8:], ip6a.To16())
	copy(h[24:], ip6b.To16())
	return append(h, payload...)
}

func run(t *testing.T, prog []bpf.Instruction, pkt []byte) bool {
	t.Helper()
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatalf("NewVM: %v", err)
	}
	n, err := vm.Run(pkt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return n > 0
}

func TestFilterTable(t *testing.T) {
	i4 := v4(layers.IPProtocolUDP)
	i6 := v6(layers.IPProtocolUDP)
	t4 := v4(layers.IPProtocolTCP)
	sipUDP := udpHdr(40000, 5060, sip)
	// IPv4 options whose first word reads 5060 (0x13c4) where a filter
	// ignoring the IHL would look for the source port.
	trapOpts := []byte{0x13, 0xc4, 0x13, 0xc4}
	fragHdr := func(next byte, off uint16, more bool) []byte {
		b := []byte{next, 0}
		v := off << 3
		if more {
			v |= 1
		}
		b = binary.BigEndian.AppendUint16(b, v)
		return binary.BigEndian.AppendUint32(b, 0xabcd)
	}
	cases := []struct {
		name string
		spec FilterSpec
		pkt  []byte
		want bool
	}{
		{"udp dst 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			frame(t, eth(layers.EthernetTypeIPv4), i4, udpOn(40000, 5060, i4), sip), true},
		{"udp src 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			frame(t, eth(layers.EthernetTypeIPv4), i4, udpOn(5060, 40000, i4), sip), true},
		{"udp other port", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			frame(t, eth(layers.EthernetTypeIPv4), i4, udpOn(40000, 53, i4), sip), false},
		{"udp second of two ports", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060, 5080}},
			frame(t, eth(layers.EthernetTypeIPv4), i4, udpOn(40000, 5080, i4), sip), true},
		{"tcp dst 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			frame(t, eth(layers.EthernetTypeIPv4), t4, tcpOn(40000, 5060, t4), sip), true},
		{"tcp other port", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			frame(t, eth(layers.EthernetTypeIPv4), t4, tcpOn(40000, 443, t4), sip), false},
		{"any port when Ports is empty", FilterSpec{Link: layers.LinkTypeEthernet},
			frame(t, eth(layers.EthernetTypeIPv4), i4, udpOn(40000, 53, i4), sip), true},
		{"ipv4 first fragment, other port", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 0x2000, nil, udpHdr(40000, 53, sip))), true},
		{"ipv4 first fragment, 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 0x2000, nil, sipUDP)), true},
		{"ipv4 non-first fragment (no UDP header)", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 185, nil, []byte("tail of a big INVITE body........"))), true},
		{"ipv4 last fragment (MF clear, offset set)", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 0x0001, nil, []byte("x"))), true},
		{"ipv4 DF set is not a fragment", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 0x4000, nil, udpHdr(40000, 53, sip))), false},
		{"ipv4 options: port found after the IHL", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 0, trapOpts, sipUDP)), true},
		{"ipv4 options: trap bytes do not match", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 0, trapOpts, udpHdr(40000, 53, sip))), false},
		{"ipv6 udp 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			frame(t, eth(layers.EthernetTypeIPv6), i6, udpOn(40000, 5060, i6), sip), true},
		{"ipv6 udp other port", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			frame(t, eth(layers.EthernetTypeIPv6), i6, udpOn(40000, 53, i6), sip), false},
		{"ipv6 fragment header, first", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv6, rawV6(44, append(fragHdr(17, 0, true), udpHdr(40000, 53, sip)...))), true},
		{"ipv6 fragment header, non-first", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv6, rawV6(44, append(fragHdr(17, 150, false), "body bytes"...))), true},
		{"ipv6 hop-by-hop first", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv6, rawV6(0, append([]byte{17, 0, 1, 4, 0, 0, 0, 0}, sipUDP...))), true},
		{"ipv6 hop-by-hop then ICMPv6 (MLD report)", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv6, rawV6(0, append([]byte{58, 0, 5, 2, 0, 0, 1, 0}, make([]byte, 24)...))), false},
		{"ipv6 destination options then UDP other port", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv6, rawV6(60, append([]byte{17, 0, 1, 4, 0, 0, 0, 0}, udpHdr(1, 53, sip)...))), true},
		{"vlan tagged udp 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			vlanRaw([]uint16{0x8100}, layers.EthernetTypeIPv4, rawV4(17, 0, nil, sipUDP)), true},
		{"vlan tagged udp other port", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			vlanRaw([]uint16{0x8100}, layers.EthernetTypeIPv4, rawV4(17, 0, nil, udpHdr(40000, 53, sip))), false},
		{"vlan tagged non-first fragment", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			vlanRaw([]uint16{0x8100}, layers.EthernetTypeIPv4, rawV4(17, 185, nil, []byte("tail"))), true},
		{"qinq udp 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			vlanRaw([]uint16{0x88a8, 0x8100}, layers.EthernetTypeIPv4, rawV4(17, 0, nil, sipUDP)), true},
		{"qinq ipv6 udp 5060", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			vlanRaw([]uint16{0x88a8, 0x8100}, layers.EthernetTypeIPv6, rawV6(17, sipUDP)), true},
		{"three tags is too deep", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			vlanRaw([]uint16{0x88a8, 0x8100, 0x8100}, layers.EthernetTypeIPv4, rawV4(17, 0, nil, sipUDP)), false},
		{"arp", FilterSpec{Link: layers.LinkTypeEthernet},
			ethRaw(layers.EthernetTypeARP, make([]byte, 28)), false},
		{"icmp", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(1, 0, nil, make([]byte, 36))), false},
		{"gre without Tunnels", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			ethRaw(layers.EthernetTypeIPv4, rawV4(47, 0, nil, make([]byte, 40))), false},
		{"gre with Tunnels", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}, Tunnels: true},
			ethRaw(layers.EthernetTypeIPv4, rawV4(47, 0, nil, make([]byte, 40))), true},
		{"gtp-u with Tunnels", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}, Tunnels: true},
			ethRaw(layers.EthernetTypeIPv4, rawV4(17, 0, nil, udpHdr(2152, 2152, make([]byte, 40)))), true},
		{"raw ipv4 udp 5060", FilterSpec{Link: layers.LinkTypeRaw, Ports: []uint16{5060}},
			rawV4(17, 0, nil, sipUDP), true},
		{"raw ipv4 other port", FilterSpec{Link: layers.LinkTypeRaw, Ports: []uint16{5060}},
			rawV4(17, 0, nil, udpHdr(1, 2, sip)), false},
		{"raw ipv4 non-first fragment", FilterSpec{Link: layers.LinkTypeRaw, Ports: []uint16{5060}},
			rawV4(17, 100, nil, []byte("tail")), true},
		{"raw ipv6 fragment", FilterSpec{Link: layers.LinkTypeRaw, Ports: []uint16{5060}},
			rawV6(44, append(fragHdr(17, 150, false), "body"...)), true},
		{"short frame", FilterSpec{Link: layers.LinkTypeEthernet, Ports: []uint16{5060}},
			[]byte{1, 2, 3}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog, err := BuildFilter(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := run(t, prog, c.pkt); got != c.want {
				t.Errorf("accept = %v, want %v\nprogram:\n%s", got, c.want, listing(prog))
			}
		})
	}
}

func listing(prog []bpf.Instruction) string {
	var b strings.Builder
	for i, in := range prog {
		fmt.Fprintf(&b, "%3d %v\n", i, in)
	}
	return b.String()
}

func TestFilterAcceptReturnsSnaplen(t *testing.T) {
	prog, err := BuildFilter(FilterSpec{Link: layers.LinkTypeRaw, Snaplen: 100})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	pkt := rawV4(17, 0, nil, udpHdr(1, 5060, make([]byte, 400)))
	if n, err := vm.Run(pkt); err != nil || n != 100 {
		t.Errorf("Run = %d, %v; want 100 (the snaplen)", n, err)
	}
}

func TestFilterSkipOutgoing(t *testing.T) {
	prog, err := BuildFilter(FilterSpec{Link: layers.LinkTypeEthernet, SkipOutgoing: true})
	if err != nil {
		t.Fatal(err)
	}
	// x/net/bpf's VM cannot run the ancillary load; check the prologue.
	if le, ok := prog[0].(bpf.LoadExtension); !ok || le.Num != bpf.ExtType {
		t.Fatalf("first instruction %v, want ld #type", prog[0])
	}
	if j, ok := prog[1].(bpf.JumpIf); !ok || j.Val != packetOutgoing || j.SkipTrue == 0 {
		t.Fatalf("second instruction %v, want jeq #4 to reject", prog[1])
	}
	if _, err := bpf.Assemble(prog); err != nil {
		t.Fatal(err)
	}
}

func TestFilterManyPortsTooLarge(t *testing.T) {
	var ports []uint16
	for p := uint16(1); p <= 300; p++ {
		ports = append(ports, p)
	}
	if _, err := BuildFilter(FilterSpec{Link: layers.LinkTypeEthernet, Ports: ports}); err != ErrFilterTooLarge {
		t.Errorf("err = %v, want ErrFilterTooLarge", err)
	}
}

func TestFilterUnknownLink(t *testing.T) {
	if _, err := BuildFilter(FilterSpec{Link: layers.LinkTypePPP}); err == nil {
		t.Error("no error for a link type without a default filter")
	}
}

func TestParseFilter(t *testing.T) {
	// `tcpdump -ddd udp` on Ethernet (libpcap 1.10)
	ddd := "12\n40 0 0 12\n21 0 5 34525\n48 0 0 20\n21 6 0 17\n21 0 6 44\n48 0 0 54\n21 3 4 17\n21 0 3 2048\n48 0 0 23\n21 0 1 17\n6 0 0 262144\n6 0 0 0\n"
	prog, err := ParseFilter(ddd, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) != 12 || prog[0] != (bpf.RawInstruction{Op: 40, K: 12}) {
		t.Fatalf("got %v", prog)
	}
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatal("tcpdump program does not disassemble")
	}
	i4 := v4(layers.IPProtocolUDP)
	if !run(t, ins, frame(t, eth(layers.EthernetTypeIPv4), i4, udpOn(1, 2, i4), sip)) {
		t.Error("tcpdump's udp filter rejects UDP")
	}
	ipt, err := ParseFilter("4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0", layers.LinkTypeRaw)
	if err != nil || len(ipt) != 4 {
		t.Fatalf("iptables form: %v %v", ipt, err)
	}
	if p, err := ParseFilter("", layers.LinkTypeEthernet); p != nil || err != nil {
		t.Errorf("empty: %v %v", p, err)
	}
	if p, err := ParseFilter("none", layers.LinkTypeEthernet); p == nil || len(p) != 0 || err != nil {
		t.Errorf("none: %v %v", p, err)
	}
	for _, bad := range []string{"3\n6 0 0 0\n", "1\n6 0 0\n", "1\n6 0 0 99999999999\n", "0\n", "1,6 0 x 0", "@/nonexistent/filter"} {
		if _, err := ParseFilter(bad, layers.LinkTypeEthernet); err == nil || !strings.Contains(err.Error(), "bad BPF filter") {
			t.Errorf("ParseFilter(%q) = %v, want ErrBadFilter", bad, err)
		}
	}
}

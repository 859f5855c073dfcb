package live

import (
	"errors"
	"fmt"
	"sort"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// FilterSpec describes the default kernel filter: which packets are worth
// copying to user space. Everything the Decoder could turn into SIP on the
// given ports passes, and nothing that could complete such a message is
// lost to the filter:
//
//   - every IPv4 fragment (MF set or fragment offset ≠ 0). A non-first
//     fragment has no UDP header, so a port filter drops it and the
//     reassembly of a large INVITE never completes: the classic trap of
//     "udp port 5060" capture filters. First fragments pass too, so that
//     reassembly never waits for a fragment the filter ate;
//   - every IPv6 packet whose first next header is a fragment header, or
//     another extension header not followed by ICMPv6 (cBPF cannot walk
//     the chain; the Decoder does and counts what it skips);
//   - UDP, TCP and SCTP with one of Ports as source or destination port
//     (IPv4 header options honoured: the port offset comes from the IHL);
//   - up to two VLAN tags (802.1Q, 802.1ad, 0x9100) before the IP header.
//     Linux strips the outer tag before the filter runs when the NIC
//     offloads it, but not inner (QinQ) tags or tags on software paths.
type FilterSpec struct {
	// Link is the link type the filter runs on: LinkTypeEthernet (also
	// loopback on Linux) or LinkTypeRaw (tun, IP tunnels).
	Link layers.LinkType
	// Ports restricts UDP/TCP/SCTP to these ports (source or destination).
	// Empty: any port.
	Ports []uint16
	// Tunnels lets IP-in-IP (4, 41), GRE (47) and GTP-U (UDP 2152) through,
	// which the Decoder decapsulates; the inner ports are checked by the
	// Decoder, not the kernel.
	Tunnels bool
	// SkipOutgoing drops packets the host sends (PACKET_OUTGOING). On
	// loopback every packet is seen twice, once leaving and once
	// arriving; libpcap drops the leaving copy the same way. The kernel's
	// ancillary load is used, which golang.org/x/net/bpf's VM does not run.
	SkipOutgoing bool
	// Snaplen is the number of bytes kept per packet (the accept return
	// value). Zero: DefaultSnaplen.
	Snaplen uint32
}

// DefaultSnaplen keeps whole packets (Linux's maximum for AF_PACKET is the
// frame size; 256 KiB covers GSO/GRO aggregates on loopback).
const DefaultSnaplen = 262144

// ErrFilterTooLarge means the generated filter has a jump the classic BPF
// encoding cannot express (too many ports).
var ErrFilterTooLarge = errors.New("live: filter too large (too many ports)")

// maxInstructions is BPF_MAXINSNS of <linux/bpf_common.h>.
const maxInstructions = 4096

// packetOutgoing is PACKET_OUTGOING of <linux/if_packet.h>.
const packetOutgoing = 4

// IP protocol numbers the filter looks at.
const (
	protoIPIP     = 4
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6     = 41
	protoGRE      = 47
	protoSCTP     = 132
	protoHopByHop = 0
	protoRouting  = 43
	protoFragment = 44
	protoAH       = 51
	protoDestOpts = 60
	protoMobility = 135
	protoICMPv6   = 58
	portGTPU      = 2152
)

// BuildFilter compiles spec into a classic BPF program for SO_ATTACH_FILTER.
func BuildFilter(spec FilterSpec) ([]bpf.Instruction, error) {
	snap := spec.Snaplen
	if snap == 0 {
		snap = DefaultSnaplen
	}
	a := &asm{}
	if spec.SkipOutgoing {
		a.emit(bpf.LoadExtension{Num: bpf.ExtType})
		a.jeq(packetOutgoing, "reject", "")
	}
	switch spec.Link {
	case layers.LinkTypeEthernet:
		// three places the IP header can start: no tag, one tag, two tags
		for i, l3 := range []uint32{14, 18, 22} {
			a.label(fmt.Sprintf("eth%d", i))
			a.emit(bpf.LoadAbsolute{Off: l3 - 2, Size: 2})
			a.jeq(uint32(layers.EthernetTypeIPv4), fmt.Sprintf("ip4_%d", l3), "")
			a.jeq(uint32(layers.EthernetTypeIPv6), fmt.Sprintf("ip6_%d", l3), "")
			if i < 2 {
				next := fmt.Sprintf("eth%d", i+1)
				a.jeq(uint32(layers.EthernetTypeDot1Q), next, "")
				a.jeq(uint32(layers.EthernetTypeQinQ), next, "")
				a.jeq(0x9100, next, "")
			}
			a.jmp("reject")
		}
		for _, l3 := range []uint32{14, 18, 22} {
			a.ipv4(l3, spec.Tunnels)
			a.ipv6(l3, spec.Tunnels)
		}
	case layers.LinkTypeRaw:
		a.emit(bpf.LoadAbsolute{Off: 0, Size: 1})
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
		a.jeq(4, "ip4_0", "")
		a.jeq(6, "ip6_0", "")
		a.jmp("reject")
		a.ipv4(0, spec.Tunnels)
		a.ipv6(0, spec.Tunnels)
	default:
		return nil, fmt.Errorf("live: no default filter for link type %v", spec.Link)
	}
	// ports: X holds the offset of the transport header
	a.label("ports")
	ports := append([]uint16(nil), spec.Ports...)
	if spec.Tunnels && len(ports) > 0 {
		ports = append(ports, portGTPU)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	ports = dedup(ports)
	if len(ports) == 0 {
		a.jmp("accept")
	} else {
		for _, off := range []uint32{0, 2} {
			a.emit(bpf.LoadIndirect{Off: off, Size: 2})
			for _, p := range ports {
				a.jeq(uint32(p), "accept", "")
			}
		}
		a.jmp("reject")
	}
	a.label("accept")
	a.emit(bpf.RetConstant{Val: snap})
	a.label("reject")
	a.emit(bpf.RetConstant{Val: 0})
	return a.resolve()
}

// ipv4 checks an IPv4 header at l3: fragments and tunnels pass, UDP, TCP
// and SCTP go to the port check with X = l3 + IHL*4.
func (a *asm) ipv4(l3 uint32, tunnels bool) {
	a.label(fmt.Sprintf("ip4_%d", l3))
	a.emit(bpf.LoadAbsolute{Off: l3 + 6, Size: 2})
	a.jset(0x3fff, "accept", "") // MF flag or fragment offset
	a.emit(bpf.LoadAbsolute{Off: l3 + 9, Size: 1})
	if tunnels {
		a.jeq(protoIPIP, "accept", "")
		a.jeq(protoIPv6, "accept", "")
		a.jeq(protoGRE, "accept", "")
	}
	l4 := fmt.Sprintf("l4v4_%d", l3)
	a.jeq(protoUDP, l4, "")
	a.jeq(protoTCP, l4, "")
	a.jeq(protoSCTP, l4, "")
	a.jmp("reject")
	a.label(l4)
	a.emit(bpf.LoadAbsolute{Off: l3, Size: 1})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: l3})
	a.emit(bpf.TAX{})
	a.jmp("ports")
}

// ipv6 checks an IPv6 header at l3: a fragment or other extension header
// first passes, UDP, TCP and SCTP go to the port check.
func (a *asm) ipv6(l3 uint32, tunnels bool) {
	a.label(fmt.Sprintf("ip6_%d", l3))
	a.emit(bpf.LoadAbsolute{Off: l3 + 6, Size: 1})
	a.jeq(protoFragment, "accept", "")
	ext := fmt.Sprintf("ext6_%d", l3)
	for _, p := range []uint32{protoHopByHop, protoRouting, protoDestOpts, protoAH, protoMobility} {
		a.jeq(p, ext, "")
	}
	if tunnels {
		a.jeq(protoIPIP, "accept", "")
		a.jeq(protoIPv6, "accept", "")
		a.jeq(protoGRE, "accept", "")
	}
	l4 := fmt.Sprintf("l4v6_%d", l3)
	a.jeq(protoUDP, l4, "")
	a.jeq(protoTCP, l4, "")
	a.jeq(protoSCTP, l4, "")
	a.jmp("reject")
	a.label(l4)
	a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: l3 + 40})
	a.jmp("ports")
	// one extension header: ICMPv6 behind it (MLD reports carry a
	// hop-by-hop header) is not SIP; anything else may lead to it
	a.label(ext)
	a.emit(bpf.LoadAbsolute{Off: l3 + 40, Size: 1})
	a.jeq(protoICMPv6, "reject", "")
	a.jmp("accept")
}

func dedup(p []uint16) []uint16 {
	out := p[:0]
	for i, v := range p {
		if i == 0 || v != p[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// asm is a tiny assembler with symbolic jump targets; "" means the next
// instruction.
type asm struct {
	ins    []bpf.Instruction
	jumps  map[int][2]string // conditional: true, false targets
	always map[int]string    // unconditional jumps
	labels map[string]int
}

func (a *asm) emit(i bpf.Instruction) {
	a.ins = append(a.ins, i)
}

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.ins)
}

func (a *asm) cond(c bpf.JumpTest, v uint32, t, f string) {
	if a.jumps == nil {
		a.jumps = map[int][2]string{}
	}
	a.jumps[len(a.ins)] = [2]string{t, f}
	a.emit(bpf.JumpIf{Cond: c, Val: v})
}

func (a *asm) jeq(v uint32, t, f string)  { a.cond(bpf.JumpEqual, v, t, f) }
func (a *asm) jset(v uint32, t, f string) { a.cond(bpf.JumpBitsSet, v, t, f) }

func (a *asm) jmp(target string) {
	if a.always == nil {
		a.always = map[int]string{}
	}
	a.always[len(a.ins)] = target
	a.emit(bpf.Jump{})
}

func (a *asm) skip(from int, target string) (uint32, error) {
	if target == "" {
		return 0, nil
	}
	to, ok := a.labels[target]
	if !ok {
		return 0, fmt.Errorf("live: filter label %q undefined", target)
	}
	if to <= from {
		return 0, fmt.Errorf("live: filter jumps backwards to %q", target)
	}
	return uint32(to - from - 1), nil
}

func (a *asm) resolve() ([]bpf.Instruction, error) {
	out := append([]bpf.Instruction(nil), a.ins...)
	for i, tf := range a.jumps {
		st, err := a.skip(i, tf[0])
		if err != nil {
			return nil, err
		}
		sf, err := a.skip(i, tf[1])
		if err != nil {
			return nil, err
		}
		if st > 255 || sf > 255 {
			return nil, ErrFilterTooLarge
		}
		j := out[i].(bpf.JumpIf)
		j.SkipTrue, j.SkipFalse = uint8(st), uint8(sf)
		out[i] = j
	}
	for i, t := range a.always {
		s, err := a.skip(i, t)
		if err != nil {
			return nil, err
		}
		out[i] = bpf.Jump{Skip: s}
	}
	if len(out) > maxInstructions {
		return nil, ErrFilterTooLarge
	}
	return out, nil
}

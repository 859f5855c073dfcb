package synth

import (
	"fmt"
	"net/netip"
	"time"
)

// Fragment sizes a sender with a 1500-byte MTU uses: the IP payload per
// fragment (IPv4: 1500-20; IPv6: 1500-40-8, rounded down to 8).
const (
	fragSizeV4 = 1480
	fragSizeV6 = 1448
)

// bigInvite returns an INVITE of about 3.5 kB (an SDP offer with many ICE
// candidates, as WebRTC gateways send), which needs three fragments.
func bigInvite(g *IDs, caller, callee Party) *Message {
	m := g.Invite(caller, callee, "UDP")
	for i := 0; len(m.Body) < 3200; i++ {
		m.Body = fmt.Appendf(m.Body, "a=candidate:%d 1 udp %d 198.18.%d.%d %d typ host generation 0\r\n",
			1000+i, 2122260223-i, i/200, i%200+1, 50000+i)
	}
	return m
}

// fragDatagram sends msg as IP fragments in the given order of
// SplitFrags pieces (indexes; an index may repeat or be left out) and
// returns how many pieces the datagram has.
func fragDatagram(c *Capture, src, dst netip.AddrPort, msg *Message, order []int) (int, error) {
	size := fragSizeV4
	if src.Addr().Is6() {
		size = fragSizeV6
	}
	payload := msg.Bytes()
	specs := SplitFrags(8+len(payload), size)
	pick := make([]FragSpec, len(order))
	for i, o := range order {
		pick[i] = specs[o]
	}
	frags, err := c.Packer().UDPFragments(src, dst, payload, pick)
	if err != nil {
		return 0, err
	}
	return len(specs), c.Packets(frags, MarkFragment)
}

// fragCall sends a big INVITE from caller as fragments in order and the
// edge's 100 Trying; complete reports whether all pieces were sent.
func fragCall(c *Capture, g *IDs, cs Cast, caller Party, order []int, complete bool) error {
	inv := bigInvite(g, caller, cs.Linphone)
	n, err := fragDatagram(c, caller.Addr, cs.Edge.Addr, inv, order)
	if err != nil {
		return err
	}
	if n != 3 {
		return fmt.Errorf("big INVITE has %d fragments, want 3", n)
	}
	if !complete {
		c.Entry.FragmentsIncomplete++
		c.Advance(2 * time.Second)
		return nil
	}
	c.Entry.FragmentsReassembled++
	c.Expect("udp", inv)
	return c.UDP(cs.Edge.Addr, caller.Addr, NewResponse(inv, 100, "Trying", "", ServerEdge))
}

// fragFixtures covers IPv4 and IPv6 fragmentation.
func fragFixtures() []Fixture {
	v4 := func(name, desc string, body func(c *Capture, g *IDs, cs Cast) error) Fixture {
		return pcapFixture(name, desc, LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
			return body(c, g, NewCast(false))
		})
	}
	return []Fixture{
		v4("ipv4_frag_inorder.pcap", "UDP/IPv4: a 3.5 kB INVITE in 3 fragments in order, then 100 Trying",
			func(c *Capture, g *IDs, cs Cast) error {
				return fragCall(c, g, cs, cs.Zoiper, []int{0, 1, 2}, true)
			}),
		v4("ipv4_frag_reorder.pcap", "UDP/IPv4: two 3-fragment INVITEs, the first with fragments in order 2,0,1, the second in order 1,2,0, then one 100 Trying each",
			func(c *Capture, g *IDs, cs Cast) error {
				if err := fragCall(c, g, cs, cs.Zoiper, []int{2, 0, 1}, true); err != nil {
					return err
				}
				return fragCall(c, g, cs, cs.Polycom, []int{1, 2, 0}, true)
			}),
		v4("ipv4_frag_overlap.pcap", "UDP/IPv4: a 3-fragment INVITE whose first fragment is sent twice (full overlap) and whose second fragment is sent again after the last (identical bytes), then 100 Trying",
			func(c *Capture, g *IDs, cs Cast) error {
				return fragCall(c, g, cs, cs.Zoiper, []int{0, 0, 1, 2, 1}, true)
			}),
		v4("ipv4_frag_missing.pcap", "UDP/IPv4: a 3-fragment INVITE missing its last fragment (never reassembled), then a complete fragmented INVITE and its 100 Trying",
			func(c *Capture, g *IDs, cs Cast) error {
				if err := fragCall(c, g, cs, cs.Zoiper, []int{0, 1}, false); err != nil {
					return err
				}
				return fragCall(c, g, cs, cs.Polycom, []int{0, 1, 2}, true)
			}),
		pcapFixture("ipv6_frag.pcap", "UDP/IPv6 with fragment headers: one 3-fragment INVITE in order, one in order 2,1,0, one missing its first fragment; 100 Trying for the complete ones",
			LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
				cs := NewCast(true)
				if err := fragCall(c, g, cs, cs.Zoiper, []int{0, 1, 2}, true); err != nil {
					return err
				}
				if err := fragCall(c, g, cs, cs.Polycom, []int{2, 1, 0}, true); err != nil {
					return err
				}
				return fragCall(c, g, cs, cs.Grandstream, []int{1, 2}, false)
			}),
	}
}

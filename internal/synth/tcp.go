package synth

import (
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TCPConn is one TCP connection between a client and a server. Each
// method returns the IP packet of one segment and advances the sender's
// sequence number, so a caller builds any trace by choosing which packets
// to emit and in what order: dropping one makes a gap, emitting one twice
// makes a retransmission, swapping two makes reordering.
type TCPConn struct {
	p              *Packer
	client, server netip.AddrPort
	// seq holds the next sequence number of client (0) and server (1).
	seq [2]uint32
	// window is advertised in every segment.
	window uint16
}

// NewTCPConn returns a connection whose initial sequence numbers are
// clientISN and serverISN (pick them from a seeded PRNG).
func (p *Packer) NewTCPConn(client, server netip.AddrPort, clientISN, serverISN uint32) *TCPConn {
	return &TCPConn{p: p, client: client, server: server, seq: [2]uint32{clientISN, serverISN}, window: 64240}
}

// Client returns the client address.
func (c *TCPConn) Client() netip.AddrPort { return c.client }

// Server returns the server address.
func (c *TCPConn) Server() netip.AddrPort { return c.server }

// side returns the index into seq for the sender.
func side(fromClient bool) int {
	if fromClient {
		return 0
	}
	return 1
}

// segment builds one segment from the given side with flags and payload,
// acknowledging everything the other side has sent so far.
func (c *TCPConn) segment(fromClient bool, syn, fin, ack, psh bool, payload []byte) ([]byte, error) {
	src, dst := c.client, c.server
	if !fromClient {
		src, dst = dst, src
	}
	s := side(fromClient)
	ipl, nl, err := c.p.ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolTCP)
	if err != nil {
		return nil, err
	}
	t := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: c.seq[s], SYN: syn, FIN: fin, ACK: ack, PSH: psh, Window: c.window}
	if ack {
		t.Ack = c.seq[1-s]
	}
	if syn {
		// An MSS option, as every real SYN carries.
		t.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}}}
	}
	if err := t.SetNetworkLayerForChecksum(nl); err != nil {
		return nil, err
	}
	pkt, err := c.p.serialize(ipl, t, gopacket.Payload(payload))
	if err != nil {
		return nil, err
	}
	adv := uint32(len(payload))
	if syn || fin {
		adv++
	}
	c.seq[s] += adv
	return pkt, nil
}

// Handshake returns SYN, SYN-ACK and ACK.
func (c *TCPConn) Handshake() ([][]byte, error) {
	syn, err := c.segment(true, true, false, false, false, nil)
	if err != nil {
		return nil, err
	}
	synack, err := c.segment(false, true, false, true, false, nil)
	if err != nil {
		return nil, err
	}
	ack, err := c.segment(true, false, false, true, false, nil)
	if err != nil {
		return nil, err
	}
	return [][]byte{syn, synack, ack}, nil
}

// Send returns a PSH/ACK segment carrying data from the given side.
func (c *TCPConn) Send(fromClient bool, data []byte) ([]byte, error) {
	return c.segment(fromClient, false, false, true, true, data)
}

// Ack returns a pure ACK from the given side.
func (c *TCPConn) Ack(fromClient bool) ([]byte, error) {
	return c.segment(fromClient, false, false, true, false, nil)
}

// Fin returns a FIN/ACK from the given side.
func (c *TCPConn) Fin(fromClient bool) ([]byte, error) {
	return c.segment(fromClient, false, true, true, false, nil)
}

// Cut splits b at the given ascending offsets; Cut(b, 10, 20) returns
// b[:10], b[10:20], b[20:]. Offsets outside b or out of order panic, as
// they are programming errors in a fixture.
func Cut(b []byte, at ...int) [][]byte {
	out := make([][]byte, 0, len(at)+1)
	prev := 0
	for _, a := range at {
		out = append(out, b[prev:a])
		prev = a
	}
	return append(out, b[prev:])
}

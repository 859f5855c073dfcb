package synth

import (
	"bytes"
	"time"
)

// tcpSession is a TCP connection being written into a Capture.
type tcpSession struct {
	c    *Capture
	conn *TCPConn
}

// openTCP emits the three-way handshake from client to the edge.
func openTCP(c *Capture, g *IDs, client Party, server Party) (*tcpSession, error) {
	s := &tcpSession{c: c, conn: c.Packer().NewTCPConn(client.Addr, server.Addr, g.Uint32(), g.Uint32())}
	hs, err := s.conn.Handshake()
	if err != nil {
		return nil, err
	}
	c.Entry.TCPStreams++
	return s, c.Packets(hs, MarkNonSIP)
}

// send emits one data segment.
func (s *tcpSession) send(fromClient bool, data []byte, m Mark) error {
	seg, err := s.conn.Send(fromClient, data)
	if err != nil {
		return err
	}
	return s.c.Packet(seg, m)
}

// sendAll emits each piece as its own segment.
func (s *tcpSession) sendAll(fromClient bool, pieces [][]byte) error {
	for _, p := range pieces {
		if err := s.send(fromClient, p, 0); err != nil {
			return err
		}
	}
	return nil
}

// build returns a data segment without emitting it (for reordering,
// retransmission and gaps).
func (s *tcpSession) build(fromClient bool, data []byte) ([]byte, error) {
	return s.conn.Send(fromClient, data)
}

// ack emits a pure ACK.
func (s *tcpSession) ack(fromClient bool) error {
	a, err := s.conn.Ack(fromClient)
	if err != nil {
		return err
	}
	return s.c.Packet(a, MarkNonSIP)
}

// close emits FIN from the client, FIN from the server, and the last ACK.
func (s *tcpSession) close() error {
	for _, fromClient := range []bool{true, false} {
		f, err := s.conn.Fin(fromClient)
		if err != nil {
			return err
		}
		if err := s.c.Packet(f, MarkNonSIP); err != nil {
			return err
		}
	}
	return s.ack(true)
}

// headerEnd returns the offset just past the blank line of a serialised
// message.
func headerEnd(b []byte) int { return bytes.Index(b, []byte("\r\n\r\n")) + 4 }

// concat joins serialised messages.
func concat(ms ...*Message) []byte {
	var b []byte
	for _, m := range ms {
		b = m.AppendTo(b)
	}
	return b
}

// tcpFixtures covers SIP framing on TCP streams.
func tcpFixtures() []Fixture {
	cs4, cs6 := NewCast(false), NewCast(true)
	tcp := func(name, desc string, body func(c *Capture, g *IDs, cs Cast) error) Fixture {
		return pcapFixture(name, desc, LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
			return body(c, g, cs4)
		})
	}
	return []Fixture{
		tcp("tcp_segmented.pcap", "SIP/TCP/IPv4: REGISTER cut mid start-line and mid header (3 segments), 401, REGISTER, 200, INVITE cut mid body, 100, 200 OK cut mid header, ACK; handshake and FIN",
			func(c *Capture, g *IDs, cs Cast) error {
				s, err := openTCP(c, g, cs.Zoiper, cs.Edge)
				if err != nil {
					return err
				}
				reg := g.Register(cs.Zoiper, "TCP", 1, 3600)
				rb := reg.Bytes()
				if err := s.sendAll(true, Cut(rb, 5, headerEnd(rb)/2)); err != nil {
					return err
				}
				chal, nonce := g.Challenge(reg)
				reg2 := g.Reregister(reg, cs.Zoiper, nonce)
				ok := NewResponse(reg2, 200, "OK", g.Hex(4), ServerEdge)
				inv := g.Invite(cs.Zoiper, cs.Linphone, "TCP")
				ib := inv.Bytes()
				trying := NewResponse(inv, 100, "Trying", "", ServerEdge)
				tag := g.Hex(4)
				inviteOK := NewResponse(inv, 200, "OK", tag, ServerEdge)
				inviteOK.Body = SDP("1004", cs.Linphone.Addr.Addr(), 77, 30000)
				inviteOK.Add("Content-Type", "application/sdp")
				ob := inviteOK.Bytes()
				ack := g.InDialog(inv, cs.Zoiper, cs.Linphone, "ACK", "TCP", tag)
				steps := []struct {
					fromClient bool
					pieces     [][]byte
				}{
					{false, [][]byte{chal.Bytes()}},
					{true, [][]byte{reg2.Bytes()}},
					{false, [][]byte{ok.Bytes()}},
					{true, Cut(ib, headerEnd(ib)+40)},
					{false, [][]byte{trying.Bytes()}},
					{false, Cut(ob, headerEnd(ob)/3)},
					{true, [][]byte{ack.Bytes()}},
				}
				for _, st := range steps {
					if err := s.sendAll(st.fromClient, st.pieces); err != nil {
						return err
					}
					if err := s.ack(!st.fromClient); err != nil {
						return err
					}
				}
				c.Expect("tcp", reg, chal, reg2, ok, inv, trying, inviteOK, ack)
				return s.close()
			}),
		pcapFixture("tcp_pipelined.pcap", "SIP/TCP/IPv6: three REGISTERs in one segment; their three 200s in one segment with the third cut in half; an INVITE with SDP and a BYE in one segment (Content-Length decides the body end)",
			LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
				cs := cs6
				s, err := openTCP(c, g, cs.Linphone, cs.Edge)
				if err != nil {
					return err
				}
				regs := []*Message{g.Register(cs.Linphone, "TCP", 1, 600), g.Register(cs.Linphone, "TCP", 1, 600), g.Register(cs.Linphone, "TCP", 1, 600)}
				var oks []*Message
				for _, r := range regs {
					oks = append(oks, NewResponse(r, 200, "OK", g.Hex(4), ServerEdge))
				}
				if err := s.send(true, concat(regs...), 0); err != nil {
					return err
				}
				replies := concat(oks...)
				third := len(replies) - len(oks[2].Bytes())
				if err := s.sendAll(false, Cut(replies, third+len(oks[2].Bytes())/2)); err != nil {
					return err
				}
				if err := s.ack(true); err != nil {
					return err
				}
				inv := g.Invite(cs.Linphone, cs.Polycom, "TCP")
				bye := g.InDialog(inv, cs.Linphone, cs.Polycom, "BYE", "TCP", g.Hex(4))
				if err := s.send(true, concat(inv, bye), 0); err != nil {
					return err
				}
				if err := s.ack(false); err != nil {
					return err
				}
				c.Expect("tcp", regs...)
				c.Expect("tcp", oks...)
				c.Expect("tcp", inv, bye)
				return s.close()
			}),
		tcp("tcp_reorder_retrans.pcap", "SIP/TCP/IPv4: an INVITE in 3 segments sent in order 1,3,2 then segment 2 retransmitted; a REGISTER segment retransmitted whole; the 200 to it retransmitted",
			func(c *Capture, g *IDs, cs Cast) error {
				s, err := openTCP(c, g, cs.Polycom, cs.Edge)
				if err != nil {
					return err
				}
				inv := g.Invite(cs.Polycom, cs.Zoiper, "TCP")
				ib := inv.Bytes()
				var segs [][]byte
				for _, p := range Cut(ib, 200, headerEnd(ib)+10) {
					seg, err := s.build(true, p)
					if err != nil {
						return err
					}
					segs = append(segs, seg)
				}
				for i, m := range []Mark{0, 0, 0, MarkRetransmission} {
					if err := c.Packet(segs[[]int{0, 2, 1, 1}[i]], m); err != nil {
						return err
					}
				}
				trying := NewResponse(inv, 100, "Trying", "", ServerEdge)
				if err := s.send(false, trying.Bytes(), 0); err != nil {
					return err
				}
				reg := g.Register(cs.Polycom, "TCP", 7, 3600)
				seg, err := s.build(true, reg.Bytes())
				if err != nil {
					return err
				}
				ok := NewResponse(reg, 200, "OK", g.Hex(4), ServerEdge)
				okSeg, err := s.build(false, ok.Bytes())
				if err != nil {
					return err
				}
				for _, p := range []struct {
					seg []byte
					m   Mark
				}{{seg, 0}, {seg, MarkRetransmission}, {okSeg, 0}, {okSeg, MarkRetransmission}} {
					if err := c.Packet(p.seg, p.m); err != nil {
						return err
					}
					c.Advance(200 * time.Millisecond)
				}
				c.Expect("tcp", inv, trying, reg, ok)
				return s.close()
			}),
		tcp("tcp_gap_resync.pcap", "SIP/TCP/IPv4: REGISTER; an INVITE in 3 segments whose middle segment is missing (one gap), the last segment also carrying a complete OPTIONS; then a REGISTER. The INVITE is lost; a reader resyncing at the next start line recovers 3 client messages",
			func(c *Capture, g *IDs, cs Cast) error {
				s, err := openTCP(c, g, cs.Grandstream, cs.Edge)
				if err != nil {
					return err
				}
				reg := g.Register(cs.Grandstream, "TCP", 1, 3600)
				if err := s.send(true, reg.Bytes(), 0); err != nil {
					return err
				}
				inv := g.Invite(cs.Grandstream, cs.Polycom, "TCP")
				opt := g.Options(cs.Grandstream, cs.Edge, "TCP")
				ib := inv.Bytes()
				pieces := Cut(ib, 300, headerEnd(ib)-60)
				if err := s.send(true, pieces[0], 0); err != nil {
					return err
				}
				if _, err := s.build(true, pieces[1]); err != nil { // lost on the wire
					return err
				}
				c.Entry.TCPGaps++
				c.Entry.TCPMessagesLost++
				if err := s.send(true, append(append([]byte(nil), pieces[2]...), opt.Bytes()...), 0); err != nil {
					return err
				}
				reg2 := g.Reregister(reg, cs.Grandstream, "")
				if err := s.send(true, reg2.Bytes(), 0); err != nil {
					return err
				}
				c.Expect("tcp", reg, opt, reg2)
				return s.close()
			}),
		tcp("tcp_keepalive.pcap", "SIP/TCP/IPv4 with RFC 5626 keep-alives: double-CRLF ping and CRLF pong alone in segments, and a ping in front of a REGISTER in the same segment",
			func(c *Capture, g *IDs, cs Cast) error {
				s, err := openTCP(c, g, cs.Linphone, cs.Edge)
				if err != nil {
					return err
				}
				reg := g.Register(cs.Linphone, "TCP", 1, 600)
				ok := NewResponse(reg, 200, "OK", g.Hex(4), ServerEdge)
				if err := s.sendAll(true, [][]byte{reg.Bytes()}); err != nil {
					return err
				}
				if err := s.send(false, ok.Bytes(), 0); err != nil {
					return err
				}
				for i := 0; i < 2; i++ {
					c.Advance(30 * time.Second)
					if err := s.send(true, []byte("\r\n\r\n"), MarkNonSIP); err != nil {
						return err
					}
					if err := s.send(false, []byte("\r\n"), MarkNonSIP); err != nil {
						return err
					}
					c.Entry.TCPKeepAlives += 2
				}
				c.Advance(30 * time.Second)
				reg2 := g.Reregister(reg, cs.Linphone, "")
				if err := s.send(true, append([]byte("\r\n\r\n"), reg2.Bytes()...), 0); err != nil {
					return err
				}
				c.Entry.TCPKeepAlives++
				ok2 := NewResponse(reg2, 200, "OK", g.Hex(4), ServerEdge)
				if err := s.send(false, ok2.Bytes(), 0); err != nil {
					return err
				}
				c.Expect("tcp", reg, ok, reg2, ok2)
				return s.close()
			}),
		tcp("tcp_fin_midmsg.pcap", "SIP/TCP/IPv4: REGISTER and 200, then the client sends half an INVITE and closes the connection (the INVITE is lost)",
			func(c *Capture, g *IDs, cs Cast) error {
				s, err := openTCP(c, g, cs.Zoiper, cs.Edge)
				if err != nil {
					return err
				}
				reg := g.Register(cs.Zoiper, "TCP", 1, 3600)
				ok := NewResponse(reg, 200, "OK", g.Hex(4), ServerEdge)
				if err := s.send(true, reg.Bytes(), 0); err != nil {
					return err
				}
				if err := s.send(false, ok.Bytes(), 0); err != nil {
					return err
				}
				ib := g.Invite(cs.Zoiper, cs.Polycom, "TCP").Bytes()
				if err := s.send(true, ib[:headerEnd(ib)/2], 0); err != nil {
					return err
				}
				c.Entry.TCPMessagesLost++
				c.Expect("tcp", reg, ok)
				return s.close()
			}),
	}
}

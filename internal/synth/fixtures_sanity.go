package synth

// defectRequest returns the request that carries defect d: an INVITE with
// SDP for the Content-Length defect (it needs a body), a REGISTER
// otherwise.
func defectRequest(g *IDs, cs Cast, d Defect, transport string) *Message {
	if d == DefectContentLength {
		return d.Apply(g.Invite(cs.Grandstream, cs.Polycom, transport))
	}
	return d.Apply(g.Register(cs.Grandstream, transport, 1+uint32(g.IntN(100)), 3600))
}

// defectReply returns Kamailio 5.2.3's stateless reply to a request with
// defect d under the default checks, or nil when the check is silent or
// not in the default mask.
func defectReply(g *IDs, d Defect, req *Message) *Message {
	info, _ := d.Info()
	if info.Code == 0 || !info.InDefault {
		return nil
	}
	r := NewResponse(req, info.Code, info.Reason, g.Hex(4), ServerEdge)
	if d == DefectProxyRequire {
		r.Add("Unsupported", ProxyRequireToken)
	}
	return r
}

// sanityFixtures: one request per sanity defect, over UDP and TCP, with a
// clean REGISTER first as the control.
func sanityFixtures() []Fixture {
	return []Fixture{
		pcapFixture("sanity_defects_udp.pcap", "UDP/IPv4: a clean Polycom REGISTER + 200, then one Grandstream request per sanity defect (see defects), each followed by the edge's reply when Kamailio 5.2.3 with default_checks 3047 sends one",
			LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
				cs := NewCast(false)
				reg := g.Register(cs.Polycom, "UDP", 1, 3600)
				if err := c.UDP(cs.Polycom.Addr, cs.Edge.Addr, reg); err != nil {
					return err
				}
				if err := c.UDP(cs.Edge.Addr, cs.Polycom.Addr, NewResponse(reg, 200, "OK", g.Hex(4), ServerEdge)); err != nil {
					return err
				}
				for _, info := range AllDefects() {
					req := defectRequest(g, cs, info.Defect, "UDP")
					if err := c.UDP(cs.Grandstream.Addr, cs.Edge.Addr, req); err != nil {
						return err
					}
					c.ExpectDefect(info.Defect)
					if r := defectReply(g, info.Defect, req); r != nil {
						if err := c.UDP(cs.Edge.Addr, cs.Grandstream.Addr, r); err != nil {
							return err
						}
					}
				}
				return nil
			}),
		pcapFixture("sanity_defects_tcp.pcap", "SIP/TCP/IPv4: as sanity_defects_udp but on one TCP connection, one message per segment, without the Content-Length defect (a wrong Content-Length changes TCP framing)",
			LinkEthernet, PcapOptions{}, func(c *Capture, g *IDs) error {
				cs := NewCast(false)
				s, err := openTCP(c, g, cs.Grandstream, cs.Edge)
				if err != nil {
					return err
				}
				for _, info := range AllDefects() {
					if info.Defect == DefectContentLength {
						continue
					}
					req := defectRequest(g, cs, info.Defect, "TCP")
					if err := s.send(true, req.Bytes(), 0); err != nil {
						return err
					}
					c.Expect("tcp", req)
					c.ExpectDefect(info.Defect)
					if r := defectReply(g, info.Defect, req); r != nil {
						if err := s.send(false, r.Bytes(), 0); err != nil {
							return err
						}
						c.Expect("tcp", r)
					} else if err := s.ack(false); err != nil {
						return err
					}
				}
				return s.close()
			}),
	}
}

package synth

import (
	"fmt"
	"time"
)

// step is one message of an exchange, sent delay after the previous one.
type step struct {
	delay    time.Duration
	fromEdge bool
	msg      *Message
}

// exchange schedules steps one after another from start. Each step is its
// own event, so exchanges of different devices interleave in time order.
func (r *runner) exchange(d *device, start time.Time, steps []step) {
	if len(steps) == 0 {
		return
	}
	st := steps[0]
	r.at(start.Add(st.delay), func(r *runner, now time.Time) error {
		if err := r.send(d, st.fromEdge, st.msg); err != nil {
			return err
		}
		r.exchange(d, now, steps[1:])
		return nil
	})
}

// send writes one message between d and the edge, over the profile's
// transport, and counts it.
func (r *runner) send(d *device, fromEdge bool, m *Message) error {
	if r.s.MaxMessages > 0 && r.messages >= r.s.MaxMessages {
		return nil
	}
	src, dst := d.party.Addr, r.edge.Addr
	if fromEdge {
		src, dst = dst, src
	} else if d.prof.UniqueUA {
		m.Set("User-Agent", d.prof.UA+"/"+r.g.Hex(4))
	}
	if d.prof.Transport == "TCP" {
		if d.conn == nil {
			d.conn = r.c.Packer().NewTCPConn(d.party.Addr, r.edge.Addr, r.g.Uint32(), r.g.Uint32())
			hs, err := d.conn.Handshake()
			if err != nil {
				return err
			}
			r.c.Entry.TCPStreams++
			for _, p := range hs {
				if err := r.c.Packet(p, MarkNonSIP); err != nil {
					return err
				}
				r.c.Advance(150 * time.Microsecond)
			}
		}
		seg, err := d.conn.Send(!fromEdge, m.Bytes())
		if err != nil {
			return err
		}
		if err := r.c.Packet(seg, 0); err != nil {
			return err
		}
		r.c.Expect("tcp", m)
	} else if err := r.c.UDP(src, dst, m); err != nil {
		return err
	}
	if !fromEdge && d.prof.Defect != "" {
		r.c.ExpectDefect(d.prof.Defect)
	}
	r.messages++
	return nil
}

// reply returns the edge's answer to a request from d: the sanity reply
// when the profile injects a defect Kamailio answers, nil for silent
// failures, else ok.
func (r *runner) reply(d *device, req *Message, ok int, reason string) *Message {
	if d.prof.Defect != "" {
		return defectReply(r.g, d.prof.Defect, req)
	}
	return NewResponse(req, ok, reason, r.g.Hex(4), ServerEdge)
}

// edgeDelay is how long the edge takes to answer (1-4 ms).
func (r *runner) edgeDelay() time.Duration { return r.jitter(time.Millisecond, 1, 4) }

// act performs a device's periodic action and schedules the next one.
func (r *runner) act(d *device, now time.Time) error {
	p := d.prof
	tr := p.Transport
	if tr == "" {
		tr = "UDP"
	}
	var steps []step
	switch p.Kind {
	case KindRegistrar, KindPhone:
		var req *Message
		if d.reg == nil {
			req = r.g.Register(d.party, tr, 1+uint32(r.g.IntN(9000)), 3600)
		} else {
			req = r.g.Reregister(d.reg, d.party, "")
		}
		req.Del("Authorization")
		d.reg = req
		req = p.Defect.Apply(req)
		steps = append(steps, step{0, false, req})
		if p.Kind == KindPhone && p.Defect == "" {
			chal, nonce := r.g.Challenge(req)
			auth := r.g.Reregister(req, d.party, nonce)
			d.reg = auth
			steps = append(steps, step{r.edgeDelay(), true, chal}, step{r.jitter(40*time.Millisecond, 0.5, 2), false, auth})
			req = auth
		}
		if rep := r.reply(d, req, 200, "OK"); rep != nil {
			if rep.Status == 200 {
				rep.Add("Contact", "<"+d.party.ContactURI(tr)+">;expires=3600")
			}
			steps = append(steps, step{r.edgeDelay(), true, rep})
		}
	case KindPinger:
		req := p.Defect.Apply(r.g.Options(d.party, r.edge, tr))
		steps = append(steps, step{0, false, req})
		if rep := r.reply(d, req, 200, "OK"); rep != nil {
			steps = append(steps, step{r.edgeDelay(), true, rep})
		}
	case KindScanner:
		for i := 0; i < p.SweepSize; i++ {
			probe := Party{User: fmt.Sprintf("%d", 100+i), Domain: r.edge.Addr.Addr().String(), Addr: d.party.Addr, UA: p.UA}
			steps = append(steps, step{50 * time.Millisecond, false, p.Defect.Apply(r.g.Options(probe, r.edge, tr))})
		}
	default:
		return fmt.Errorf("synth: unknown device kind %d", p.Kind)
	}
	r.exchange(d, now, steps)
	next := now.Add(r.jitter(p.Interval, 0.8, 1.2))
	r.at(next, func(r *runner, now time.Time) error { return r.act(d, now) })
	return nil
}

// call places a call from d to another extension and schedules the next.
func (r *runner) call(d *device, now time.Time) error {
	tr := d.prof.Transport
	if tr == "" {
		tr = "UDP"
	}
	callee := Party{User: fmt.Sprintf("%d", 3000+r.g.IntN(500)), Domain: Domain}
	inv := d.prof.Defect.Apply(r.g.Invite(d.party, callee, tr))
	tag := r.g.Hex(4)
	ok := NewResponse(inv, 200, "OK", tag, ServerEdge)
	ok.Add("Contact", "<sip:"+callee.User+"@"+hostPort(r.edge.Addr)+">")
	ok.Add("Content-Type", "application/sdp")
	ok.Body = SDP(callee.User, r.edge.Addr.Addr(), r.g.Uint32()>>1, 20000+2*r.g.IntN(5000))
	bye := r.g.InDialog(inv, d.party, callee, "BYE", tr, tag)
	r.exchange(d, now, []step{
		{0, false, inv},
		{r.edgeDelay(), true, NewResponse(inv, 100, "Trying", "", ServerEdge)},
		{r.jitter(6*time.Second, 0.5, 2), true, ok},
		{r.jitter(30*time.Millisecond, 0.5, 2), false, r.g.InDialog(inv, d.party, callee, "ACK", tr, tag)},
		{r.jitter(90*time.Second, 0.3, 3), false, bye},
		{r.edgeDelay(), true, NewResponse(bye, 200, "OK", "", ServerEdge)},
	})
	r.at(now.Add(r.jitter(d.prof.CallEvery, 0.2, 1.8)), func(r *runner, now time.Time) error { return r.call(d, now) })
	return nil
}

// ping sends a CRLF keep-alive on d's TCP connection (once it exists),
// schedules the edge's pong and the next ping.
func (r *runner) ping(d *device, now time.Time) error {
	if d.conn != nil {
		seg, err := d.conn.Send(true, []byte("\r\n\r\n"))
		if err != nil {
			return err
		}
		if err := r.c.Packet(seg, MarkNonSIP); err != nil {
			return err
		}
		r.c.Entry.TCPKeepAlives++
		r.at(now.Add(r.edgeDelay()), func(r *runner, now time.Time) error {
			seg, err := d.conn.Send(false, []byte("\r\n"))
			if err != nil {
				return err
			}
			r.c.Entry.TCPKeepAlives++
			return r.c.Packet(seg, MarkNonSIP)
		})
	}
	r.at(now.Add(r.jitter(d.prof.KeepAlive, 0.95, 1.05)), func(r *runner, now time.Time) error { return r.ping(d, now) })
	return nil
}

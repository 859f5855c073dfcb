package synth

import (
	"container/heap"
	"fmt"
	"net/netip"
	"time"
)

// Kind is the behaviour of a simulated device.
type Kind int

// Device behaviours.
const (
	// KindRegistrar re-registers every Interval; the edge answers 200, or
	// the sanity reply when the profile has a Defect (the Yealink story:
	// REGISTER with Proxy-Require, 420, retry).
	KindRegistrar Kind = iota
	// KindPhone is a well-behaved phone: digest registration (REGISTER,
	// 401, REGISTER, 200) every Interval and a call (INVITE, 100, 200,
	// ACK, later BYE, 200) every CallEvery on average.
	KindPhone
	// KindPinger sends OPTIONS keep-alives every Interval; the edge
	// answers 200, or the sanity reply when the profile has a Defect.
	KindPinger
	// KindScanner sends a sweep of SweepSize OPTIONS (To users 100, 101,
	// ...) 50 ms apart every Interval; the edge does not answer.
	KindScanner
)

// Profile is a device model in a scenario: how many of them, what they
// send and how often.
type Profile struct {
	UA      string
	Kind    Kind
	Devices int
	// Transport is "UDP" (default) or "TCP" (one connection per device,
	// one message per segment).
	Transport string
	// Interval is the mean time between a device's actions; each wait is
	// drawn uniformly from [0.8, 1.2] × Interval.
	Interval time.Duration
	// CallEvery is the mean time between calls of a KindPhone (0: none).
	CallEvery time.Duration
	// Defect is injected into every request the device sends.
	Defect Defect
	// SweepSize is the number of OPTIONS per KindScanner sweep.
	SweepSize int
	// KeepAlive is the period of RFC 5626 CRLF keep-alives on a TCP
	// device's connection (a "\r\n\r\n" ping answered by a "\r\n" pong);
	// 0 sends none. It keeps NAT bindings, and readers' idle timers, alive.
	KeepAlive time.Duration
	// UniqueUA appends "/<random hex>" to UA in every request, as a
	// scanner evading UA filters does; it makes UA cardinality grow with
	// the traffic.
	UniqueUA bool
}

// Scenario is a deterministic traffic model: devices of several profiles
// talking to one Kamailio edge over IPv4, from Start on. Run streams its
// packets into a Capture in timestamp order with memory bounded by the
// number of devices, not by the number of packets.
type Scenario struct {
	Start    time.Time
	Seed     uint64
	Profiles []Profile
	// Until stops the traffic at this time (zero: no limit).
	Until time.Time
	// MaxMessages stops after this many SIP messages (0: no limit). One of
	// Until and MaxMessages must be set.
	MaxMessages int
}

// device is one simulated device.
type device struct {
	prof  *Profile
	party Party
	conn  *TCPConn
	// reg is the device's last REGISTER (same Call-ID across refreshes).
	reg *Message
}

// event is one SIP message to send at a time; next continues the
// exchange it belongs to.
type event struct {
	at  time.Time
	seq uint64
	fn  func(r *runner, now time.Time) error
}

// eventQueue is a min-heap by time, then by insertion order, so equal
// timestamps fire deterministically.
type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

// Push implements heap.Interface.
func (q *eventQueue) Push(x any) { *q = append(*q, x.(*event)) }

// Pop implements heap.Interface.
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}

// runner is the state of one Scenario.Run.
type runner struct {
	s        *Scenario
	c        *Capture
	g        *IDs
	edge     Party
	q        eventQueue
	seq      uint64
	messages int
}

// at schedules fn.
func (r *runner) at(t time.Time, fn func(r *runner, now time.Time) error) {
	r.seq++
	heap.Push(&r.q, &event{at: t, seq: r.seq, fn: fn})
}

// jitter returns d scaled by a factor drawn from [lo, hi).
func (r *runner) jitter(d time.Duration, lo, hi float64) time.Duration {
	return time.Duration(float64(d) * (lo + (hi-lo)*r.g.Float64()))
}

// deviceAddr gives device i of profile p its own address in 100.64.0.0/10
// (shared address space, as phones behind carrier NAT appear).
func deviceAddr(p, i int, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{100, byte(64 + p), byte(i / 250), byte(i%250 + 1)}), port)
}

// Run writes the scenario's traffic into c and returns when Until or
// MaxMessages is reached.
func (s *Scenario) Run(c *Capture) error {
	if s.Until.IsZero() && s.MaxMessages <= 0 {
		return fmt.Errorf("synth: scenario needs Until or MaxMessages")
	}
	r := &runner{s: s, c: c, g: NewIDs(s.Seed), edge: Party{User: "edge", Domain: Domain, Addr: EdgeV4}}
	c.SetTime(s.Start)
	for pi := range s.Profiles {
		p := &s.Profiles[pi]
		if p.Interval <= 0 {
			return fmt.Errorf("synth: profile %q needs an Interval", p.UA)
		}
		for i := 0; i < p.Devices; i++ {
			port := uint16(5060)
			if p.Kind == KindScanner {
				port = 5070 + uint16(i)
			}
			d := &device{prof: p, party: Party{User: fmt.Sprintf("%d", 2000+100*pi+i), Domain: Domain,
				Addr: deviceAddr(pi, i, port), UA: p.UA}}
			// Devices start spread over their first interval, as phones
			// booting at different times do.
			first := s.Start.Add(r.jitter(p.Interval, 0, 1))
			r.at(first, func(r *runner, now time.Time) error { return r.act(d, now) })
			if p.Transport == "TCP" && p.KeepAlive > 0 {
				r.at(first.Add(r.jitter(p.KeepAlive, 0.9, 1.1)), func(r *runner, now time.Time) error { return r.ping(d, now) })
			}
			if p.Kind == KindPhone && p.CallEvery > 0 {
				r.at(s.Start.Add(r.jitter(p.CallEvery, 0.2, 1.8)), func(r *runner, now time.Time) error { return r.call(d, now) })
			}
		}
	}
	for r.q.Len() > 0 {
		ev := heap.Pop(&r.q).(*event)
		if !s.Until.IsZero() && ev.at.After(s.Until) {
			break
		}
		if ev.at.After(c.Now()) {
			c.SetTime(ev.at)
		}
		if err := ev.fn(r, ev.at); err != nil {
			return err
		}
		if s.MaxMessages > 0 && r.messages >= s.MaxMessages {
			break
		}
	}
	return nil
}

package capture

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"
)

// Reassembly buffers: a page holds up to 1900 bytes of out-of-order data.
// Per connection this is about the largest SIP message; in total about 8 MB.
const (
	maxPagesPerConnection = 64
	maxPagesTotal         = 4096
)

// tcpState reassembles TCP per direction with gopacket's reassembly and
// frames each direction into SIP messages.
type tcpState struct {
	d      *Decoder
	asm    *reassembly.Assembler
	emit   func(*Datagram) // emit of the Decode/Flush call in progress
	budget bufferBudget    // bytes held by all framers
	gap    time.Duration
	idle   time.Duration

	// A sweep walks every connection, so it runs only when it can do
	// something: while segments that arrived ahead of their stream may be
	// waiting (gap timeout), and every idleSweep of capture time (idle
	// timeout). A capture with a few packets per second would otherwise
	// walk all connections every few packets.
	ahead     bool      // segments may be queued ahead of their stream
	aheadAt   time.Time // capture time of the latest such segment
	idleSweep time.Duration
	lastIdle  time.Time // capture time of the last idle sweep
	walks     int       // sweeps that walked the connections (for tests)

	// live lists the open connections (their number is checked against
	// MaxTCPStreams), so an idle sweep can first ask whether any of them
	// has been silent for the idle timeout: walking gopacket's pool locks
	// and snapshots every connection, while busy connections are the
	// common case and none of them can close.
	live []*sipStream

	ctx       *tcpCtx // reused for the next segment; nil when a queued one took it
	ctxQueued bool    // the segment being assembled was queued with ctx
}

// idleSweepDivisor sets how late an idle connection may be closed: by a
// thirtieth of the idle timeout (10 s of the default 5 minutes).
const idleSweepDivisor = 30

// tcpCtx carries the capture info and packet number of a segment through
// the assembler, so that a message gets the packet that completed it. The
// assembler keeps it only with data it queues (out of order, see
// sipStream.Accept); for in-order data it is used during the call alone.
// So one tcpCtx is reused until a segment is queued with it, which then
// keeps it: a fresh one per segment cost a 96-byte allocation per packet.
type tcpCtx struct {
	ci  gopacket.CaptureInfo
	pkt uint64
}

func (c *tcpCtx) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

func newTCPState(d *Decoder) *tcpState {
	t := &tcpState{d: d, gap: d.opts.TCPGapTimeout, idle: d.opts.TCPIdleTimeout}
	t.idleSweep = max(sweepInterval, t.idle/idleSweepDivisor)
	t.budget.limit = d.opts.MaxTCPBuffer
	t.asm = reassembly.NewAssembler(reassembly.NewStreamPool(t))
	t.asm.MaxBufferedPagesPerConnection = maxPagesPerConnection
	t.asm.MaxBufferedPagesTotal = maxPagesTotal
	return t
}

func (d *Decoder) tcpPacket(src, dst netip.Addr, b []byte, emit func(*Datagram)) {
	tcp := &d.tcp
	d.fb.truncated = false
	if err := tcp.DecodeFromBytes(b, &d.fb); err != nil {
		d.stats.TransportErrors++
		return
	}
	d.markTruncated()
	if sp, dp := uint16(tcp.SrcPort), uint16(tcp.DstPort); !d.ports.match(sp, dp) && (d.hep == nil || !d.hepPorts.match(sp, dp)) {
		d.stats.PortFiltered++
		return
	}
	d.stats.TCPSegments++
	if d.tcpa == nil {
		d.tcpa = newTCPState(d)
	}
	var flow gopacket.Flow
	if src.Is4() {
		from, to := src.As4(), dst.As4()
		flow = gopacket.NewFlow(layers.EndpointIPv4, from[:], to[:])
	} else {
		from, to := src.As16(), dst.As16()
		flow = gopacket.NewFlow(layers.EndpointIPv6, from[:], to[:])
	}
	st := d.tcpa
	if st.ctx == nil {
		st.ctx = new(tcpCtx)
	}
	*st.ctx = tcpCtx{ci: d.ci, pkt: d.pkt}
	st.emit, st.ctxQueued = emit, false
	st.asm.AssembleWithContext(flow, tcp, st.ctx)
	st.emit = nil
	if st.ctxQueued {
		st.ctx = nil // it belongs to the queued page now
	}
}

// sweep declares gaps for data that waited too long and closes idle
// connections. It is called every sweepInterval of capture time and walks
// the connections only when a timeout may have passed (see tcpState.ahead).
func (t *tcpState) sweep(now time.Time, emit func(*Datagram)) {
	idleDue := now.Sub(t.lastIdle) >= t.idleSweep
	if idleDue {
		t.lastIdle = now
	}
	if !t.ahead && !(idleDue && t.mayBeIdle(now.Add(-t.idle))) {
		return
	}
	gapBefore := now.Add(-t.gap)
	t.walks++
	t.emit = emit
	t.asm.FlushWithOptions(reassembly.FlushOptions{T: gapBefore, TC: now.Add(-t.idle)})
	t.emit = nil
	// Every page older than gapBefore has been pushed out: when the latest
	// segment queued ahead is older too, nothing is left waiting.
	if t.aheadAt.Before(gapBefore) {
		t.ahead = false
	}
}

// mayBeIdle says whether a connection was last seen before tc, which is
// what makes the assembler close it. A stream's lastSeen is the
// assembler's own: both take the newest timestamp of every packet the
// connection gets (Accept sees each of them).
func (t *tcpState) mayBeIdle(tc time.Time) bool {
	for _, s := range t.live {
		if s.lastSeen.Before(tc) {
			return true
		}
	}
	return false
}

// sawAhead notes a segment the assembler will queue because it lies
// beyond the next expected sequence number. That is the only case in which
// it queues (every direction is started by Accept, none waits for a
// start), so the only one in which it keeps the segment's tcpCtx.
func (t *tcpState) sawAhead(ts time.Time) {
	t.ahead, t.ctxQueued = true, true
	if ts.After(t.aheadAt) {
		t.aheadAt = ts
	}
}

// flushAll closes every connection, handing out what it holds.
func (t *tcpState) flushAll(emit func(*Datagram)) {
	t.emit = emit
	t.asm.FlushAll()
	t.emit = nil
}

// New implements reassembly.StreamFactory. Over the stream limit it
// returns nil, which makes the assembler ignore the packet.
func (t *tcpState) New(netFlow, tcpFlow gopacket.Flow, _ *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	if len(t.live) >= t.d.opts.MaxTCPStreams {
		t.d.stats.TCPStreamsDropped++
		return nil
	}
	t.d.stats.TCPStreams++
	a, _ := netip.AddrFromSlice(netFlow.Src().Raw())
	b, _ := netip.AddrFromSlice(netFlow.Dst().Raw())
	ap := binary.BigEndian.Uint16(tcpFlow.Src().Raw())
	bp := binary.BigEndian.Uint16(tcpFlow.Dst().Raw())
	s := &sipStream{t: t, live: len(t.live)}
	t.live = append(t.live, s)
	// The first packet seen defines client-to-server.
	s.half[0].init(s, netip.AddrPortFrom(a, ap), netip.AddrPortFrom(b, bp))
	s.half[1].init(s, netip.AddrPortFrom(b, bp), netip.AddrPortFrom(a, ap))
	return s
}

// sipStream is one TCP connection: two directions, each framed on its own.
type sipStream struct {
	t        *tcpState
	half     [2]streamHalf
	done     bool
	live     int       // index in t.live while open
	lastSeen time.Time // newest packet timestamp, as the assembler keeps it
}

type streamHalf struct {
	s        *sipStream
	src, dst netip.AddrPort
	f        framer
	out      frameOut // h.emit, bound once
	time     time.Time
	pkt      uint64
	begun    bool // data (or the SYN) has been seen
}

func (h *streamHalf) init(s *sipStream, src, dst netip.AddrPort) {
	h.s, h.src, h.dst = s, src, dst
	h.f = newFramer(s.t.d.opts.MaxMessageSize, &s.t.d.stats, &s.t.budget)
	h.out = h.emit
	if d := s.t.d; d.hep != nil && d.hepPorts.match(src.Port(), dst.Port()) {
		h.f.hep, h.out = true, h.emitHEP
	}
}

func dirIndex(dir reassembly.TCPFlowDirection) int {
	if dir == reassembly.TCPDirClientToServer {
		return 0
	}
	return 1
}

// Accept implements reassembly.Stream. A direction whose SYN was not
// captured starts at its first segment with data. Segments without data
// cannot start a direction: a stray ACK or FIN after a close would
// otherwise fix the sequence number, and the SYN of the next connection
// on the same ports (port reuse) would be ignored.
func (s *sipStream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, _ reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	if ci.Timestamp.After(s.lastSeen) {
		s.lastSeen = ci.Timestamp
	}
	if nextSeq == invalidSequence && !tcp.SYN && len(tcp.Payload) == 0 {
		return false
	}
	if nextSeq != invalidSequence && nextSeq.Difference(reassembly.Sequence(tcp.Seq)) > 0 {
		s.t.sawAhead(ci.Timestamp)
	}
	*start = true
	return true
}

// invalidSequence is reassembly's "no sequence number yet".
const invalidSequence reassembly.Sequence = -1

// ReassembledSG implements reassembly.Stream: in-order bytes of one
// direction, possibly after a gap.
func (s *sipStream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	dir, start, end, skip := sg.Info()
	h := &s.half[dirIndex(dir)]
	if !h.begun {
		h.begun = true
		// Without its SYN the direction was caught mid-stream: look for
		// the next start line the way it is done after a gap.
		h.f.skipping = !start
	}
	if c, ok := ac.(*tcpCtx); ok && c != nil {
		h.time, h.pkt = c.ci.Timestamp, c.pkt
	}
	if skip > 0 {
		h.f.gap(h.out)
	}
	if n, _ := sg.Lengths(); n > 0 {
		h.f.feed(sg.Fetch(n), h.out)
	}
	if end {
		h.f.flush(h.out)
	}
}

// ReassemblyComplete implements reassembly.Stream: both directions are
// closed (FIN/RST, idle timeout, or end of input).
func (s *sipStream) ReassemblyComplete(_ reassembly.AssemblerContext) bool {
	for i := range s.half {
		s.half[i].f.flush(s.half[i].out)
		s.half[i].f.release()
	}
	if !s.done {
		s.done = true
		s.t.dropLive(s)
	}
	return true
}

// dropLive removes a closed stream from t.live.
func (t *tcpState) dropLive(s *sipStream) {
	last := len(t.live) - 1
	moved := t.live[last]
	t.live[s.live], moved.live = moved, s.live
	t.live[last] = nil
	t.live = t.live[:last]
}

// emit hands out one framed message of this direction.
func (h *streamHalf) emit(msg []byte, incomplete bool) {
	d := h.s.t.d
	d.stats.SIPMessages++
	d.stats.SIPTCP++
	if h.s.t.emit == nil {
		return
	}
	d.dg = Datagram{Time: h.time, Src: h.src, Dst: h.dst, Transport: TransportTCP,
		Payload: msg, Packet: h.pkt, Truncated: incomplete}
	h.s.t.emit(&d.dg)
	d.dg.Payload = nil
}

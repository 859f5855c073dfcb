package synth

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/sipcorr/sipcorr/internal/pcapng"
)

// Mark describes a frame for the manifest counts.
type Mark uint8

// Frame marks; zero means "carries SIP message bytes".
const (
	// MarkNonSIP: the frame carries no SIP message bytes.
	MarkNonSIP Mark = 1 << iota
	// MarkFragment: the frame is an IP fragment.
	MarkFragment
	// MarkRetransmission: the frame repeats bytes already sent on its TCP
	// stream.
	MarkRetransmission
)

// Frame is one packet to add to a Capture.
type Frame struct {
	// IP is the packet from the IP header on; the Capture adds the link
	// layer of the interface.
	IP   []byte
	Mark Mark
	// Iface is the pcapng interface (0 for classic pcap).
	Iface int
	// Comment becomes an opt_comment of the pcapng Enhanced Packet Block.
	Comment string
	// Simple writes a pcapng Simple Packet Block (interface 0, no
	// timestamp) instead of an Enhanced Packet Block.
	Simple bool
}

// Capture is a capture file under construction. It adds the link layer,
// stamps frames from its own clock, truncates them to the snaplen, writes
// them, and keeps the manifest counts in Entry. Expectations about SIP
// messages are declared by the caller with Expect, because only the caller
// knows which messages survive gaps and truncation.
type Capture struct {
	// Entry accumulates the manifest counts.
	Entry FileEntry

	w      PacketWriter
	ng     *pcapng.Writer
	links  []Link
	snap   []int
	res    []time.Duration
	now    time.Time
	step   time.Duration
	first  time.Time
	last   time.Time
	packer *Packer
	// iface and simple are the defaults for Packet; comment goes on the
	// next frame only.
	iface   int
	simple  bool
	comment string
	// snapshots[i] is Entry as it was before frame i+1 was written, kept
	// when KeepSnapshots is called (fixtures of broken files use them).
	snapshots []FileEntry
	keep      bool
	// wrap, when set, encapsulates every packet before framing (tunnels).
	wrap func([]byte) ([]byte, error)
	// maxUAs bounds Entry.UserAgents (0: unbounded).
	maxUAs int
}

// LimitUAs bounds the distinct User-Agents kept in Entry.UserAgents to n;
// messages of further UAs are counted in Entry.UserAgentsOther, so the
// generator's memory stays bounded on hostile scenarios.
func (c *Capture) LimitUAs(n int) { c.maxUAs = n }

// Wrap makes Packet pass every IP packet through fn first (nil to stop),
// e.g. to carry the traffic inside a tunnel. Wrapped frames are counted
// as tunneled.
func (c *Capture) Wrap(fn func(ip []byte) ([]byte, error)) { c.wrap = fn }

// KeepSnapshots makes the Capture remember the counts before each frame,
// for EntryBefore.
func (c *Capture) KeepSnapshots() { c.keep = true }

// EntryBefore returns the manifest counts as they were when frame n
// (1-based) was about to be written: what a reader that stops at frame n
// has seen. It needs KeepSnapshots.
func (c *Capture) EntryBefore(n int) (*FileEntry, error) {
	if n < 1 || n > len(c.snapshots) {
		return nil, fmt.Errorf("synth: no snapshot before frame %d (have %d)", n, len(c.snapshots))
	}
	e := c.snapshots[n-1]
	return &e, nil
}

// cloneEntry copies e with its own maps.
func cloneEntry(e FileEntry) FileEntry {
	cp := func(m map[string]int) map[string]int {
		if m == nil {
			return nil
		}
		out := make(map[string]int, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	e.Methods, e.Statuses, e.UserAgents, e.Defects = cp(e.Methods), cp(e.Statuses), cp(e.UserAgents), cp(e.Defects)
	e.Interfaces = append([]InterfaceInfo(nil), e.Interfaces...)
	return e
}

// Start is the fixed start time of generated captures: a Monday morning
// (2026-11-02 08:00 UTC), so timestamps look like a working day.
var Start = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// NewPcapCapture writes a classic pcap header for link to w and returns
// the Capture. The clock starts at start and advances by step (with
// nanosecond detail, so µs files show rounding) after every frame.
func NewPcapCapture(w io.Writer, link Link, o PcapOptions, start time.Time, step time.Duration) (*Capture, error) {
	pw, err := NewPcapWriter(w, link.LinkType(), o)
	if err != nil {
		return nil, err
	}
	res := time.Microsecond
	if o.Nanos {
		res = time.Nanosecond
	}
	c := newCapture(pw, start, step)
	c.Entry.Format = "pcap"
	c.Entry.ByteOrder = "little"
	if o.BigEndian {
		c.Entry.ByteOrder = "big"
	}
	snap := o.Snaplen
	if snap == 0 {
		snap = 262144
	}
	c.addIface(link, int(snap), res, snap)
	return c, nil
}

// NewNgCapture writes a pcapng section header and one Interface
// Description Block per link to w. tsresol[i] is interface i's if_tsresol
// (6 or 9) and snaplen[i] its snap length (0 = unlimited).
func NewNgCapture(w io.Writer, links []Link, tsresol []uint8, snaplen []uint32, start time.Time, step time.Duration) (*Capture, error) {
	ng, err := pcapng.NewWriter(w, binary.LittleEndian, "sipcorr synthcap")
	if err != nil {
		return nil, err
	}
	c := newCapture(ng, start, step)
	c.ng = ng
	c.Entry.Format = "pcapng"
	c.Entry.ByteOrder = "little"
	for i, l := range links {
		if _, err := ng.AddInterface(pcapng.Interface{LinkType: l.LinkType(), Snaplen: snaplen[i],
			Name: "if" + strconv.Itoa(i) + "-" + l.String(), TSResol: tsresol[i]}); err != nil {
			return nil, err
		}
		res := time.Microsecond
		if tsresol[i] == 9 {
			res = time.Nanosecond
		} else if tsresol[i] != 6 && tsresol[i] != 0 {
			return nil, fmt.Errorf("synth: if_tsresol %d not supported by Capture", tsresol[i])
		}
		c.addIface(l, int(snaplen[i]), res, snaplen[i])
	}
	return c, nil
}

// newCapture returns a Capture writing to w.
func newCapture(w PacketWriter, start time.Time, step time.Duration) *Capture {
	return &Capture{w: w, now: start, step: step, packer: NewPacker(0x1000)}
}

// addIface records an interface's link, snaplen and resolution.
func (c *Capture) addIface(l Link, snap int, res time.Duration, rawSnap uint32) {
	c.links = append(c.links, l)
	c.snap = append(c.snap, snap)
	c.res = append(c.res, res)
	name := "us"
	if res == time.Nanosecond {
		name = "ns"
	}
	c.Entry.Interfaces = append(c.Entry.Interfaces, InterfaceInfo{
		LinkType: int(l.LinkType()), Link: l.String(), TSResolution: name, Snaplen: rawSnap})
}

// Packer returns the Capture's packet builder (its IP IDs are part of the
// deterministic output).
func (c *Capture) Packer() *Packer { return c.packer }

// Now returns the timestamp the next frame gets.
func (c *Capture) Now() time.Time { return c.now }

// Advance moves the clock forward by d (pauses between transactions).
func (c *Capture) Advance(d time.Duration) { c.now = c.now.Add(d) }

// SetTime sets the clock; t must not be before the current time.
func (c *Capture) SetTime(t time.Time) { c.now = t }

// UseInterface makes Packet (and UDP) write to pcapng interface i, as
// Simple Packet Blocks when simple is true (interface 0 only).
func (c *Capture) UseInterface(i int, simple bool) { c.iface, c.simple = i, simple }

// CommentNext attaches a pcapng opt_comment to the next frame Packet
// writes.
func (c *Capture) CommentNext(s string) { c.comment = s }

// Packet adds a frame with mark m on the current interface (see
// UseInterface).
func (c *Capture) Packet(ip []byte, m Mark) error {
	if c.wrap != nil {
		var err error
		if ip, err = c.wrap(ip); err != nil {
			return err
		}
		c.Entry.Tunneled++
	}
	f := Frame{IP: ip, Mark: m, Iface: c.iface, Simple: c.simple, Comment: c.comment}
	c.comment = ""
	return c.Emit(f)
}

// Packets adds several frames with the same mark.
func (c *Capture) Packets(ips [][]byte, m Mark) error {
	for _, ip := range ips {
		if err := c.Packet(ip, m); err != nil {
			return err
		}
	}
	return nil
}

// Emit adds one frame, advancing the clock by the step.
func (c *Capture) Emit(f Frame) error {
	if f.Iface < 0 || f.Iface >= len(c.links) {
		return fmt.Errorf("synth: no interface %d", f.Iface)
	}
	frame, err := c.links[f.Iface].Encap(f.IP)
	if err != nil {
		return err
	}
	ts := c.now.Truncate(c.res[f.Iface])
	ci, data := Truncate(ts, frame, c.snap[f.Iface])
	ci.InterfaceIndex = f.Iface
	switch {
	case f.Simple:
		if c.ng == nil || f.Iface != 0 {
			return fmt.Errorf("synth: simple packet blocks need pcapng interface 0")
		}
		err = c.ng.WriteSPB(data, ci.Length)
	case f.Comment != "":
		if c.ng == nil {
			return fmt.Errorf("synth: packet comments need pcapng")
		}
		err = c.ng.WriteEPB(ci, data, f.Comment)
	default:
		err = c.w.WritePacket(ci, data)
	}
	if err != nil {
		return fmt.Errorf("synth: packet %d: %w", c.Entry.Packets+1, err)
	}
	if c.keep {
		snap := cloneEntry(c.Entry)
		if !c.first.IsZero() {
			snap.FirstTime = c.first.Format(time.RFC3339Nano)
			snap.LastTime = c.last.Format(time.RFC3339Nano)
		}
		c.snapshots = append(c.snapshots, snap)
	}
	c.count(f, ci, ts)
	c.now = c.now.Add(c.step)
	return nil
}

// count updates the per-frame manifest counts.
func (c *Capture) count(f Frame, ci gopacket.CaptureInfo, ts time.Time) {
	e := &c.Entry
	e.Packets++
	if ci.CaptureLength < ci.Length {
		e.Truncated++
	}
	if f.Mark&MarkNonSIP != 0 {
		e.NonSIPPackets++
	}
	if f.Mark&MarkFragment != 0 {
		e.IPFragments++
	}
	if f.Mark&MarkRetransmission != 0 {
		e.TCPRetransmissions++
	}
	if !f.Simple {
		if c.first.IsZero() {
			c.first = ts
		}
		c.last = ts
	}
}

// Expect declares that a correct reader emits msgs, received over
// transport "udp" or "tcp".
func (c *Capture) Expect(transport string, msgs ...*Message) {
	e := &c.Entry
	for _, m := range msgs {
		e.SIPMessages++
		if transport == "tcp" {
			e.TCPMessages++
		} else {
			e.UDPMessages++
		}
		if m.IsRequest() {
			e.Requests++
			inc(&e.Methods, m.Method)
		} else {
			e.Responses++
			inc(&e.Statuses, strconv.Itoa(m.Status))
		}
		if ua, ok := m.Get("User-Agent"); ok {
			if _, known := e.UserAgents[ua]; c.maxUAs > 0 && !known && len(e.UserAgents) >= c.maxUAs {
				e.UserAgentsOther++
			} else {
				inc(&e.UserAgents, ua)
			}
		} else {
			e.NoUserAgent++
		}
	}
}

// ExpectDefect records that an emitted request carries defect d.
func (c *Capture) ExpectDefect(d Defect) { inc(&c.Entry.Defects, string(d)) }

// inc increments a lazily allocated counter map.
func inc(m *map[string]int, k string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k]++
}

// UDP sends msg from src to dst as one datagram and expects it, unless
// the snaplen cut the frame (a truncated message is not emitted).
func (c *Capture) UDP(src, dst netip.AddrPort, msg *Message) error {
	ip, err := c.packer.UDP(src, dst, msg.Bytes())
	if err != nil {
		return err
	}
	truncated := c.Entry.Truncated
	if err := c.Packet(ip, 0); err != nil {
		return err
	}
	if c.Entry.Truncated == truncated {
		c.Expect("udp", msg)
	}
	return nil
}

// Finish completes the manifest entry (times) and returns it.
func (c *Capture) Finish(name, description string) *FileEntry {
	e := c.Entry
	e.File, e.Description = name, description
	if !c.first.IsZero() {
		e.FirstTime = c.first.Format(time.RFC3339Nano)
		e.LastTime = c.last.Format(time.RFC3339Nano)
	}
	return &e
}

package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"time"

	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/ip6defrag"
	"github.com/gopacket/gopacket/layers"
)

// defragger wraps gopacket's ip4defrag and ip6defrag with capture-time
// expiry and a bound on the datagrams under reassembly.
//
// ip6defrag stamps its fragment lists with time.Now(), which means nothing
// for a file, so expiry works by generations: fragments join the
// defragmenters of the current generation; every timeout of capture time
// the previous generation is dropped whole (its datagrams counted as
// expired) and a fresh one starts. An incomplete datagram thus lives 1 to
// 2 timeouts. Fragments of a datagram already pending keep going to the
// generation that holds it.
//
// Both libraries keep references to what they are given, so fragments
// (the rare case) are copied before they go in; non-fragments never come
// here and cost nothing.
type defragger struct {
	timeout  time.Duration
	limit    int // datagrams pending
	perSrc   int // datagrams pending per source address
	perDgram int // fragments per datagram
	maxBytes int // bytes held, fragOverhead included
	d4       [2]*ip4defrag.IPv4Defragmenter
	d6       [2]*ip6defrag.IPv6Defragmenter
	pending  map[fragKey]*pendingDgram
	sources  map[[16]byte]int // source -> datagrams pending
	bytes    int
	cur      int
	genStart time.Time
}

// fragOverhead is what one stored fragment costs besides its payload: the
// copied IP header struct and the list element the library keeps (about
// 330 bytes measured with 1 M tiny IPv4 fragments before the byte bound).
const fragOverhead = 384

// pendingDgram is the accounting of one datagram under reassembly.
type pendingDgram struct {
	slot  int // generation
	frags int
	bytes int
	// full: the datagram passed MaxFragmentsPerDatagram; it cannot
	// complete, and its further fragments are dropped until it expires.
	full bool
}

// fragKey identifies a datagram under reassembly (RFC 791 section 2.3,
// RFC 8200 section 4.5).
type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	v6       bool
}

func newDefragger(o Options) defragger {
	return defragger{timeout: o.FragmentTimeout, limit: o.MaxFragmentDatagrams,
		perSrc: o.MaxFragmentDatagramsPerSource, perDgram: o.MaxFragmentsPerDatagram,
		maxBytes: o.MaxFragmentBytes}
}

// admit accounts one fragment of n payload bytes for k and returns the
// generation slot holding its datagram; ok is false when a bound drops
// the fragment, counted in st by reason.
func (f *defragger) admit(k fragKey, n int, st *Stats) (int, bool) {
	if f.pending == nil {
		f.pending = make(map[fragKey]*pendingDgram)
		f.sources = make(map[[16]byte]int)
		for i := range f.d4 {
			f.d4[i] = ip4defrag.NewIPv4Defragmenter()
			f.d6[i] = ip6defrag.NewIPv6Defragmenter()
		}
	}
	cost := n + fragOverhead
	p, ok := f.pending[k]
	switch {
	case ok && (p.full || p.frags >= f.perDgram):
		p.full = true
		st.FragmentsOverCount++
		return 0, false
	case !ok && len(f.pending) >= f.limit:
		st.FragmentsDropped++
		return 0, false
	case !ok && f.sources[k.src] >= f.perSrc:
		st.FragmentsOverSource++
		return 0, false
	case f.bytes+cost > f.maxBytes:
		st.FragmentsOverBytes++
		return 0, false
	}
	if !ok {
		p = &pendingDgram{slot: f.cur}
		f.pending[k] = p
		f.sources[k.src]++
	}
	p.frags++
	p.bytes += cost
	f.bytes += cost
	return p.slot, true
}

// release forgets k: completed, rejected by the library, or expired.
func (f *defragger) release(k fragKey) {
	p, ok := f.pending[k]
	if !ok {
		return
	}
	f.bytes -= p.bytes
	if f.sources[k.src]--; f.sources[k.src] <= 0 {
		delete(f.sources, k.src)
	}
	delete(f.pending, k)
}

// v4 adds an IPv4 fragment and returns the reassembled datagram when it
// completes, else nil.
func (f *defragger) v4(ip *layers.IPv4, ts time.Time, st *Stats) *layers.IPv4 {
	k := fragKey{id: uint32(ip.Id), proto: uint8(ip.Protocol)}
	copy(k.src[:], ip.SrcIP)
	copy(k.dst[:], ip.DstIP)
	s, ok := f.admit(k, len(ip.Payload), st)
	if !ok {
		return nil
	}
	in := &layers.IPv4{
		Version: ip.Version, IHL: ip.IHL, TOS: ip.TOS, Length: ip.Length, Id: ip.Id,
		Flags: ip.Flags, FragOffset: ip.FragOffset, TTL: ip.TTL, Protocol: ip.Protocol,
		SrcIP: net.IP(bytes.Clone(ip.SrcIP)), DstIP: net.IP(bytes.Clone(ip.DstIP)),
	}
	in.Payload = bytes.Clone(ip.Payload)
	out, err := f.d4[s].DefragIPv4WithTimestamp(in, ts)
	switch {
	case err != nil:
		// the library dropped the whole datagram (overlap, bad offset, ...)
		st.FragmentsInvalid++
		f.release(k)
		return nil
	case out == nil:
		return nil
	}
	f.release(k)
	st.FragmentsReassembled++
	return out
}

// v6 adds an IPv6 fragment; fh is the fragment header and what follows.
func (f *defragger) v6(ip *layers.IPv6, fh []byte, ts time.Time, st *Stats) *layers.IPv6 {
	fg := &layers.IPv6Fragment{
		NextHeader:     layers.IPProtocol(fh[0]),
		FragmentOffset: binary.BigEndian.Uint16(fh[2:4]) >> 3,
		MoreFragments:  fh[3]&1 != 0,
		Identification: binary.BigEndian.Uint32(fh[4:8]),
	}
	k := fragKey{id: fg.Identification, v6: true}
	copy(k.src[:], ip.SrcIP)
	copy(k.dst[:], ip.DstIP)
	s, ok := f.admit(k, len(fh)-8, st)
	if !ok {
		return nil
	}
	fg.Payload = bytes.Clone(fh[8:])
	hdr := &layers.IPv6{
		Version: 6, TrafficClass: ip.TrafficClass, FlowLabel: ip.FlowLabel, HopLimit: ip.HopLimit,
		NextHeader: layers.IPProtocolIPv6Fragment,
		SrcIP:      net.IP(bytes.Clone(ip.SrcIP)), DstIP: net.IP(bytes.Clone(ip.DstIP)),
	}
	out := f.d6[s].DefragIPv6(hdr, fg)
	if out == nil {
		return nil // stored, a repeat, or the datagram was dropped: expiry will tell
	}
	f.release(k)
	st.FragmentsReassembled++
	return out
}

// expire starts a new generation once the current one is a timeout old,
// dropping the one before; it returns the datagrams dropped.
func (f *defragger) expire(now time.Time) int {
	if f.pending == nil {
		return 0
	}
	if f.genStart.IsZero() {
		f.genStart = now
	}
	if now.Sub(f.genStart) < f.timeout {
		return 0
	}
	old := 1 - f.cur
	n := f.drop(old)
	f.cur, f.genStart = old, now
	return n
}

// expireAll drops every pending datagram (end of input).
func (f *defragger) expireAll() int {
	if f.pending == nil {
		return 0
	}
	n := f.drop(0) + f.drop(1)
	f.genStart = time.Time{}
	return n
}

func (f *defragger) drop(slot int) int {
	// A time after anything: DiscardOlderThan then drops every list,
	// whatever clock the library stamped it with.
	farFuture := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	n := f.d4[slot].DiscardOlderThan(farFuture) + f.d6[slot].DiscardOlderThan(farFuture)
	for k, p := range f.pending {
		if p.slot == slot {
			f.release(k)
		}
	}
	return n
}

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
	limit    int
	d4       [2]*ip4defrag.IPv4Defragmenter
	d6       [2]*ip6defrag.IPv6Defragmenter
	pending  map[fragKey]int // datagram -> generation slot
	cur      int
	genStart time.Time
}

// fragKey identifies a datagram under reassembly (RFC 791 section 2.3,
// RFC 8200 section 4.5).
type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	v6       bool
}

func newDefragger(timeout time.Duration, limit int) defragger {
	return defragger{timeout: timeout, limit: limit}
}

// slot returns the generation holding key, adding key to the current one;
// ok is false when the pending limit is reached.
func (f *defragger) slot(k fragKey) (int, bool) {
	if f.pending == nil {
		f.pending = make(map[fragKey]int)
		for i := range f.d4 {
			f.d4[i] = ip4defrag.NewIPv4Defragmenter()
			f.d6[i] = ip6defrag.NewIPv6Defragmenter()
		}
	}
	if s, ok := f.pending[k]; ok {
		return s, true
	}
	if len(f.pending) >= f.limit {
		return 0, false
	}
	f.pending[k] = f.cur
	return f.cur, true
}

// v4 adds an IPv4 fragment and returns the reassembled datagram when it
// completes, else nil.
func (f *defragger) v4(ip *layers.IPv4, ts time.Time, st *Stats) *layers.IPv4 {
	k := fragKey{id: uint32(ip.Id), proto: uint8(ip.Protocol)}
	copy(k.src[:], ip.SrcIP)
	copy(k.dst[:], ip.DstIP)
	s, ok := f.slot(k)
	if !ok {
		st.FragmentsDropped++
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
		delete(f.pending, k)
		return nil
	case out == nil:
		return nil
	}
	delete(f.pending, k)
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
	s, ok := f.slot(k)
	if !ok {
		st.FragmentsDropped++
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
	delete(f.pending, k)
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
	for k, s := range f.pending {
		if s == slot {
			delete(f.pending, k)
		}
	}
	return n
}

package capture

import (
	"crypto/subtle"
	"hash/maphash"
	"time"
)

// HEPOptions tune a HEPReader.
type HEPOptions struct {
	// Password, if not empty, must equal every message's auth key
	// (chunk 14); others are counted in AuthFailed and skipped. HEPv1/v2
	// carry no key and fail when a password is set.
	Password string
	// DupWindow is how far apart (in capture time) two identical
	// messages may be to count as one mirrored twice. Default 10ms, far
	// below the 500ms SIP retransmission timer T1, so that retransmissions
	// a packet capture would see are kept;
	// negative disables duplicate detection.
	DupWindow time.Duration
}

// dupRing is the number of recent messages remembered for duplicate
// detection: a fixed array, so that a flood of distinct senders or
// capture ids costs no memory; siptrace's doubles follow each other
// within microseconds, far inside 1024 messages.
const dupRing = 1024

// dupBuckets is the size of the hash index over the ring (a power of
// two, twice the ring): the check looks only at the remembered messages
// whose hash falls in the same bucket, not at all 1024 (1 µs a message).
const dupBuckets = 2 * dupRing

// dupEntry is one remembered message: its capture time, hash, insert
// sequence number (1, 2, ...) and the previous entry of its bucket.
type dupEntry struct {
	time time.Time
	hash uint64
	seq  uint64
	prev dupLink
}

// dupLink points at ring slot, valid while that slot still holds insert
// seq (0: no entry). Entries of a bucket are linked newest first, and the
// ring overwrites oldest first, so the first overwritten link ends the
// chain: everything behind it is older still.
type dupLink struct {
	slot int32
	seq  uint64
}

// HEPReader decodes HEP messages into Datagrams for the SIP pipeline:
// it checks the auth key, skips non-SIP payload types and drops
// duplicates, counting each in HEPStats. It does not allocate per
// message. A HEPReader is not safe for concurrent use.
type HEPReader struct {
	opts  HEPOptions
	stats HEPStats
	msg   HEPMessage
	seed  maphash.Seed
	ring  [dupRing]dupEntry
	heads [dupBuckets]dupLink
	seq   uint64 // inserts so far
	// agents counts the SIP messages by capture agent (bounded).
	agents hepAgents
	next   int
}

// NewHEPReader returns a HEPReader with opts.
func NewHEPReader(opts HEPOptions) *HEPReader {
	if opts.DupWindow == 0 {
		opts.DupWindow = 10 * time.Millisecond
	}
	return &HEPReader{opts: opts, seed: maphash.MakeSeed()}
}

// Stats returns the counters so far.
func (r *HEPReader) Stats() HEPStats { return r.stats }

// Agents returns the capture agents (capture id, node name) of the SIP
// messages handed on, most messages first, and the messages of agents
// beyond the first 64 told apart.
func (r *HEPReader) Agents() ([]HEPAgent, uint64) { return r.agents.list() }

// Message returns the last message decoded (labels: capture id, node
// name); valid during the emit call only.
func (r *HEPReader) Message() *HEPMessage { return &r.msg }

// Decode decodes the HEP message in buf and calls emit with its SIP
// payload as a Datagram. recv is the time the carrier packet was
// received or recorded, used only for HEPv1, which has no timestamp.
// packetNo is the carrier's 1-based number in its input. It returns the
// bytes used (for splitting a TCP stream) and the decode error, which is
// already counted.
func (r *HEPReader) Decode(buf []byte, recv time.Time, packetNo uint64, emit func(*Datagram)) (int, error) {
	r.stats.Messages++
	n, err := DecodeHEP(buf, &r.msg)
	if err != nil {
		r.stats.count(err)
		return n, err
	}
	m := &r.msg
	if m.Version == 3 {
		r.stats.V3++
	} else {
		r.stats.V2++
	}
	r.stats.Unknown += uint64(m.UnknownChunks)
	if r.opts.Password != "" && subtle.ConstantTimeCompare(m.AuthKey, []byte(r.opts.Password)) != 1 {
		r.stats.AuthFailed++
		return n, nil
	}
	switch {
	case m.ProtoType != HEPProtoSIP:
		r.stats.NonSIP++
		return n, nil
	case m.Compressed:
		r.stats.Compressed++
		return n, nil
	case m.Datagram.Transport == 0:
		r.stats.Transport++
		return n, nil
	case !LooksLikeSIP(m.Datagram.Payload):
		r.stats.NotSIPText++
		return n, nil
	}
	if m.Version == 1 {
		r.stats.V1NoTime++
		m.Datagram.Time = recv
	}
	if r.duplicate(&m.Datagram) {
		r.stats.Duplicates++
		return n, nil
	}
	m.Datagram.Packet = packetNo
	r.stats.SIP++
	r.agents.add(m.CaptureID, m.NodeName)
	emit(&m.Datagram)
	return n, nil
}

// duplicate reports whether dg equals (addresses, ports, transport,
// payload) one of the last dupRing messages and its capture time is within
// DupWindow of it, and remembers it otherwise. Time is compared, not
// hashed, because two sip_trace() calls for one message take two clock
// readings microseconds apart.
func (r *HEPReader) duplicate(dg *Datagram) bool {
	if r.opts.DupWindow < 0 {
		return false
	}
	var h maphash.Hash
	h.SetSeed(r.seed)
	src, dst := dg.Src.Addr().As16(), dg.Dst.Addr().As16()
	h.Write(src[:])
	h.Write(dst[:])
	b := [5]byte{byte(dg.Src.Port() >> 8), byte(dg.Src.Port()), byte(dg.Dst.Port() >> 8), byte(dg.Dst.Port()), byte(dg.Transport)}
	h.Write(b[:])
	h.Write(dg.Payload)
	sum := h.Sum64()
	bucket := sum & (dupBuckets - 1)
	for l := r.heads[bucket]; l.seq != 0; {
		e := &r.ring[l.slot]
		if e.seq != l.seq {
			break // overwritten: the rest of the chain is older
		}
		if e.hash == sum && !e.time.IsZero() {
			d := dg.Time.Sub(e.time)
			if d < 0 {
				d = -d
			}
			if d <= r.opts.DupWindow {
				return true
			}
		}
		l = e.prev
	}
	r.seq++
	r.ring[r.next] = dupEntry{time: dg.Time, hash: sum, seq: r.seq, prev: r.heads[bucket]}
	r.heads[bucket] = dupLink{slot: int32(r.next), seq: r.seq}
	r.next = (r.next + 1) % dupRing
	return false
}

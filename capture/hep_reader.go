package capture

import (
	"crypto/subtle"
	"errors"
	"hash/maphash"
	"time"
)

// HEPStats counts what a HEPReader saw and every HEP message it did not
// hand on, with the reason. JSON names are stable (report and metrics);
// desc and kind follow the Stats conventions.
type HEPStats struct {
	Messages   uint64 `json:"hep_messages" desc:"HEP messages received" kind:"info"`
	V3         uint64 `json:"hep_v3" desc:"HEPv3 messages" kind:"info"`
	V2         uint64 `json:"hep_v2" desc:"HEPv1/v2 messages" kind:"info"`
	SIP        uint64 `json:"hep_sip" desc:"HEP messages handed on as SIP" kind:"info"`
	V1NoTime   uint64 `json:"hep_v1_no_time" desc:"HEPv1 messages without a capture time (arrival/record time used)"`
	Short      uint64 `json:"hep_malformed_short" desc:"HEP messages truncated inside a header or chunk"`
	BadMagic   uint64 `json:"hep_malformed_magic" desc:"HEP messages with a bad magic or version"`
	BadLength  uint64 `json:"hep_malformed_length" desc:"HEP messages with an impossible total or header length"`
	BadChunk   uint64 `json:"hep_malformed_chunk" desc:"HEP messages with a chunk length past the message or under 6"`
	ChunkSize  uint64 `json:"hep_malformed_chunk_size" desc:"HEP messages with a fixed-size chunk of the wrong size"`
	BadFamily  uint64 `json:"hep_malformed_family" desc:"HEP messages with a bad address family"`
	Missing    uint64 `json:"hep_malformed_missing" desc:"HEP messages lacking address, port or time chunks"`
	NoPayload  uint64 `json:"hep_malformed_no_payload" desc:"HEP messages without payload"`
	Unknown    uint64 `json:"hep_unknown_chunks" desc:"HEP chunks of unknown vendor or type (skipped)"`
	NonSIP     uint64 `json:"hep_non_sip" desc:"HEP messages whose payload type is not SIP (RTCP, logs, ...; skipped)"`
	NotSIPText uint64 `json:"hep_payload_not_sip" desc:"HEP messages typed SIP whose payload is no SIP start line (keepalives, garbage; skipped)"`
	Compressed uint64 `json:"hep_compressed" desc:"HEP messages with a compressed payload (not decoded; skipped)"`
	Transport  uint64 `json:"hep_other_transport" desc:"HEP SIP messages over a transport other than UDP/TCP (SCTP, ...; skipped)"`
	AuthFailed uint64 `json:"hep_auth_mismatch" desc:"HEP messages whose auth key does not match --hep-password (skipped)"`
	Duplicates uint64 `json:"hep_duplicates" desc:"HEP messages identical to one seen just before (same time, addresses, payload; dropped)"`
}

// count adds one malformed message under the counter of err.
func (s *HEPStats) count(err error) {
	switch {
	case errors.Is(err, ErrHEPShort):
		s.Short++
	case errors.Is(err, ErrHEPMagic):
		s.BadMagic++
	case errors.Is(err, ErrHEPTotalLength):
		s.BadLength++
	case errors.Is(err, ErrHEPChunkLength):
		s.BadChunk++
	case errors.Is(err, ErrHEPChunkSize):
		s.ChunkSize++
	case errors.Is(err, ErrHEPFamily):
		s.BadFamily++
	case errors.Is(err, ErrHEPMissing):
		s.Missing++
	default:
		s.NoPayload++
	}
}

// Malformed is the sum of the malformed-message counters.
func (s *HEPStats) Malformed() uint64 {
	return s.Short + s.BadMagic + s.BadLength + s.BadChunk + s.ChunkSize + s.BadFamily + s.Missing + s.NoPayload
}

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

type dupEntry struct {
	time time.Time
	hash uint64
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
	next  int
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
	for i := range r.ring {
		e := &r.ring[i]
		if e.hash == sum && !e.time.IsZero() {
			d := dg.Time.Sub(e.time)
			if d < 0 {
				d = -d
			}
			if d <= r.opts.DupWindow {
				return true
			}
		}
	}
	r.ring[r.next] = dupEntry{time: dg.Time, hash: sum}
	r.next = (r.next + 1) % dupRing
	return false
}

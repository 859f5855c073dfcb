package capture

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"
)

// HEP (Homer Encapsulation Protocol) is what Kamailio's siptrace module,
// heplify and captagent send to a Homer collector: one captured packet per
// HEP message, with the original addresses, ports, transport and capture
// time. DecodeHEP decodes HEPv3 (chunked, "HEP3" magic) and HEPv1/v2 (the
// fixed header of Kamailio's hep.h).
//
// Every reader below takes (buf, off) and returns (value, newOff, err), so
// that every access is bounds-checked in one place and no chunk length can
// make the decoder read past the message.

// Sentinel errors of DecodeHEP; they are returned unwrapped (an error with
// detail would allocate) and HEPStats counts each under its own name.
var (
	// ErrHEPShort means the buffer ends before a header, a chunk header or
	// a chunk value that its length announces.
	ErrHEPShort = errors.New("hep: message truncated")
	// ErrHEPMagic means the buffer is neither HEPv3 ("HEP3") nor HEPv1/v2
	// (first byte 1 or 2).
	ErrHEPMagic = errors.New("hep: bad magic or version")
	// ErrHEPTotalLength means the HEPv3 total length is shorter than its
	// own header or longer than the buffer, or a HEPv2 header length
	// disagrees with its address family.
	ErrHEPTotalLength = errors.New("hep: bad total length")
	// ErrHEPChunkLength means a HEPv3 chunk length is shorter than the
	// 6-byte chunk header or runs past the total length.
	ErrHEPChunkLength = errors.New("hep: bad chunk length")
	// ErrHEPChunkSize means a fixed-size chunk (family, protocol,
	// address, port, time, capture id) has the wrong value size.
	ErrHEPChunkSize = errors.New("hep: fixed-size chunk of wrong size")
	// ErrHEPFamily means the address family is neither IPv4 (2) nor
	// IPv6 (10), or the addresses given do not match it.
	ErrHEPFamily = errors.New("hep: bad or missing address family")
	// ErrHEPMissing means a HEPv3 message lacks a mandatory chunk:
	// source/destination address, ports or timestamp.
	ErrHEPMissing = errors.New("hep: mandatory chunk missing")
	// ErrHEPNoPayload means the message carries no payload chunk, or an
	// empty one.
	ErrHEPNoPayload = errors.New("hep: no payload")
)

// HEP protocol types (chunk 11) that matter here.
const (
	// HEPProtoSIP is the chunk-11 value of a SIP payload.
	HEPProtoSIP = 1
)

// HEP address families (chunk 1, HEPv2 hp_f): Linux AF_INET and AF_INET6.
const (
	hepAFInet  = 2
	hepAFInet6 = 10
)

// HEPv3 generic chunk types (vendor 0) of the specification.
const (
	hepChunkFamily      = 1
	hepChunkProto       = 2
	hepChunkSrc4        = 3
	hepChunkDst4        = 4
	hepChunkSrc6        = 5
	hepChunkDst6        = 6
	hepChunkSrcPort     = 7
	hepChunkDstPort     = 8
	hepChunkTimeSec     = 9
	hepChunkTimeUsec    = 10
	hepChunkProtoType   = 11
	hepChunkCaptureID   = 12
	hepChunkKeepalive   = 13
	hepChunkAuthKey     = 14
	hepChunkPayload     = 15
	hepChunkCompressed  = 16
	hepChunkCorrelation = 17
	hepChunkVLAN        = 18
	hepChunkNodeName    = 19
	// 20-38 (MACs, ethertype, TCP flags, TOS, MOS, R-factor, geo,
	// jitter, translation type, JSON keys, tags) are known and skipped.
	hepChunkLastKnown = 38
)

// HEPMessage is one decoded HEP message. Byte slices alias the input
// buffer and are valid only as long as it is.
type HEPMessage struct {
	// Version is 1, 2 or 3.
	Version uint8
	// Datagram carries the original capture time, addresses, ports,
	// transport and payload, as the rest of the pipeline expects them.
	// Packet and Truncated are left for the caller.
	Datagram Datagram
	// IPProto is the IP protocol number of the captured packet (17 UDP,
	// 6 TCP, 132 SCTP).
	IPProto uint8
	// ProtoType is chunk 11 (HEPProtoSIP for SIP); HEPv1/v2 carry only
	// SIP and report HEPProtoSIP.
	ProtoType uint8
	// CaptureID is the capture agent id (chunk 12, HEPv2 captid).
	CaptureID uint32
	// NodeName is chunk 19 (Kamailio's siptrace sends its hep_capture_id
	// name there; heplify its node name).
	NodeName []byte
	// AuthKey is chunk 14, the capture password.
	AuthKey []byte
	// CorrelationID is chunk 17.
	CorrelationID []byte
	// VLAN is chunk 18, 0 when absent.
	VLAN uint16
	// Compressed means the payload came in chunk 16 (gzip), which is not
	// decompressed: Datagram.Payload is then the compressed bytes.
	Compressed bool
	// UnknownChunks counts chunks of a vendor other than 0 or of a type
	// past the specification's list (skipped).
	UnknownChunks uint16
}

// hepU8 reads one byte at off.
func hepU8(buf []byte, off int) (uint8, int, error) {
	if off < 0 || off+1 > len(buf) {
		return 0, off, ErrHEPShort
	}
	return buf[off], off + 1, nil
}

// hepU16 reads a big-endian uint16 at off.
func hepU16(buf []byte, off int) (uint16, int, error) {
	if off < 0 || off+2 > len(buf) {
		return 0, off, ErrHEPShort
	}
	return binary.BigEndian.Uint16(buf[off:]), off + 2, nil
}

// hepU32 reads a big-endian uint32 at off.
func hepU32(buf []byte, off int) (uint32, int, error) {
	if off < 0 || off+4 > len(buf) {
		return 0, off, ErrHEPShort
	}
	return binary.BigEndian.Uint32(buf[off:]), off + 4, nil
}

// hepU32LE reads a little-endian uint32 at off: HEPv2 writes its time and
// capture id in the sender's host order, and every Kamailio platform that
// matters is little-endian.
func hepU32LE(buf []byte, off int) (uint32, int, error) {
	if off < 0 || off+4 > len(buf) {
		return 0, off, ErrHEPShort
	}
	return binary.LittleEndian.Uint32(buf[off:]), off + 4, nil
}

// hepBytes returns the n bytes at off (aliasing buf).
func hepBytes(buf []byte, off, n int) ([]byte, int, error) {
	if off < 0 || n < 0 || off+n > len(buf) || off+n < off {
		return nil, off, ErrHEPShort
	}
	return buf[off : off+n : off+n], off + n, nil
}

// hepAddr reads a 4- or 16-byte address at off.
func hepAddr(buf []byte, off, n int) (netip.Addr, int, error) {
	b, off, err := hepBytes(buf, off, n)
	if err != nil {
		return netip.Addr{}, off, err
	}
	if n == 4 {
		return netip.AddrFrom4([4]byte(b)), off, nil
	}
	return netip.AddrFrom16([16]byte(b)), off, nil
}

// IsHEP reports whether buf starts like a HEP message (a cheap test that
// lets a UDP/TCP payload on a HEP port be told from plain SIP).
func IsHEP(buf []byte) bool {
	if len(buf) >= 4 && buf[0] == 'H' && buf[1] == 'E' && buf[2] == 'P' && buf[3] == '3' {
		return true
	}
	return len(buf) >= 2 && (buf[0] == 1 || buf[0] == 2)
}

// DecodeHEP decodes the HEP message at the start of buf into m and returns
// the number of bytes it took (HEPv3 carries its length, so a TCP stream
// can be split with it; HEPv1/v2 take the whole buffer). It does not
// allocate. On error m is partly filled and must not be used.
func DecodeHEP(buf []byte, m *HEPMessage) (int, error) {
	*m = HEPMessage{}
	if len(buf) >= 4 && string(buf[:4]) == "HEP3" {
		return decodeHEP3(buf, m)
	}
	v, _, err := hepU8(buf, 0)
	if err != nil {
		return 0, ErrHEPShort
	}
	if v != 1 && v != 2 {
		return 0, ErrHEPMagic
	}
	return decodeHEP2(buf, m)
}

// transportOf maps an IP protocol number to a Transport (0 for others).
func transportOf(proto uint8) Transport {
	switch proto {
	case 17:
		return TransportUDP
	case 6:
		return TransportTCP
	}
	return 0
}

// hepTime builds a capture time from seconds and microseconds.
func hepTime(sec, usec uint32) time.Time {
	return time.Unix(int64(sec), int64(usec)*1000).UTC()
}

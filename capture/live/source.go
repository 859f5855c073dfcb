// Package live captures packets from a network interface for sipcorr's
// `capture` command: Linux AF_PACKET with a TPACKET_V3 memory-mapped ring
// (gopacket's afpacket, no cgo), a kernel BPF filter that never drops IP
// fragments, and the kernel's own drop counters. A libpcap source is
// available behind the `pcap` build tag for systems without AF_PACKET.
//
// A Source hands out frames with the kernel's capture timestamp; the caller
// feeds them to capture.Decoder exactly as a file reader would. README.md
// documents the behaviour, the defaults and the errors.
package live

import (
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Defaults of Options.
const (
	// DefaultRingSize is the memory of the kernel ring. At 20 000 SIP
	// messages/s of ~600 bytes (plus the 48-byte TPACKET_V3 header, aligned)
	// 64 MiB hold about five seconds of traffic while user space is busy.
	DefaultRingSize = 64 << 20
	// DefaultBlockSize is the TPACKET_V3 block size; the kernel hands out
	// whole blocks, retired when full or after BlockTimeout.
	DefaultBlockSize = 1 << 20
	// DefaultBlockTimeout bounds the latency of a partly filled block.
	DefaultBlockTimeout = 50 * time.Millisecond
	// DefaultPollTimeout is how long ReadPacket waits before ErrTimeout,
	// so that callers can look at their context and clocks.
	DefaultPollTimeout = 200 * time.Millisecond
)

// Options configure a live source. Only Interface is required.
type Options struct {
	// Interface is the network interface to capture on, e.g. "eth0".
	Interface string
	// Netns, when set, is a network namespace to capture in: a name under
	// /run/netns (as `ip netns add` creates) or a path such as
	// /proc/PID/ns/net. The rest of the process stays where it is.
	Netns string
	// Ports restricts the default filter to these UDP/TCP/SCTP ports.
	// Empty: any port.
	Ports []uint16
	// Tunnels lets IP-in-IP, GRE and GTP-U through the default filter.
	Tunnels bool
	// Filter replaces the default filter when not nil (see ParseFilter);
	// an empty non-nil slice means no filter at all.
	Filter []bpf.RawInstruction
	// Snaplen is the bytes kept per packet. Zero: DefaultSnaplen.
	Snaplen int
	// RingSize is the kernel ring memory in bytes. Zero: DefaultRingSize.
	RingSize int
	// BlockSize is the TPACKET_V3 block size (a power of two multiple of
	// the page size). Zero: DefaultBlockSize.
	BlockSize int
	// BlockTimeout retires partly filled blocks. Zero: DefaultBlockTimeout.
	BlockTimeout time.Duration
	// PollTimeout bounds one wait in ReadPacket. Zero: DefaultPollTimeout.
	PollTimeout time.Duration
	// Promiscuous puts the interface in promiscuous mode while capturing
	// (a mirror port needs it; a SIP server's own interface does not).
	Promiscuous bool
}

func (o Options) withDefaults() Options {
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultSnaplen
	}
	if o.RingSize <= 0 {
		o.RingSize = DefaultRingSize
	}
	if o.BlockSize <= 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.BlockTimeout <= 0 {
		o.BlockTimeout = DefaultBlockTimeout
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = DefaultPollTimeout
	}
	return o
}

// Source is a live packet source.
type Source interface {
	// ReadPacket returns the next frame and its capture info (kernel
	// timestamp, lengths). data is valid until the next call. It returns
	// ErrTimeout when nothing arrived within the poll timeout, and an
	// *Error (ErrInterfaceDown, ...) when capture cannot go on.
	ReadPacket() (data []byte, ci gopacket.CaptureInfo, err error)
	// LinkType is the link layer of the frames.
	LinkType() layers.LinkType
	// Stats returns the counters so far, kernel drops included.
	Stats() (Stats, error)
	// Interface names what is captured, e.g. "eth0" or "veth1@ns1".
	Interface() string
	// Filter is the filter in use (nil: none).
	Filter() []bpf.RawInstruction
	// Close releases the socket and the ring. It is safe to call twice.
	Close() error
}

// Stats are a source's counters. Kernel counters come from
// PACKET_STATISTICS and cover packets that passed the filter.
type Stats struct {
	// Received is the number of frames ReadPacket returned.
	Received uint64 `json:"received"`
	// KernelPackets is what the kernel accepted for this socket after
	// the filter, dropped ones included.
	KernelPackets uint64 `json:"kernel_packets"`
	// KernelDrops is packets the kernel dropped because the ring was
	// full (user space too slow): every one is a SIP message candidate
	// that was never seen.
	KernelDrops uint64 `json:"kernel_drops"`
	// QueueFreezes counts TPACKET_V3 ring freezes (the ring was full).
	QueueFreezes uint64 `json:"queue_freezes"`
}

// Drops is every drop the source knows of.
func (s Stats) Drops() uint64 { return s.KernelDrops }

//go:build pcap

package live

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"
)

// PcapAvailable reports whether this build has the libpcap source.
const PcapAvailable = true

// pcapSource captures through libpcap (cgo), for systems without AF_PACKET.
type pcapSource struct {
	h         *pcap.Handle
	name      string
	filter    []bpf.RawInstruction
	received  uint64
	closeOnce sync.Once
}

// OpenPcap starts a libpcap capture on o.Interface. Netns is not supported.
func OpenPcap(o Options) (Source, error) {
	o = o.withDefaults()
	fail := func(op string, err error) error { return &Error{Interface: o.Interface, Op: op, Err: err} }
	if o.Netns != "" {
		return nil, fail("open", errors.New("Options.Netns needs the AF_PACKET source"))
	}
	in, err := pcap.NewInactiveHandle(o.Interface)
	if err != nil {
		return nil, fail("open", err)
	}
	defer in.CleanUp()
	for _, set := range []error{in.SetSnapLen(o.Snaplen), in.SetPromisc(o.Promiscuous),
		in.SetTimeout(o.PollTimeout), in.SetBufferSize(o.RingSize), in.SetImmediateMode(false)} {
		if set != nil {
			return nil, fail("open", set)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, fail("open", err)
	}
	s := &pcapSource{h: h, name: o.Interface}
	filter := o.Filter
	if filter == nil {
		ins, err := BuildFilter(FilterSpec{Link: h.LinkType(), Ports: o.Ports, Tunnels: o.Tunnels, Snaplen: uint32(o.Snaplen)})
		if err != nil {
			h.Close()
			return nil, fail("filter", err)
		}
		if filter, err = bpf.Assemble(ins); err != nil {
			h.Close()
			return nil, fail("filter", err)
		}
	}
	if len(filter) > 0 {
		pi := make([]pcap.BPFInstruction, len(filter))
		for i, r := range filter {
			pi[i] = pcap.BPFInstruction{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
		}
		if err := h.SetBPFInstructionFilter(pi); err != nil {
			h.Close()
			return nil, fail("filter", fmt.Errorf("%w: %v", ErrBadFilter, err))
		}
	}
	s.filter = filter
	return s, nil
}

func (s *pcapSource) ReadPacket() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := s.h.ZeroCopyReadPacketData()
	switch {
	case err == nil:
		s.received++
		return data, ci, nil
	case errors.Is(err, pcap.NextErrorTimeoutExpired):
		return nil, ci, ErrTimeout
	}
	return nil, ci, &Error{Interface: s.name, Op: "read", Err: err}
}

func (s *pcapSource) LinkType() layers.LinkType    { return s.h.LinkType() }
func (s *pcapSource) Interface() string            { return s.name }
func (s *pcapSource) Filter() []bpf.RawInstruction { return s.filter }

func (s *pcapSource) Stats() (Stats, error) {
	st := Stats{Received: s.received}
	ps, err := s.h.Stats()
	if err != nil {
		return st, &Error{Interface: s.name, Op: "stats", Err: err}
	}
	st.KernelPackets = uint64(ps.PacketsReceived)
	st.KernelDrops = uint64(ps.PacketsDropped) + uint64(ps.PacketsIfDropped)
	return st, nil
}

func (s *pcapSource) Close() error {
	s.closeOnce.Do(s.h.Close)
	return nil
}

// compileExpression compiles a tcpdump expression with libpcap.
func compileExpression(expr string, link layers.LinkType) ([]bpf.RawInstruction, error) {
	ins, err := pcap.CompileBPFFilter(link, DefaultSnaplen, expr)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadFilter, expr, err)
	}
	out := make([]bpf.RawInstruction, len(ins))
	for i, r := range ins {
		out[i] = bpf.RawInstruction{Op: r.Code, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out, nil
}

//go:build !pcap

package live

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// PcapAvailable reports whether this build has the libpcap source.
const PcapAvailable = false

// OpenPcap fails: this build has no libpcap (build with -tags pcap).
func OpenPcap(o Options) (Source, error) {
	return nil, &Error{Interface: o.Interface, Op: "open", Err: fmt.Errorf("%w: libpcap source (build with -tags pcap)", ErrUnsupported)}
}

// compileExpression fails without libpcap: pass a compiled program.
func compileExpression(expr string, _ layers.LinkType) ([]bpf.RawInstruction, error) {
	return nil, fmt.Errorf("%w: %q: filter expressions need libpcap (build with -tags pcap); pass the output of `tcpdump -ddd EXPR` instead", ErrBadFilter, expr)
}

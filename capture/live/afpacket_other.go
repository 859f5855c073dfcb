//go:build !linux

package live

// Open fails off Linux: AF_PACKET is Linux-only. Build with -tags pcap and
// use OpenPcap.
func Open(o Options) (Source, error) {
	return nil, &Error{Interface: o.Interface, Op: "open", Err: ErrUnsupported}
}

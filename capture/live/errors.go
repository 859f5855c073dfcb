package live

import (
	"errors"
	"fmt"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrTimeout is returned by ReadPacket when no packet arrived within
	// the poll timeout. It is not a failure: call again.
	ErrTimeout = errors.New("live: no packet within the poll timeout")
	// ErrNoInterface means the interface does not exist (in the namespace
	// captured in).
	ErrNoInterface = errors.New("no such network interface")
	// ErrPermission means the process may not open a packet socket: it
	// needs root or CAP_NET_RAW (e.g. setcap cap_net_raw+ep sipcorr).
	ErrPermission = errors.New("permission denied: live capture needs root or CAP_NET_RAW")
	// ErrInterfaceDown means the interface is down, went down during the
	// capture, or was deleted.
	ErrInterfaceDown = errors.New("interface is down")
	// ErrUnsupported means this build or system has no such source
	// (AF_PACKET off Linux, libpcap without the pcap build tag).
	ErrUnsupported = errors.New("live capture source not available in this build")
	// ErrBadFilter means a user-supplied BPF program could not be read or
	// compiled.
	ErrBadFilter = errors.New("bad BPF filter")
)

// Error is a live-capture failure: which interface, which step, why.
type Error struct {
	Interface string
	Op        string // "open", "filter", "read", ...
	Err       error
}

// Error gives one line, e.g. `capture on eth9: open: no such network interface`.
func (e *Error) Error() string {
	return fmt.Sprintf("capture on %s: %s: %v", e.Interface, e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

//go:build !linux

package capture

import "net"

// hepOOBLen is zero: only Linux reports socket drops per datagram.
var hepOOBLen = 0

// tuneHEPSocket asks for a receive buffer of size bytes.
func tuneHEPSocket(uc *net.UDPConn, size int) error { return uc.SetReadBuffer(size) }

// socketDrops is never known outside Linux.
func socketDrops([]byte) (uint32, bool) { return 0, false }

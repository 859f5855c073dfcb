package capture

import (
	"encoding/binary"
	"net"
	"syscall"
)

// hepOOBLen is room for the SO_RXQ_OVFL control message.
var hepOOBLen = syscall.CmsgSpace(4)

// tuneHEPSocket asks for a receive buffer of size bytes, past
// net.core.rmem_max when the process may (SO_RCVBUFFORCE needs
// CAP_NET_ADMIN), and turns on SO_RXQ_OVFL, so that every datagram
// carries the socket's count of datagrams the kernel dropped because the
// buffer was full.
func tuneHEPSocket(uc *net.UDPConn, size int) error {
	rc, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	cerr := rc.Control(func(fd uintptr) {
		if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, size) != nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
		}
		if err := syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1); err != nil && serr == nil {
			serr = err
		}
	})
	if cerr != nil {
		return cerr
	}
	return serr
}

// socketDrops reads the SO_RXQ_OVFL count from a datagram's control
// messages (Linux sends it once the count is not zero) without
// allocating.
func socketDrops(oob []byte) (uint32, bool) {
	lenSize := syscall.SizeofCmsghdr - 8 // Len is the platform's size_t
	for len(oob) >= syscall.SizeofCmsghdr {
		var l uint64
		if lenSize == 8 {
			l = binary.NativeEndian.Uint64(oob)
		} else {
			l = uint64(binary.NativeEndian.Uint32(oob))
		}
		level := int32(binary.NativeEndian.Uint32(oob[lenSize:]))
		typ := int32(binary.NativeEndian.Uint32(oob[lenSize+4:]))
		if l < uint64(syscall.SizeofCmsghdr) || l > uint64(len(oob)) {
			return 0, false
		}
		data := oob[syscall.CmsgLen(0):l]
		if level == syscall.SOL_SOCKET && typ == syscall.SO_RXQ_OVFL && len(data) >= 4 {
			return binary.NativeEndian.Uint32(data), true
		}
		next := syscall.CmsgSpace(int(l) - syscall.CmsgLen(0))
		if next > len(oob) {
			return 0, false
		}
		oob = oob[next:]
	}
	return 0, false
}

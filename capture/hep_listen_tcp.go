package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
)

// maxHEPConns bounds the TCP connections of one HEP listener: each holds
// a 64 KiB buffer, so a flood of connections costs at most 16 MiB; more
// are closed at once and counted.
const maxHEPConns = 256

// listenTCP starts a HEP-over-TCP listener (heplify -nt tcp, captagent):
// a stream of HEPv3 messages, each framed by its total length. HEPv1/v2
// carry no total length and cannot be framed on a stream.
func (f *HEPFeed) listenTCP(ctx context.Context, addr string) (net.Addr, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("HEP listener tcp:%s: %w", addr, err)
	}
	if !f.track(l, "tcp:"+l.Addr().String()) {
		return nil, errors.Join(errors.New("HEP feed closed"), l.Close())
	}
	stop := context.AfterFunc(ctx, func() { f.closeConn(l) })
	go func() {
		defer f.wg.Done()
		defer stop()
		f.acceptLoop(ctx, l)
	}()
	return l.Addr(), nil
}

// acceptLoop serves every connection of l until l is closed.
func (f *HEPFeed) acceptLoop(ctx context.Context, l net.Listener) {
	var open atomic.Int32
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			f.readErrors.Add(1)
			continue
		}
		if open.Load() >= maxHEPConns || !f.track(c, "") {
			f.connsRefused.Add(1)
			f.closeConn(c)
			continue
		}
		open.Add(1)
		stop := context.AfterFunc(ctx, func() { f.closeConn(c) })
		go func() {
			defer f.wg.Done()
			defer open.Add(-1)
			defer stop()
			defer f.closeConn(c)
			f.streamLoop(c)
		}()
	}
}

// streamLoop queues every HEPv3 message of one connection. A stream that
// does not start with "HEP3", or announces a length under the header's,
// cannot be resynchronised: it is counted and the connection closed.
func (f *HEPFeed) streamLoop(c net.Conn) {
	buf := make([]byte, maxUDP)
	have := 0
	for {
		n, err := c.Read(buf[have:])
		have += n
		off := 0
		for have-off >= 6 {
			m := buf[off:have]
			if string(m[:4]) != "HEP3" {
				f.streamErrors.Add(1)
				return
			}
			total := int(binary.BigEndian.Uint16(m[4:6]))
			if total < 6 {
				f.streamErrors.Add(1)
				return
			}
			if total > len(m) {
				break
			}
			f.received.Add(1)
			f.enqueue(m[:total])
			off += total
		}
		have = copy(buf, buf[off:have])
		if err != nil {
			if have > 0 && errors.Is(err, io.EOF) {
				f.streamErrors.Add(1) // a message cut by the end of the stream
			}
			return
		}
	}
}

package leaktest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// tick is the sender's pacing step: every device sends its share of the
// block's rate each tick, so a block's traffic is spread evenly.
const tick = 50 * time.Millisecond

// Sent counts what one device sent and what the server answered.
type Sent struct {
	UA       string      `json:"ua"`
	Requests int         `json:"requests"`
	Replies  map[int]int `json:"replies"` // status code -> replies
	SendErrs int         `json:"send_errors"`
}

// Replay sends plan to server (Kamailio's UDP SIP socket), paced per tick,
// and returns per-device counts once every device's last block is over and
// the replies had a moment to arrive. Each device sends from its own
// address on a port the kernel picks, and its Via names that socket, so
// the replies come back to it.
func Replay(ctx context.Context, plan Plan, server netip.AddrPort) ([]*Sent, error) {
	type dev struct {
		d     *Device
		conn  *net.UDPConn
		local netip.AddrPort
		acc   float64
		sent  *Sent
		mu    sync.Mutex
	}
	devs := make([]*dev, len(plan.Devices))
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range plan.Devices {
		d := &plan.Devices[i]
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(d.Addr, 0)))
		if err != nil {
			for _, x := range devs[:i] {
				x.conn.Close()
			}
			return nil, fmt.Errorf("leaktest: socket for %s on %s: %w", d.UA, d.Addr, err)
		}
		x := &dev{d: d, conn: c, local: c.LocalAddr().(*net.UDPAddr).AddrPort(), sent: &Sent{UA: d.UA, Replies: map[int]int{}}}
		devs[i] = x
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 65535)
			for {
				n, err := x.conn.Read(buf)
				if err != nil {
					return // closed at the end
				}
				if code, ok := statusCode(buf[:n]); ok {
					x.mu.Lock()
					x.sent.Replies[code]++
					x.mu.Unlock()
				}
			}
		}()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	start := time.Now()
	for {
		el := time.Since(start)
		if el >= plan.Duration() || ctx.Err() != nil {
			break
		}
		block := int(el / plan.Block)
		for _, x := range devs {
			if block >= len(x.d.Rates) {
				continue
			}
			x.acc += x.d.Rates[block] * tick.Seconds()
			for ; x.acc >= 1; x.acc-- {
				msg := x.d.request(x.sent.Requests, x.local, server)
				if _, err := x.conn.WriteToUDPAddrPort(msg, server); err != nil {
					x.sent.SendErrs++
				}
				x.sent.Requests++
			}
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	// Let the last replies arrive, then stop the readers.
	time.Sleep(500 * time.Millisecond)
	out := make([]*Sent, len(devs))
	for i, x := range devs {
		x.conn.Close()
		out[i] = x.sent
	}
	wg.Wait()
	return out, ctx.Err()
}

// statusCode reads the code of a "SIP/2.0 420 ..." status line.
func statusCode(b []byte) (int, bool) {
	const prefix = "SIP/2.0 "
	if len(b) < len(prefix)+3 || string(b[:len(prefix)]) != prefix {
		return 0, false
	}
	code, err := strconv.Atoi(string(b[len(prefix) : len(prefix)+3]))
	return code, err == nil
}

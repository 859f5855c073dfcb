package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HEPFeed receives HEP from the network (Kamailio's siptrace, heplify,
// captagent) for the live pipeline. Each listener's goroutine only reads
// datagrams and queues copies; decoding, duplicate detection and the
// counters happen on the consumer's goroutine (Poll), so that one
// HEPReader sees the whole feed and nothing is locked per message. When
// the queue is full (the pipeline fell behind) a datagram is dropped and
// counted, never waited for: the kernel socket buffer holds the burst
// before that, and a reader that never blocks keeps that buffer drained.
type HEPFeed struct {
	opts   HEPFeedOptions
	reader *HEPReader
	queue  chan hepDatagram
	free   chan []byte
	held   atomic.Int64 // bytes in queued datagrams
	// pend is a datagram Wait took from the queue for Poll.
	pend    hepDatagram
	pending bool
	packets uint64 // datagrams decoded, numbering them 1, 2, ...
	// lastTook is when Poll last took a datagram (Wait naps while recent)
	lastTook time.Time

	received, drops, readErrors atomic.Uint64
	// connsRefused and streamErrors count TCP connections over the limit
	// and TCP streams given up (not HEPv3, bad length, cut message).
	connsRefused, streamErrors atomic.Uint64
	// socketDrops sums, over the listeners, the datagrams the kernel
	// dropped because a socket buffer was full (the reader fell behind).
	socketDrops atomic.Uint64

	mu       sync.Mutex
	conns    map[io.Closer]struct{} // listeners and TCP connections open
	addrs    []string
	wg       sync.WaitGroup
	closed   bool
	closeErr error // of a listener closed by its context
}

// HEPFeedOptions tune a HEPFeed; the zero value is usable.
type HEPFeedOptions struct {
	// HEP tunes decoding (password, duplicate window).
	HEP HEPOptions
	// QueueLen bounds the datagrams queued for the pipeline. Default
	// 32768: 0.5 s of a 60 000 messages/s feed (the socket buffer holds
	// as much again), for a pipeline that a loaded machine leaves
	// without a CPU for that long.
	QueueLen int
	// MaxQueueBytes bounds the bytes of queued datagrams, so that a
	// flood of large datagrams cannot take QueueLen × 64 KiB. Default
	// 32 MiB.
	MaxQueueBytes int
	// ReadBuffer is the socket receive buffer asked for: SO_RCVBUFFORCE
	// where permitted (CAP_NET_ADMIN), else SO_RCVBUF, which Linux caps at
	// net.core.rmem_max. Default 32 MiB: about 0.7 s of a 60 000
	// messages/s feed, like the capture ring for -i.
	ReadBuffer int
}

// HEPListenStats count what a feed's listeners received and dropped.
type HEPListenStats struct {
	Datagrams uint64 `json:"hep_datagrams" desc:"HEP datagrams received by the listeners" kind:"info"`
	Drops     uint64 `json:"hep_queue_drops" desc:"HEP datagrams dropped because the pipeline fell behind (queue full): their SIP was never judged"`
	// SocketDrops is Linux's count (SO_RXQ_OVFL) of datagrams dropped
	// before the listener read them; elsewhere 0 (unknown).
	SocketDrops uint64 `json:"hep_socket_drops" desc:"HEP datagrams the kernel dropped because the socket buffer was full (listener behind): their SIP was never judged"`
	ReadErrors  uint64 `json:"hep_read_errors" desc:"HEP listener socket errors"`
	// TCPRefused and TCPStreamErrors are the TCP listeners'.
	TCPRefused      uint64 `json:"hep_tcp_refused" desc:"HEP TCP connections closed at once: over the connection limit"`
	TCPStreamErrors uint64 `json:"hep_tcp_stream_errors" desc:"HEP TCP streams given up: not HEPv3, impossible length or a message cut by the close"`
}

// HEPFeedStats are a feed's counters: what the listeners received and
// dropped, and what the HEPReader made of the rest.
type HEPFeedStats struct {
	HEPListenStats
	HEP HEPStats
}

// Counters lists the non-zero counters, the listeners' then the
// decoder's, named as Stats.Counters names its own.
func (s HEPFeedStats) Counters() []Counter {
	return append(countersOf(reflect.ValueOf(s.HEPListenStats)), s.HEP.Counters()...)
}

// hepDatagram is one queued datagram; buf[:n] is owned by the queue
// until Poll hands it back to the free list.
type hepDatagram struct {
	buf  []byte
	n    int
	recv time.Time
}

// Buffers up to recycleSize are kept for reuse; larger ones (a SIP
// message over TCP traced as one HEP message) are left to the GC, so
// that the free list holds at most freeLen × recycleSize bytes.
const (
	recycleSize = 8 << 10
	freeLen     = 1024
	maxUDP      = 64 << 10
)

// NewHEPFeed returns a feed without listeners; add them with Listen.
func NewHEPFeed(opts HEPFeedOptions) *HEPFeed {
	if opts.QueueLen <= 0 {
		opts.QueueLen = 32768
	}
	if opts.MaxQueueBytes <= 0 {
		opts.MaxQueueBytes = 32 << 20
	}
	if opts.ReadBuffer <= 0 {
		opts.ReadBuffer = 32 << 20
	}
	return &HEPFeed{opts: opts, reader: NewHEPReader(opts.HEP),
		queue: make(chan hepDatagram, opts.QueueLen), free: make(chan []byte, freeLen)}
}

// ParseHEPListen splits a listener spec "udp:ADDR:PORT" or
// "tcp:ADDR:PORT" (ADDR may be a bracketed IPv6 address or empty for
// every address) into network and address.
func ParseHEPListen(spec string) (network, addr string, err error) {
	network, addr, ok := strings.Cut(spec, ":")
	if !ok || (network != "udp" && network != "tcp") {
		return "", "", fmt.Errorf("HEP listener %q: want udp:ADDR:PORT or tcp:ADDR:PORT", spec)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", "", fmt.Errorf("HEP listener %q: %w", spec, err)
	}
	return network, addr, nil
}

// Listen starts a listener on spec (see ParseHEPListen) and returns its
// bound address (useful with port 0). Cancelling ctx closes it, as Close
// does.
func (f *HEPFeed) Listen(ctx context.Context, spec string) (net.Addr, error) {
	network, addr, err := ParseHEPListen(spec)
	if err != nil {
		return nil, err
	}
	if network == "tcp" {
		return f.listenTCP(ctx, addr)
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("HEP listener %s: %w", spec, err)
	}
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		return nil, errors.Join(fmt.Errorf("HEP listener %s: not a UDP socket", spec), pc.Close())
	}
	// best effort: a smaller buffer only means drops sooner, and those
	// are counted
	if err := tuneHEPSocket(uc, f.opts.ReadBuffer); err != nil {
		f.readErrors.Add(1)
	}
	if !f.track(pc, network+":"+pc.LocalAddr().String()) {
		return nil, errors.Join(errors.New("HEP feed closed"), pc.Close())
	}
	stop := context.AfterFunc(ctx, func() { f.closeConn(pc) })
	go func() {
		defer f.wg.Done()
		defer stop()
		f.readLoop(uc)
	}()
	return pc.LocalAddr(), nil
}

// track registers c for Close (and name, when not empty, as a listener)
// and adds its goroutine to the wait group; false when the feed is
// closed.
func (f *HEPFeed) track(c io.Closer, name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	if f.conns == nil {
		f.conns = map[io.Closer]struct{}{}
	}
	f.conns[c] = struct{}{}
	if name != "" {
		f.addrs = append(f.addrs, name)
	}
	f.wg.Add(1)
	return true
}

// closeConn closes a listener or connection (its context ended, or it is
// done) and keeps an error for Close.
func (f *HEPFeed) closeConn(c io.Closer) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		f.mu.Lock()
		f.closeErr = errors.Join(f.closeErr, err)
		f.mu.Unlock()
	}
}

// Listeners names the bound listeners ("udp:127.0.0.1:9060").
func (f *HEPFeed) Listeners() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.addrs...)
}

// readLoop queues every datagram of uc until uc is closed, and follows
// the kernel's drop count of the socket.
func (f *HEPFeed) readLoop(uc *net.UDPConn) {
	scratch := make([]byte, maxUDP)
	oob := make([]byte, hepOOBLen)
	var dropped uint32 // the socket's count so far
	for {
		n, oobn, _, _, err := uc.ReadMsgUDPAddrPort(scratch, oob)
		if d, ok := socketDrops(oob[:oobn]); ok && d > dropped {
			f.socketDrops.Add(uint64(d - dropped))
			dropped = d
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			f.readErrors.Add(1)
			time.Sleep(time.Millisecond) // a persistent error must not spin a CPU
			continue
		}
		f.received.Add(1)
		f.enqueue(scratch[:n])
	}
}

// enqueue copies b into a queue slot, or counts a drop when the queue
// is full by count or bytes.
func (f *HEPFeed) enqueue(b []byte) {
	if f.held.Add(int64(len(b))) > int64(f.opts.MaxQueueBytes) {
		f.held.Add(-int64(len(b)))
		f.drops.Add(1)
		return
	}
	var buf []byte
	select {
	case buf = <-f.free:
	default:
	}
	if cap(buf) < len(b) {
		buf = make([]byte, max(len(b), 2048))
	}
	buf = buf[:cap(buf)]
	n := copy(buf, b)
	select {
	case f.queue <- hepDatagram{buf: buf, n: n, recv: time.Now()}:
	default:
		f.held.Add(-int64(n))
		f.drops.Add(1)
		f.recycle(buf)
	}
}

func (f *HEPFeed) recycle(buf []byte) {
	if cap(buf) > recycleSize {
		return
	}
	select {
	case f.free <- buf:
	default:
	}
}

// Stats returns the counters so far. Only the consumer's goroutine may
// call it (the decoder's counters are its own).
func (f *HEPFeed) Stats() HEPFeedStats {
	return HEPFeedStats{HEPListenStats: HEPListenStats{Datagrams: f.received.Load(), Drops: f.drops.Load(),
		SocketDrops: f.socketDrops.Load(), ReadErrors: f.readErrors.Load(), TCPRefused: f.connsRefused.Load(),
		TCPStreamErrors: f.streamErrors.Load()}, HEP: f.reader.Stats()}
}

// Agents returns the capture agents of the feed (see HEPReader.Agents).
// Only the consumer's goroutine may call it.
func (f *HEPFeed) Agents() ([]HEPAgent, uint64) { return f.reader.Agents() }

// Message returns the HEP message being emitted (capture id, node name),
// valid during the emit call only.
func (f *HEPFeed) Message() *HEPMessage { return f.reader.Message() }

// Close stops every listener and waits for their goroutines. Datagrams
// still queued stay there for Poll.
func (f *HEPFeed) Close() error {
	f.mu.Lock()
	f.closed = true
	conns := f.conns
	f.conns = nil
	f.mu.Unlock()
	// a TCP connection's goroutine may be closing its own at the same
	// time: net.ErrClosed is expected then
	var errs []error
	for c := range conns {
		if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	f.wg.Wait()
	f.mu.Lock()
	errs = append(errs, f.closeErr)
	f.mu.Unlock()
	return errors.Join(errs...)
}

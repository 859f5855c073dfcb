package kamailiotest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// maxUDPPayload is the largest datagram a probe can be sent in over IPv4.
const maxUDPPayload = 65507

// laneWindowBytes bounds the probe bytes one lane keeps in flight. Kamailio
// sizes its receive buffer to at most 256 KiB; staying well below keeps the
// kernel from dropping a probe, which would look like a core drop.
const laneWindowBytes = 96 << 10

// laneWindowCount bounds the probes one lane keeps in flight.
const laneWindowCount = 32

// ReplyKind says what Kamailio put on the wire after a failed check.
type ReplyKind uint8

const (
	// ReplyNone: nothing was sent. For a request other than ACK this means
	// the check set FL_MSG_NOREPLY; Kamailio never replies to ACKs or to
	// SIP responses.
	ReplyNone ReplyKind = iota
	// ReplySilent: sanity_reply() sent 500 "Server Sanity Failure", which
	// it does when the failing check recorded no reply of its own and did
	// not set FL_MSG_NOREPLY ("silent" in the reference).
	ReplySilent
	// ReplyCode: the check's own reply (Reply.Code, Reply.Reason).
	ReplyCode
)

// String names the kind for diffs.
func (k ReplyKind) String() string {
	switch k {
	case ReplyNone:
		return "none"
	case ReplySilent:
		return "silent-500"
	case ReplyCode:
		return "code"
	}
	return "ReplyKind(" + strconv.Itoa(int(k)) + ")"
}

// Reply is the reply Kamailio sent for a failed check.
type Reply struct {
	Kind        ReplyKind
	Code        int    // status code (ReplyCode, ReplySilent)
	Reason      string // reason phrase (ReplyCode, ReplySilent)
	Unsupported string // value of the reply's Unsupported header (420), if any
}

// Outcome is what Kamailio did with one message on one Call.
type Outcome struct {
	Routed   bool  // the route ran; false means the core dropped the message
	Pass     bool  // sanity_check returned 1 (only meaningful when Routed)
	Reply    Reply // what was sent after a failure (requests only)
	ReplyErr bool  // sanity_reply() returned an error: the reply could not be built or sent
	Len      int   // $ml as Kamailio saw it
}

// lane drives one Kamailio worker: one listen port, one Call, one client
// socket. Probes and sentinels go out strictly alternating; the worker
// handles its socket in order, so everything logged or sent between two
// sentinels belongs to the probe between them.
type lane struct {
	call   Call
	port   int
	srv    *net.UDPAddr
	conn   *net.UDPConn
	cport  int
	logs   chan logEvent
	dgrams chan []byte
	seq    uint64
}

func newLane(call Call, port int) (*lane, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("client socket for %v: %w", call, err)
	}
	if err := conn.SetReadBuffer(1 << 20); err != nil {
		conn.Close()
		return nil, fmt.Errorf("client socket for %v: %w", call, err)
	}
	l := &lane{
		call:   call,
		port:   port,
		srv:    &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port},
		conn:   conn,
		cport:  conn.LocalAddr().(*net.UDPAddr).Port,
		logs:   make(chan logEvent, 1024),
		dgrams: make(chan []byte, 1024),
	}
	go l.readLoop()
	return l, nil
}

// readLoop copies every datagram Kamailio sends to this lane into dgrams
// until the socket is closed.
func (l *lane) readLoop() {
	defer close(l.dgrams)
	buf := make([]byte, 65536)
	for {
		n, _, err := l.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		l.dgrams <- append([]byte(nil), buf[:n]...)
	}
}

func (l *lane) sentinel(seq uint64) []byte {
	id := "k" + strconv.FormatUint(seq, 10)
	return []byte(sentinelMethod + " sip:" + id + "@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:" + strconv.Itoa(l.cport) + ";branch=z9hG4bK" + id + "\r\n" +
		"From: <sip:oracle@127.0.0.1>;tag=oracle\r\n" +
		"To: <sip:oracle@127.0.0.1>\r\n" +
		"Call-ID: " + id + "\r\n" +
		"CSeq: 1 " + sentinelMethod + "\r\n" +
		"Content-Length: 0\r\n\r\n")
}

// probeResult is a lane's raw observation of one probe.
type probeResult struct {
	out     Outcome
	dropLog []string // Kamailio's log lines for the probe (core errors)
	err     error
}

// run sends msgs through the lane and fills res (len(res) == len(msgs)).
// A nil message sends only a sentinel (a ping).
// An error means the lane lost track (Kamailio died or did not answer) and
// is returned for the whole batch.
//
// dead, when closed, means Kamailio exited: the lane stops waiting at once
// and returns an error wrapping ErrKamailioExited.
func (l *lane) run(msgs [][]byte, res []probeResult, timeout time.Duration, dead <-chan struct{}) error {
	type sent struct {
		seq  uint64
		size int
	}
	inflight := make(chan sent, laneWindowCount)
	budget := make(chan int, len(msgs)+1) // bytes released by the collector
	stop := make(chan struct{})           // closed when the collector gives up
	sendErr := make(chan error, 1)
	go func() {
		defer close(inflight)
		var used int
		for i, m := range msgs {
			size := len(m)
			if size > maxUDPPayload {
				size = 0 // not sent; the collector reports it
			}
			for used > 0 && used+size > laneWindowBytes {
				select {
				case n := <-budget:
					used -= n
				case <-stop:
					sendErr <- nil
					return
				}
			}
			l.seq++
			seq := l.seq
			if m != nil && len(m) <= maxUDPPayload {
				if _, err := l.conn.WriteToUDP(m, l.srv); err != nil {
					sendErr <- fmt.Errorf("send probe %d to %v: %w", i, l.call, err)
					return
				}
			}
			if _, err := l.conn.WriteToUDP(l.sentinel(seq), l.srv); err != nil {
				sendErr <- fmt.Errorf("send sentinel to %v: %w", l.call, err)
				return
			}
			used += size
			select {
			case inflight <- sent{seq: seq, size: size}: // blocks at laneWindowCount
			case <-stop:
				sendErr <- nil
				return
			}
		}
		sendErr <- nil
	}()

	for i := range msgs {
		s, ok := <-inflight
		if !ok {
			return <-sendErr
		}
		if len(msgs[i]) > maxUDPPayload {
			res[i].err = fmt.Errorf("%d bytes: too large for one UDP datagram", len(msgs[i]))
		}
		if err := l.collect(s.seq, len(msgs[i]), &res[i], timeout, dead); err != nil {
			close(stop)
			return err
		}
		budget <- s.size
	}
	return <-sendErr
}

// collect reads the lane's log lines up to the sentinel seq and its
// datagrams up to the sentinel's 200, and turns them into r.
func (l *lane) collect(seq uint64, size int, r *probeResult, timeout time.Duration, dead <-chan struct{}) error {
	id := "k" + strconv.FormatUint(seq, 10)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var results []logEvent
	for done := false; !done; {
		select {
		case ev := <-l.logs:
			switch ev.kind {
			case 'S':
				if ev.seq != id {
					if stale(ev.seq, seq) {
						// A sentinel this lane gave up on (a startup ping
						// that timed out under load): everything logged
						// before it belongs to it, not to this probe.
						results, r.dropLog = results[:0], nil
						continue
					}
					return fmt.Errorf("lane %v: sentinel %s logged while waiting for %s (lost sync)", l.call, ev.seq, id)
				}
				done = true
			case 'R', 'P':
				results = append(results, ev)
			case 'E':
				if t := cleanLogLine(ev.text); t != "" {
					r.dropLog = append(r.dropLog, t)
				}
			}
		case <-timer.C:
			return fmt.Errorf("lane %v: no log line for sentinel %s within %v (Kamailio stuck or dead?)", l.call, id, timeout)
		case <-dead:
			// Log lines still queued are read first: the select above
			// picks at random among ready cases.
			if len(l.logs) > 0 {
				continue
			}
			return fmt.Errorf("lane %v: waiting for sentinel %s: %w", l.call, id, ErrKamailioExited)
		}
	}
	var replies [][]byte
	for done := false; !done; {
		select {
		case d, ok := <-l.dgrams:
			if !ok {
				return fmt.Errorf("lane %v: client socket closed", l.call)
			}
			if ack, isAck := sentinelAck(d); isAck {
				if ack != id && stale(ack, seq) {
					replies = replies[:0] // the replies of a probe given up on
					continue
				}
				if ack != id {
					return fmt.Errorf("lane %v: sentinel reply %s while waiting for %s (lost sync)", l.call, ack, id)
				}
				done = true
				continue
			}
			replies = append(replies, d)
		case <-timer.C:
			return fmt.Errorf("lane %v: no reply to sentinel %s within %v", l.call, id, timeout)
		case <-dead:
			if len(l.dgrams) > 0 {
				continue
			}
			return fmt.Errorf("lane %v: waiting for the reply to sentinel %s: %w", l.call, id, ErrKamailioExited)
		}
	}
	switch len(results) {
	case 0:
		if len(replies) > 0 {
			return fmt.Errorf("lane %v: %d replies for a probe that never reached the route", l.call, len(replies))
		}
		return nil // core drop
	case 1:
	default:
		return fmt.Errorf("lane %v: %d results for one probe (lost sync)", l.call, len(results))
	}
	ev := results[0]
	if ev.ml != size {
		return fmt.Errorf("lane %v: result for a %d-byte message while waiting for a %d-byte probe (lost sync)", l.call, ev.ml, size)
	}
	r.out = Outcome{Routed: true, Pass: ev.rc == 1, ReplyErr: ev.sr < 0, Len: ev.ml}
	r.dropLog = nil // lines of a routed probe are the checks' own, not a drop reason
	switch {
	case len(replies) > 1:
		return fmt.Errorf("lane %v: %d replies for one probe", l.call, len(replies))
	case len(replies) == 1:
		rep, err := parseReply(replies[0])
		if err != nil {
			return fmt.Errorf("lane %v: %w", l.call, err)
		}
		r.out.Reply = rep
	}
	if r.out.Pass && r.out.Reply.Kind != ReplyNone {
		return fmt.Errorf("lane %v: reply %d %q to a passing probe", l.call, r.out.Reply.Code, r.out.Reply.Reason)
	}
	return nil
}

// stale reports whether the sentinel named id ("k17") was sent before the
// one numbered want. Only a sentinel the lane stopped waiting for can come
// late: probes and sentinels strictly alternate on one socket, which the
// worker reads in order.
func stale(id string, want uint64) bool {
	n, err := strconv.ParseUint(strings.TrimPrefix(id, "k"), 10, 64)
	return err == nil && strings.HasPrefix(id, "k") && n < want
}

// sentinelAck recognises the 200 the cfg sends to a sentinel and returns
// the sentinel's id from its reason phrase.
func sentinelAck(d []byte) (string, bool) {
	line, _, _ := bytes.Cut(d, []byte("\r\n"))
	const prefix = "SIP/2.0 200 " + sentinelMethod + " "
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return "", false
	}
	return string(line[len(prefix):]), true
}

// errBadReply means Kamailio sent something that is not a SIP response.
var errBadReply = errors.New("unparsable reply from kamailio")

// parseReply reads the status line and the Unsupported header of a reply
// sanity_reply() sent.
func parseReply(d []byte) (Reply, error) {
	line, rest, _ := bytes.Cut(d, []byte("\r\n"))
	// sl copies the request's version token into the status line (a
	// request with "SIP/2.00" gets "SIP/2.00 505 ..."), so the version is
	// whatever precedes the first space.
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 || len(line) < sp+5 || line[sp+4] != ' ' {
		return Reply{}, fmt.Errorf("%w: %q", errBadReply, line)
	}
	code, err := strconv.Atoi(string(line[sp+1 : sp+4]))
	if err != nil {
		return Reply{}, fmt.Errorf("%w: %q", errBadReply, line)
	}
	line = line[sp+1:]
	rep := Reply{Kind: ReplyCode, Code: code, Reason: string(line[4:])}
	if code == 500 && rep.Reason == "Server Sanity Failure" {
		rep.Kind = ReplySilent
	}
	for len(rest) > 0 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		if len(h) == 0 {
			break
		}
		name, val, ok := bytes.Cut(h, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("Unsupported")) {
			rep.Unsupported = string(bytes.TrimSpace(val))
		}
	}
	return rep, nil
}

// cleanLogLine shortens a Kamailio log record for a drop reason: without
// the source location, without message dumps and without the client's
// port, so that the text is the same on every run.
func cleanLogLine(s string) string {
	level, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "]: "); i >= 0 && strings.HasPrefix(rest, "<") {
		rest = rest[i+3:]
	}
	if i := strings.Index(rest, "message=<"); i >= 0 {
		return "" // parse_msg's dump of the message: the bytes are known
	}
	if i := strings.Index(rest, " (127.0.0.1:"); i >= 0 {
		rest = rest[:i]
	}
	if len(rest) > 160 {
		rest = rest[:160] + "..."
	}
	return level + ": " + rest
}

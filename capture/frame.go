package capture

import "bytes"

// maxStartLine bounds the first line of a message while we wait for its
// end. PROTOS sends methods of 4099 characters; 16 KiB leaves room.
const maxStartLine = 16 << 10

// framer splits one direction of a TCP byte stream into SIP messages
// (RFC 3261 section 18.3): a start line, headers up to the empty line,
// then Content-Length bytes of body (0 when the header is missing).
//
// Between messages it skips CRLF keep-alives (RFC 5626). Bytes that do
// not start with a SIP start line are skipped a line at a time until one
// does, which also resynchronises the stream after a gap. A message that
// cannot be framed (headers or body over the size limit, a gap, the end of
// the stream) is handed out as it is, marked incomplete, and counted.
type framer struct {
	buf      []byte
	max      int
	st       *Stats
	budget   *bufferBudget // shared by all framers of a Decoder; nil: unlimited
	held     int           // bytes of budget this framer holds (cap of buf)
	skipping bool          // inside a run of non-SIP bytes
	hep      bool          // a HEP stream: framed by frameHEP (hep_tcp.go)
}

// bufferBudget bounds the bytes all framers of a Decoder hold for partial
// messages, whatever the number of connections.
type bufferBudget struct{ used, limit int }

// smallBuffer is what an idle framer may keep for reuse.
const smallBuffer = 4 << 10

// frameOut receives each message; msg is only valid during the call.
type frameOut func(msg []byte, incomplete bool)

func newFramer(maxMessage int, st *Stats, budget *bufferBudget) framer {
	return framer{max: maxMessage, st: st, budget: budget}
}

// feed adds stream bytes and hands out every complete message. When
// nothing is pending, messages are framed straight from data, without
// copying; only a partial message is kept.
func (f *framer) feed(data []byte, out frameOut) {
	if len(f.buf) == 0 {
		n := f.frame(data, false, out)
		f.buf = append(f.buf, data[n:]...)
	} else {
		f.buf = append(f.buf, data...)
		n := f.frame(f.buf, false, out)
		f.consume(n)
	}
	f.account(out)
}

// gap tells the framer that bytes were lost before the next feed. The
// pending partial message, if any, goes out as incomplete; the next bytes
// are searched for a start line.
func (f *framer) gap(out frameOut) {
	f.st.TCPGaps++
	f.flush(out)
	f.skipping = true // what follows a gap is mid-message until proven otherwise
}

// flush ends the stream: whatever is pending goes out.
func (f *framer) flush(out frameOut) {
	if len(f.buf) > 0 {
		n := f.frame(f.buf, true, out)
		f.consume(n)
	}
	f.buf = f.buf[:0]
	f.account(out)
}

// release drops the buffer (the stream is gone).
func (f *framer) release() {
	f.buf = nil
	f.account(nil)
}

// account keeps the shared budget up to date. Over the limit, the
// partial message of the framer that grew goes out incomplete, as after a
// gap, and its memory is returned.
func (f *framer) account(out frameOut) {
	if len(f.buf) == 0 && cap(f.buf) > smallBuffer {
		f.buf = nil
	}
	if f.budget == nil {
		return
	}
	c := cap(f.buf)
	f.budget.used += c - f.held
	f.held = c
	if f.budget.used > f.budget.limit && len(f.buf) > 0 && out != nil {
		f.st.TCPBufferLimit++
		if n := f.frame(f.buf, true, out); n < len(f.buf) {
			f.skip(len(f.buf) - n) // cannot happen: final framing uses everything
		}
		f.buf = nil
		f.skipping = true
		f.account(nil)
	}
}

func (f *framer) consume(n int) {
	m := copy(f.buf, f.buf[n:])
	f.buf = f.buf[:m]
	// Do not keep a large buffer once a big message has passed.
	if cap(f.buf) > 4*f.max && m < f.max {
		f.buf = append([]byte(nil), f.buf...)
	}
}

// frame hands out the messages in b and returns how many bytes it used.
// With final set, nothing more will come: a partial message goes out as
// incomplete and everything is used.
func (f *framer) frame(b []byte, final bool, out frameOut) int {
	if f.hep {
		return f.frameHEP(b, final, out)
	}
	off := 0
	for off < len(b) {
		if c := b[off]; c == '\r' || c == '\n' {
			n, lfs := off, 0
			for off < len(b) && (b[off] == '\r' || b[off] == '\n') {
				if b[off] == '\n' {
					lfs++
				}
				off++
			}
			if f.skipping {
				f.st.TCPSkippedBytes += uint64(off - n)
			} else {
				f.st.TCPKeepAlives += keepAlives(lfs)
			}
			continue
		}
		rest := b[off:]
		nl := bytes.IndexByte(rest[:min(len(rest), maxStartLine)], '\n')
		if nl < 0 {
			if len(rest) < maxStartLine && !final {
				return off // wait for the end of the line
			}
			if final && LooksLikeSIP(rest) && (!f.skipping || startsMessage(rest)) {
				n := min(len(rest), f.max)
				f.emit(rest[:n], true, out)
				if n < len(rest) {
					f.skip(len(rest) - n)
				}
				off = len(b)
				continue
			}
			// A line this long is no start line: skip the window only,
			// a message may begin after it.
			n := min(len(rest), maxStartLine)
			f.skip(n)
			off += n
			continue
		}
		start := 0
		if f.skipping {
			start = resyncPoint(rest[:nl])
		} else if !isStartLine(rest[:nl]) {
			start = -1
		}
		if start < 0 {
			f.skipLine(rest[:nl+1])
			off += nl + 1
			continue
		}
		if start > 0 {
			f.skip(start)
			off += start
			rest = rest[start:]
		}
		f.skipping = false
		n, complete := f.message(rest, final)
		if n == 0 {
			return off // wait for more
		}
		f.emit(rest[:n], !complete, out)
		off += n
	}
	return off
}

// message returns the length of the message at the start of b and whether
// it is complete; 0 means wait for more bytes.
func (f *framer) message(b []byte, final bool) (int, bool) {
	hdrEnd, cl, badCL := scanHeaders(b[:min(len(b), f.max)])
	if badCL {
		// the headers are complete: the message goes out now, count once
		f.st.TCPBadContentLength++
	}
	if hdrEnd < 0 {
		if final || len(b) >= f.max {
			return min(len(b), f.max), false
		}
		return 0, false
	}
	total := hdrEnd + cl
	if total > f.max || total < hdrEnd { // over the limit (or overflow)
		if final || len(b) >= f.max {
			return min(len(b), f.max), false
		}
		return 0, false
	}
	if len(b) < total {
		if final {
			return len(b), false
		}
		return 0, false
	}
	return total, true
}

func (f *framer) emit(msg []byte, incomplete bool, out frameOut) {
	if incomplete {
		f.st.Unframed++
	}
	out(msg, incomplete)
}

// skipLine drops one non-SIP line. WebSocket handshakes offering the "sip"
// subprotocol are counted: SIP over WebSocket is not decoded yet.
func (f *framer) skipLine(line []byte) {
	if hasPrefixFold(line, "Sec-WebSocket-Protocol:") && bytes.Contains(bytes.ToLower(line), []byte("sip")) {
		f.st.WebSocket++
	}
	f.skip(len(line))
}

func (f *framer) skip(n int) {
	if !f.skipping {
		f.st.TCPResyncs++
		f.skipping = true
	}
	f.st.TCPSkippedBytes += uint64(n)
}

// scanHeaders finds the end of the header block (the byte after the empty
// line; -1 if not in b) and the first Content-Length (or compact "l")
// value. A value that is not a number counts as 0 and sets bad (only
// when the header block is complete).
func scanHeaders(b []byte) (hdrEnd, cl int, bad bool) {
	seenCL := false
	off := bytes.IndexByte(b, '\n') + 1 // skip the start line
	if off == 0 {
		return -1, 0, false
	}
	for off < len(b) {
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			return -1, 0, false
		}
		line := b[off : off+nl]
		off += nl + 1
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return off, cl, bad
		}
		if seenCL {
			continue
		}
		if v, ok := contentLength(line); ok {
			seenCL = true
			n, valid := parseLength(v)
			cl, bad = n, !valid
		}
	}
	return -1, 0, false
}

// contentLength returns the value of a Content-Length or l header line.
func contentLength(line []byte) ([]byte, bool) {
	c := bytes.IndexByte(line, ':')
	if c < 0 {
		return nil, false
	}
	name := trimRightSpace(line[:c])
	if !(len(name) == 1 && lower(name[0]) == 'l') && !(len(name) == 14 && hasPrefixFold(name, "content-length")) {
		return nil, false
	}
	return trimLeftSpace(trimRightSpace(line[c+1:])), true
}

// parseLength reads a decimal length; anything else (empty, sign, junk)
// is invalid and means 0. So is a value over 2^32-1, which Kamailio's
// parser rejects as an overflow (its lengths are 32-bit): taking it for a
// body that never ends would hand the message out incomplete, unjudged,
// and hide its sender (issue 16: a Content-Length over 2^63). Values up
// to that saturate at 1 GiB, which no message limit allows.
func parseLength(v []byte) (int, bool) {
	if len(v) == 0 {
		return 0, false
	}
	n := uint64(0)
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		if n = n*10 + uint64(c-'0'); n > 1<<32-1 {
			return 0, false
		}
	}
	return int(min(n, 1<<30)), true
}

// resyncPoint finds where a message starts in a line met while skipping
// (after garbage or a gap), or -1. A message body need not end in CRLF,
// so after a gap the next start line can follow the tail of a body on the
// same line ("helloREGISTER sip:..."): a known method or "SIP/2.0 " found
// inside the line is preferred to the odd method token the whole line
// would make.
func resyncPoint(line []byte) int {
	if isStartLine(line) && (hasPrefixFold(line, "SIP/") || isKnownMethod(methodToken(line))) {
		return 0
	}
	for p := 1; p < len(line); p++ {
		if !startsMessage(line[p:]) {
			continue // cheap test first: the line may be 16 KiB of garbage
		}
		if rest := line[p:]; isStartLine(rest) {
			return p
		}
	}
	if isStartLine(line) {
		return 0
	}
	return -1
}

// startsMessage tells whether b begins with "SIP/" or a known method
// followed by a space.
// It looks at a few bytes only: it runs at every position of a line.
func startsMessage(b []byte) bool {
	if hasPrefixFold(b, "SIP/") {
		return true
	}
	for _, m := range knownMethods {
		if len(b) > len(m) && b[len(m)] == ' ' && hasPrefixFold(b, m) {
			return true
		}
	}
	return false
}

// methodToken is the leading token of a request line.
func methodToken(line []byte) []byte {
	i := 0
	for i < len(line) && isTokenChar(line[i]) {
		i++
	}
	return line[:i]
}

// keepAlives counts RFC 5626 keep-alives in a run of CR/LF bytes holding lfs
// line feeds: a ping is CRLFCRLF (two), a pong CRLF (one), and each travels in
// a segment of its own, so a run counts its pings, and at least one.
func keepAlives(lfs int) uint64 {
	return uint64(max(1, lfs/2))
}

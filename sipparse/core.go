package sipparse

import (
	"bytes"
	"unsafe"
)

// coreHdr is one header as Kamailio's get_hdr_field() sees it.
type coreHdr struct {
	kind               HeaderKind
	start              int // first byte of the name
	bodyStart, bodyEnd int // body after leading LWS, trailing CR/LF/NUL trimmed
	via                viaInfo
	to                 addrSpec
	cseqNum            [2]int // CSeq number span
	cseqMethod         [2]int // CSeq method span
	cl                 int32  // Content-Length value (C int arithmetic)
}

// coreMsg is Kamailio's core-parser view of a message: first line, the
// headers parse_headers() can walk, and where (if anywhere) it stops with an
// error. Because parse_headers() is lazy and sequential, "is header X
// reachable" is exactly "is X before the first bad header, or is there no
// bad header"; one full walk answers every later question.
type coreMsg struct {
	done       bool
	rawPtr     *byte // identity of the Raw the cache was computed for
	rawLen     int
	dupErr     bool // whether the walk applied 5.6's duplicate-header error
	flineOK    bool
	isReply    bool
	methodACK  bool
	protoSIP   bool
	method     [2]int
	ruri       [2]int
	version    [2]int
	hdrs       []coreHdr
	first      [numHeaderKinds]int16 // index+1 of the first header of each kind in hdrs (0 = none)
	walkErr    bool                  // a header failed to parse; hdrs holds those before it
	errOff     int                   // offset of the bad header
	eoh        int                   // offset of the empty line ending the headers, -1 if none
	via1       int                   // index of the first Via in hdrs, -1 if none
	firstLine  int                   // offset of the first byte after leading whitespace
	headersOff int
}

// reset clears the cache keeping the header array.
func (c *coreMsg) reset() {
	h := c.hdrs[:0]
	*c = coreMsg{hdrs: h, eoh: -1, via1: -1}
}

// coreView returns Kamailio's view of m.Raw, computing it on first use.
func (m *Message) coreView(p *profile) *coreMsg {
	c := &m.core
	if c.done && c.dupErr == p.coreDupErr && c.rawPtr == unsafe.SliceData(m.Raw) && c.rawLen == len(m.Raw) {
		return c
	}
	c.reset()
	c.done, c.dupErr = true, p.coreDupErr
	c.rawPtr, c.rawLen = unsafe.SliceData(m.Raw), len(m.Raw)
	b := m.Raw
	i := 0
	for i < len(b) && isLeadingWS(b[i]) {
		i++
	}
	c.firstLine = i
	next, ok := c.parseFirstLine(b, i)
	if !ok {
		return c
	}
	c.flineOK = true
	c.headersOff = next
	// The duplicate-header error is raised for requests only (5.6.3).
	c.walk(m, next, p.coreDupErr && !c.isReply)
	return c
}

// parseFirstLine ports parse_first_line() (parse_fline.c).
func (c *coreMsg) parseFirstLine(b []byte, start int) (int, bool) {
	buf := b[start:]
	n := len(buf)
	if n <= 16 {
		return 0, false
	}
	var tmp int
	switch {
	case lower(buf[0]) == 's' && equalFold(buf[1:7], "IP/2.0") && buf[7] == ' ':
		c.isReply = true
		tmp = 7
	default:
		if l, ack := knownMethod(buf); l > 0 {
			tmp = l
			c.methodACK = ack
		} else {
			tmp = tokenEnd(buf, 0)
			if tmp == 0 || tmp >= n || buf[tmp] != ' ' {
				return 0, false
			}
		}
	}
	c.method = [2]int{start, start + tmp}
	second := tmp + 1
	tmp = tokenEnd(buf, second)
	if tmp >= n {
		return 0, false
	}
	third := spaceEnd(buf, tmp)
	if third == tmp {
		return 0, false
	}
	c.ruri = [2]int{start + second, start + tmp}
	if c.isReply {
		if tmp-second != 3 || !isDigit(buf[second]) || !isDigit(buf[second+1]) || !isDigit(buf[second+2]) {
			return 0, false
		}
		tmp = third
		for tmp < n && buf[tmp] != '\r' && buf[tmp] != '\n' {
			tmp++
		}
		if tmp >= n {
			return 0, false
		}
	} else {
		tmp = tokenEnd(buf, third)
		if tmp == third || tmp >= n {
			return 0, false
		}
		e := spaceEnd(buf, tmp)
		if !(e < n && (buf[e] == '\r' || buf[e] == '\n')) {
			return 0, false
		}
	}
	nl := eatLine(buf, tmp)
	if nl >= n {
		return 0, false
	}
	c.version = [2]int{start + third, start + tmp}
	if !c.isReply {
		v := buf[third:tmp]
		c.protoSIP = len(v) >= 7 && equalFold(v[:7], "SIP/2.0")
	}
	return start + nl, true
}

// knownMethod mirrors parse_first_line's IFISMETHOD: a known method name
// (case-insensitive) followed by exactly one SP.
func knownMethod(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, name := range methodsByLetter[lower(b[0])] {
		if len(b) > len(name) && equalFold(b[:len(name)], name) && b[len(name)] == ' ' {
			return len(name), name == "ACK"
		}
	}
	return 0, false
}

// methodsByLetter holds parse_first_line's known methods by first letter,
// in its order.
var methodsByLetter = func() (t [256][]string) {
	for _, n := range [...]string{"INVITE", "CANCEL", "ACK", "BYE", "INFO", "REGISTER",
		"SUBSCRIBE", "NOTIFY", "MESSAGE", "OPTIONS", "PRACK", "UPDATE", "REFER",
		"PUBLISH", "KDMQ", "GET", "POST", "PUT", "DELETE"} {
		c := lower(n[0])
		t[c] = append(t[c], n)
	}
	return t
}()

func tokenEnd(b []byte, p int) int {
	for p < len(b) && !lwsByte[b[p]] {
		p++
	}
	return p
}

// byte classes for the hot scanning loops
var (
	lwsByte       = byteSet(" \t\r\n")      // eat_token_end stops
	viaNameStop   = byteSet(" \t\r\n=;,")   // end of a Via parameter name
	viaValueClass = func() (t [256]uint8) { // 1: ends a Via value, 2: invalid inside one
		for _, c := range []byte(";, \t\r\n") {
			t[c] = 1
		}
		for _, c := range []byte("=\"\x00") {
			t[c] = 2
		}
		return t
	}()
)

func byteSet(s string) (t [256]bool) {
	for i := 0; i < len(s); i++ {
		t[s[i]] = true
	}
	return t
}

func spaceEnd(b []byte, p int) int {
	for p < len(b) && (b[p] == ' ' || b[p] == '\t') {
		p++
	}
	return p
}

// eatLine ports eat_line(): past the next LF, and past one CR right after it.
func eatLine(b []byte, p int) int {
	i := bytes.IndexByte(b[p:], '\n')
	if i < 0 {
		return len(b)
	}
	nl := p + i
	if nl+1 < len(b) {
		nl++
	}
	if nl+1 < len(b) && b[nl] == '\r' {
		nl++
	}
	return nl
}

// walk runs get_hdr_field() over the headers until the end of headers, the
// end of the buffer or the first error.
//
// Kamailio 5.6 also refuses a second From, To, Call-ID, CSeq, Max-Forwards or
// Content-Length header while walking ("duplicate ... header field"): the
// duplicate is a bad header like any other (verified on 5.6.3).
func (c *coreMsg) walk(m *Message, tmp int, dupErr bool) {
	b := m.Raw
	hint := 0
	var seen uint64 // bit per HeaderKind (numHeaderKinds < 64)
	for tmp < len(b) {
		if b[tmp] == '\n' || b[tmp] == '\r' {
			c.eoh = tmp
			return
		}
		// Parse straight into the next slot: coreHdr is too big to copy
		// around per header. The slot is not cleared: getHdrField sets the
		// common fields, and the kind-specific ones (via, to, cseq, cl) are
		// set by their parser and only read for headers of that kind.
		if n := len(c.hdrs); n < cap(c.hdrs) {
			c.hdrs = c.hdrs[:n+1]
		} else {
			c.hdrs = append(c.hdrs, coreHdr{})
		}
		h := &c.hdrs[len(c.hdrs)-1]
		idx := kindHint(m, tmp, &hint)
		kind, end, nameLen := -1, -1, 0
		if idx >= 0 {
			kind, end, nameLen = int(m.Headers[idx].Kind), lenientEnd(m, idx), len(m.Headers[idx].Name)
		}
		next, ok := getHdrField(b, tmp, kind, end, nameLen, h)
		if !ok {
			c.hdrs = c.hdrs[:len(c.hdrs)-1]
			c.walkErr, c.errOff = true, tmp
			return
		}
		switch h.kind {
		case HdrFrom, HdrTo, HdrCallID, HdrCSeq, HdrMaxForwards, HdrContentLength:
			if dupErr && seen&(1<<h.kind) != 0 {
				c.hdrs = c.hdrs[:len(c.hdrs)-1]
				c.walkErr, c.errOff = true, tmp
				return
			}
			seen |= 1 << h.kind
		}
		if h.kind == HdrVia && c.via1 < 0 {
			c.via1 = len(c.hdrs) - 1
		}
		if c.first[h.kind] == 0 && len(c.hdrs) < 1<<15 {
			c.first[h.kind] = int16(len(c.hdrs))
		}
		tmp = next
	}
}

// kindHint finds the header Parse already split at off with a well-formed
// name directly followed by ':' (its kind then needs no second lookup and
// its end is known), or returns -1. *i is a cursor into m.Headers that only
// moves forward.
func kindHint(m *Message, off int, i *int) int {
	for *i < len(m.Headers) && m.Headers[*i].Offset < off {
		*i++
	}
	if *i < len(m.Headers) && m.Headers[*i].Offset == off {
		h := &m.Headers[*i]
		if h.nameOK && off+len(h.Name) < len(m.Raw) && m.Raw[off+len(h.Name)] == ':' {
			return *i
		}
	}
	return -1
}

// lenientEnd is where Parse's header idx ends: the next header or the blank
// line. For headers whose body the core does not parse this is exactly
// where get_hdr_field() stops (both end a header at an LF not followed by
// SP/HT); -1 when Parse found no end (no line end before the buffer ends).
func lenientEnd(m *Message, idx int) int {
	if idx+1 < len(m.Headers) {
		return m.Headers[idx+1].Offset
	}
	return m.headEnd
}

// getHdrField ports get_hdr_field() (msg_parser.c) for the header at tmp;
// hint is the kind of the name (nameLen bytes, followed by ':') and end the
// end of the header when Parse already knows them (-1 otherwise).
func getHdrField(b []byte, tmp int, hint, end, nameLen int, h *coreHdr) (next int, ok bool) {
	h.start = tmp
	var p int
	if hint >= 0 {
		p = tmp + nameLen // Parse checked these bytes and the ':' after them
	} else {
		// parse_hname2: header-name chars, optional SP/HT, then ':'.
		if !hnameChar(b[tmp]) {
			return tmp, false
		}
		p = tmp + 1
		for p < len(b) && hnameChar(b[p]) {
			p++
		}
	}
	name := b[tmp:p]
	for p < len(b) && b[p] != ':' {
		if b[p] != ' ' && b[p] != '\t' {
			return tmp, false
		}
		p++
	}
	if p >= len(b) {
		return tmp, false
	}
	if hint >= 0 && p == tmp+len(name) {
		h.kind = HeaderKind(hint)
	} else {
		h.kind = KindOf(name)
	}
	p = skipLWS(b, p+1)
	if p >= len(b) {
		return p, false
	}
	h.bodyStart = p
	switch h.kind {
	case HdrVia:
		h.via, next, ok = parseVia(b, p)
	case HdrCSeq:
		next, ok = parseCSeq(b, p, h)
	case HdrTo:
		h.to, next, ok = parseAddrSpec(b, p, len(b))
	case HdrContentLength:
		h.cl, next, ok = parseContentLength(b, p)
	case HdrRetryAfter:
		next, ok = parseRetryAfter(b, p)
	default:
		if end > p {
			next, ok = end, true
		} else {
			next, ok = skipHeaderBody(b, p)
		}
	}
	if !ok {
		return next, false
	}
	e := next
	for e > h.bodyStart && (b[e-1] == '\r' || b[e-1] == '\n' || b[e-1] == 0) {
		e--
	}
	h.bodyEnd = e
	return next, true
}

// skipHeaderBody finds the end of an unparsed header: the LF not followed
// by SP/HT. No LF at all is an error.
func skipHeaderBody(b []byte, p int) (int, bool) {
	for {
		i := bytes.IndexByte(b[p:], '\n')
		if i < 0 {
			return len(b), false
		}
		p += i + 1
		if p >= len(b) || (b[p] != ' ' && b[p] != '\t') {
			return p, true
		}
	}
}

// parseCSeq ports parse_cseq(): number token, SP/HT, method token, LWS, EOL.
func parseCSeq(b []byte, p int, h *coreHdr) (int, bool) {
	t := tokenEnd(b, p)
	if t >= len(b) {
		return t, false
	}
	h.cseqNum = [2]int{p, t}
	m := spaceEnd(b, t)
	me := tokenEnd(b, m)
	if me >= len(b) || me == m {
		return me, false
	}
	h.cseqMethod = [2]int{m, me}
	t = skipLWS(b, me)
	if t >= len(b) {
		return t, false
	}
	if b[t] == '\r' && t+1 < len(b) && b[t+1] == '\n' {
		return t + 2, true
	}
	if b[t] == '\n' {
		return t + 1, true
	}
	return t, false
}

// parseContentLength ports parse_content_length() as Kamailio 5.6.3 runs
// it: optional leading whitespace, digits only, then whitespace and a line
// end, with folded continuation lines allowed. Before each further digit the
// value must be below INT_MAX/10 (so 2147483600 parses, 2147483640 does not;
// verified on 5.6.3).
func parseContentLength(b []byte, p int) (int32, int, bool) {
	for p < len(b) && (b[p] == ' ' || b[p] == '\t' || (b[p] == '\n' && p+1 < len(b) && (b[p+1] == ' ' || b[p+1] == '\t'))) {
		p++
	}
	if p >= len(b) {
		return 0, p, false
	}
	var n int32
	d := p
	for p < len(b) && isDigit(b[p]) {
		if n >= (1<<31-1)/10 {
			return 0, p, false
		}
		n = n*10 + int32(b[p]-'0')
		p++
	}
	if p >= len(b) || p == d {
		return 0, p, false
	}
	for {
		p = spaceEnd(b, p)
		if p >= len(b) {
			return 0, p, false
		}
		switch {
		case b[p] == '\n':
			p++
		case b[p] == '\r' && p+1 < len(b) && b[p+1] == '\n':
			p += 2
		default:
			return 0, p, false
		}
		if p >= len(b) || (b[p] != ' ' && b[p] != '\t') {
			return n, p, true
		}
		if p++; p >= len(b) {
			return 0, p, false
		}
	}
}

// parseRetryAfter follows parse_retry_after() as 5.6.3 behaves: 1 to 10
// digits, then SP/HT, a line end, '(' or ';' (anything after that up to the
// end of the header is accepted); any other byte right after the digits
// fails (verified: "5)" and "5/1" fail, "5 x" and "5 (c" pass).
func parseRetryAfter(b []byte, p int) (int, bool) {
	d := p
	for p < len(b) && isDigit(b[p]) {
		p++
	}
	if p == d || p-d > 10 || p >= len(b) {
		return p, false
	}
	switch b[p] {
	case ' ', '\t', '\r', '\n', '(', ';':
		return skipHeaderBody(b, p)
	}
	return p, false
}

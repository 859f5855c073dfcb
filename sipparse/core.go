package sipparse

import "unsafe"

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
	kinds      uint64                // bit per HeaderKind present in hdrs (numHeaderKinds < 64)
	twice      uint64                // bit per HeaderKind present more than once in hdrs
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

// walk runs get_hdr_field() over the headers until the end of headers, the
// end of the buffer or the first error.
//
// Kamailio 5.6 also refuses a second From, To, Call-ID, CSeq, Max-Forwards or
// Content-Length header while walking ("duplicate ... header field"): the
// duplicate is a bad header like any other (verified on 5.6.3).
func (c *coreMsg) walk(m *Message, tmp int, dupErr bool) {
	b := m.Raw
	hs, hint := m.Headers, 0
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
		idx := kindHint(hs, tmp, &hint)
		kind, end, nameLen := -1, -1, 0
		if idx >= 0 {
			kind, end, nameLen = int(hs[idx].Kind), lenientEnd(m, idx), len(hs[idx].Name)
		}
		var next int
		var ok bool
		if p := tmp + nameLen + 2; idx >= 0 && !coreParsed[kind] && uint(p) < uint(len(b)) && p < end && b[p-1] == ' ' && !lwsByte[b[p]] {
			// getHdrField for a header whose body the core does not parse,
			// its name and end known from Parse and one SP after the colon
			// (most headers), inlined.
			h.start, h.kind, h.bodyStart = tmp, HeaderKind(kind), p
			e := end
			for e > p && (b[e-1] == '\r' || b[e-1] == '\n' || b[e-1] == 0) {
				e--
			}
			h.bodyEnd = e
			next, ok = end, true
		} else {
			next, ok = getHdrField(b, tmp, kind, end, nameLen, h)
		}
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
		// Checks that look for every header of a kind skip the list
		// when the kind is absent (or, for duplicates, single).
		c.twice |= c.kinds & (1 << h.kind)
		c.kinds |= 1 << h.kind
		if h.kind == HdrVia && c.via1 < 0 {
			c.via1 = len(c.hdrs) - 1
		}
		if c.first[h.kind] == 0 && len(c.hdrs) < 1<<15 {
			c.first[h.kind] = int16(len(c.hdrs))
		}
		tmp = next
	}
}

// coreParsed marks the kinds whose body get_hdr_field() parses.
var coreParsed = func() (t [numHeaderKinds]bool) {
	for _, k := range []HeaderKind{HdrVia, HdrCSeq, HdrTo, HdrContentLength, HdrRetryAfter} {
		t[k] = true
	}
	return t
}()

// kindHint finds the header Parse already split at off with a well-formed
// name directly followed by ':' (its kind then needs no second lookup and
// its end is known), or returns -1. *i is a cursor into hs that only moves
// forward.
func kindHint(hs []Header, off int, i *int) int {
	j := *i
	for j < len(hs) && hs[j].Offset < off {
		j++
	}
	*i = j
	if j < len(hs) && hs[j].Offset == off && hs[j].coreName {
		return j
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
		h.kind = kindIn(b, tmp, len(name))
	}
	// One SP after the colon is the rule; skipLWS handles the rest.
	if p += 2; p >= len(b) || b[p-1] != ' ' || lwsByte[b[p]] {
		p = skipLWS(b, p-1)
	}
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

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
	core52     bool // whether the walk ran 5.2's header parsers (hname_52.go)
	coreFrom   bool // whether the walk parsed From bodies (6.0+: get_hdr_field parses From like To)
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
	if c.done && c.dupErr == p.coreDupErr && c.core52 == p.core52 && c.coreFrom == p.coreFrom && c.rawPtr == unsafe.SliceData(m.Raw) && c.rawLen == len(m.Raw) {
		return c
	}
	c.reset()
	c.done, c.dupErr, c.core52, c.coreFrom = true, p.coreDupErr, p.core52, p.coreFrom
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
//
// Most headers are ones whose body the core does not parse, split by Parse
// with a well-formed name and one SP after the colon: for those the end and
// the kind are Parse's, and an inner loop without calls takes them one
// after the other (its state stays in registers). getHdrField runs for the
// rest.
func (c *coreMsg) walk(m *Message, tmp int, dupErr bool) {
	b, hs := m.Raw, m.Headers
	hdrs := c.hdrs
	var kinds, twice uint64 // bit per HeaderKind (numHeaderKinds < 64)
	var dups uint64         // the kinds refused a second time
	if dupErr {
		dups = 1<<HdrFrom | 1<<HdrTo | 1<<HdrCallID | 1<<HdrCSeq | 1<<HdrMaxForwards | 1<<HdrContentLength
	}
	idx := 0 // cursor into hs: the first Parse header at or after tmp
	for tmp < len(b) {
		for idx < len(hs) && hs[idx].Offset < tmp {
			idx++
		}
		var h *coreHdr
		var next int
		if idx < len(hs) && hs[idx].Offset == tmp && hs[idx].coreName && !coreParsed[hs[idx].Kind] &&
			!(c.coreFrom && hs[idx].Kind == HdrFrom) {
			// The header at tmp is a Parse header whose body the core
			// does not parse; the same holds for most that follow.
			ph := &hs[idx]
			end := m.headEnd
			if idx+1 < len(hs) {
				end = hs[idx+1].Offset
			}
			p := tmp + len(ph.Name) + 2
			if uint(p) >= uint(len(b)) || p >= end || b[p-1] != ' ' || lwsByte[b[p]] {
				goto general
			}
			// getHdrField with Parse's name, kind and end, inlined.
			if len(hdrs) < cap(hdrs) {
				hdrs = hdrs[:len(hdrs)+1]
			} else {
				hdrs = append(hdrs, coreHdr{})
			}
			h = &hdrs[len(hdrs)-1]
			h.start, h.kind, h.bodyStart = tmp, ph.Kind, p
			e := end
			for e > p && (b[e-1] == '\r' || b[e-1] == '\n' || b[e-1] == 0) {
				e--
			}
			h.bodyEnd = e
			next = end
			idx++
			goto record
		}
	general:
		if b[tmp] == '\n' || b[tmp] == '\r' {
			c.eoh = tmp
			break
		}
		{
			// Parse straight into the next slot: coreHdr is too big to
			// copy around per header. The slot is not cleared: getHdrField
			// sets the common fields, and the kind-specific ones (via, to,
			// cseq, cl) are set by their parser and only read for headers
			// of that kind.
			if len(hdrs) < cap(hdrs) {
				hdrs = hdrs[:len(hdrs)+1]
			} else {
				hdrs = append(hdrs, coreHdr{})
			}
			h = &hdrs[len(hdrs)-1]
			// A Parse header with a well-formed name directly followed by
			// ':' gives getHdrField its kind and end.
			kind, end, nameLen := -1, -1, 0
			if idx < len(hs) && hs[idx].Offset == tmp && hs[idx].coreName {
				kind, end, nameLen = int(hs[idx].Kind), lenientEnd(m, idx), len(hs[idx].Name)
			}
			var ok bool
			if next, ok = getHdrField(b, tmp, kind, end, nameLen, h, c.core52, c.coreFrom); !ok {
				hdrs = hdrs[:len(hdrs)-1]
				c.walkErr, c.errOff = true, tmp
				break
			}
		}
	record:
		bit := uint64(1) << h.kind
		if kinds&bit&dups != 0 {
			hdrs = hdrs[:len(hdrs)-1]
			c.walkErr, c.errOff = true, tmp
			break
		}
		// Checks that look for every header of a kind skip the list
		// when the kind is absent (or, for duplicates, single).
		if kinds&bit == 0 {
			if len(hdrs) <= 1<<15-1 {
				c.first[h.kind] = int16(len(hdrs))
			}
			if h.kind == HdrVia {
				c.via1 = len(hdrs) - 1
			}
		} else {
			twice |= bit
		}
		kinds |= bit
		tmp = next
	}
	c.hdrs, c.kinds, c.twice = hdrs, kinds, twice
}

// coreParsed marks the kinds whose body get_hdr_field() parses.
var coreParsed = func() (t [numHeaderKinds]bool) {
	for _, k := range []HeaderKind{HdrVia, HdrCSeq, HdrTo, HdrContentLength, HdrRetryAfter} {
		t[k] = true
	}
	return t
}()

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
//
// coreFrom: 6.0 moved From into get_hdr_field's parse_to_body (msg_parser.c,
// 5.8.7..6.0.7 diff), so a From that parse_to rejects is a bad header there.
func getHdrField(b []byte, tmp int, hint, end, nameLen int, h *coreHdr, core52, coreFrom bool) (next int, ok bool) {
	h.start = tmp
	var p int
	if hint < 0 && core52 {
		var ok bool
		if h.kind, p, ok = hname52(b, tmp); !ok {
			return tmp, false
		}
	} else if hint >= 0 {
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
	if hint >= 0 || !core52 {
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
	case HdrTo, HdrFrom:
		if h.kind == HdrFrom && !coreFrom {
			if end > p {
				next, ok = end, true
			} else {
				next, ok = skipHeaderBody(b, p)
			}
			break
		}
		if core52 {
			h.to, next, ok = parseAddrSpec52(b, p, len(b))
		} else {
			h.to, next, ok = parseAddrSpec(b, p, len(b))
		}
	case HdrContentLength:
		if core52 {
			h.cl, next, ok = parseContentLength52(b, p)
		} else {
			h.cl, next, ok = parseContentLength(b, p)
		}
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

package sipparse

import "bytes"

// Parse parses buf into m without copying and, once m's Headers array has
// grown to fit, without allocating. m is overwritten; its fields alias buf.
//
// Parse is lenient: a broken header never discards the message. Defects
// (LF-only line ends, header without colon, no blank line, ...) are recorded
// in m.Defects. The only errors are ErrEmpty and ErrNotSIP; even then m.Raw is
// set, so Engine.Judge still gives the Kamailio verdict (a core drop).
func Parse(buf []byte, m *Message) error {
	m.reset(buf)
	i := 0
	for i < len(buf) && isLeadingWS(buf[i]) {
		i++
	}
	if i == len(buf) {
		return ErrEmpty
	}
	if i > 0 {
		m.Defects |= DefectLeadingWhitespace
	}
	line, next := m.nextLine(i)
	m.startLineEnd = next
	if !m.parseStartLine(line) {
		return ErrNotSIP
	}
	lineNo := 2
	if i > 0 {
		lineNo += bytes.Count(buf[:i], lfByte)
	}
	m.parseHeaders(next, lineNo)
	m.checkContentLength()
	// Bare CR and NUL are rare: one vectorised pass over the header section
	// instead of a check per line.
	head := m.Raw[:len(m.Raw)-len(m.Body)]
	if bytes.Count(head, crByte) > m.crlfLines {
		m.Defects |= DefectBareCR
	}
	if bytes.IndexByte(head, 0) >= 0 {
		m.Defects |= DefectNUL
	}
	return nil
}

var crByte, lfByte = []byte{'\r'}, []byte{'\n'}

func isLeadingWS(c byte) bool {
	return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == 0
}

// nextLine returns the line starting at off without its line end, and the
// offset of the following line. It records LF-only, bare-CR and NUL defects.
func (m *Message) nextLine(off int) (line []byte, next int) {
	rest := m.Raw[off:]
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		line, next = rest, len(m.Raw)
	} else {
		line, next = rest[:nl], off+nl+1
		if nl == 0 || rest[nl-1] != '\r' {
			m.Defects |= DefectLFOnly
		}
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
		m.crlfLines++
	}
	return line, next
}

// parseStartLine fills the request or status line fields. It returns false
// when the line is not SIP at all.
func (m *Message) parseStartLine(line []byte) bool {
	if hasPrefixSIPSlash(line) {
		m.IsRequest = false
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			m.Version = line
			m.Defects |= DefectBadStartLine
			return true
		}
		m.Version = line[:sp]
		rest := line[sp+1:]
		code := rest
		if j := bytes.IndexByte(rest, ' '); j >= 0 {
			code, m.Reason = rest[:j], rest[j+1:]
		} else {
			m.Defects |= DefectBadStartLine
		}
		if len(code) != 3 || !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) {
			m.Defects |= DefectBadStartLine
		} else {
			m.StatusCode = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
		}
		return true
	}
	// Request: first field, last field, everything between is the URI.
	t := trimWS(line)
	first := indexSPHT(t)
	// Nearly every request line ends in " SIP/2.0": that space is then the
	// last one, found without a backward scan.
	last := len(t) - 8
	if last < 0 || t[last] != ' ' || !isSIP20(t[last+1:]) {
		last = lastIndexSPHT(t)
	}
	if first < 0 || first == last {
		m.Defects |= DefectBadStartLine
		return false
	}
	version := t[last+1:]
	if !hasPrefixSIPSlash(version) {
		m.Defects |= DefectBadStartLine
		return false
	}
	m.IsRequest = true
	m.Method, m.Version = t[:first], version
	m.RequestURI = trimWS(t[first+1 : last])
	if len(t) != len(line) || len(m.RequestURI) != last-first-1 || t[first] != ' ' || t[last] != ' ' {
		m.Defects |= DefectBadStartLine
	}
	return true
}

// parseHeaders splits the header section starting at off into m.Headers and
// sets m.Body. lineNo is the line number of the line at off.
//
// It is nextLine and finishHeader inlined, with the header list, the line
// counter and the defects kept in locals and written back once: this loop
// runs per header line of every message.
func (m *Message) parseHeaders(off, lineNo int) {
	raw, hs := m.Raw, m.Headers
	defects, crlf := m.Defects, m.crlfLines
	var vs, ve int // value span of the current header, for folding
	cur := -1
	// finish sets the value of header cur from its (possibly folded) span.
	finish := func() {
		if cur >= 0 && hs[cur].Kind != HdrMalformed {
			hs[cur].Value = trimWS(raw[vs:ve:ve])
		}
	}
	for {
		if off >= len(raw) {
			defects |= DefectNoBlankLine
			finish()
			break
		}
		start := off
		line, next := raw[off:], len(raw)
		if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
			if nl == 0 || line[nl-1] != '\r' {
				defects |= DefectLFOnly
			}
			line, next = line[:nl], off+nl+1
		}
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
			crlf++
		}
		if len(line) == 0 {
			finish()
			m.Body = raw[next:]
			m.headEnd = start
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && cur >= 0 {
			// Folded continuation of the previous header.
			defects |= DefectFolding
			if end := start + len(trimRightSP(line)); end > ve && len(trimWS(line)) > 0 {
				ve = end
			}
			off, lineNo = next, lineNo+1
			continue
		}
		finish()
		// Fill the next slot in place (Header is too big to copy per line).
		if n := len(hs); n < cap(hs) {
			hs = hs[:n+1]
		} else {
			hs = append(hs, Header{})
		}
		cur = len(hs) - 1
		h := &hs[cur]
		*h = Header{Line: lineNo, Offset: start}
		// A known name directly followed by ':' is found without a scan
		// (nameAt); others are scanned with the header-name byte table, and
		// in the common case the ':' follows and no second pass is needed.
		n, kind := nameAt(raw, start)
		if kind != HdrOther { // all header-name bytes, ':' at n
			h.Name, h.Kind, h.coreName = line[:n], kind, true
			v := line[n+1:]
			vs = start + n + 1 + len(v) - len(trimLeftSP(v))
			ve = max(start+len(trimRightSP(line)), vs)
			off, lineNo = next, lineNo+1
			continue
		}
		k := 0
		for k < len(line) && hnameChars[line[k]] {
			k++
		}
		colon := -1
		if k < len(line) && line[k] == ':' {
			colon = k
		} else if i := bytes.IndexByte(line[k:], ':'); i >= 0 {
			colon = k + i
		}
		if colon < 0 {
			defects |= DefectNoColon
			h.Name, h.Kind = trimWS(line), HdrMalformed
			vs, ve = start+len(line), start+len(line)
		} else {
			h.Name = trimRightSP(line[:colon])
			if k != len(h.Name) || k == 0 {
				defects |= DefectBadHeaderName
			}
			h.coreName = k == colon && k > 0
			if len(h.Name) == n { // nameAt looked this name up
				h.Kind = kind
			} else {
				h.Kind = kindIn(raw, start, len(h.Name))
			}
			v := line[colon+1:]
			vs = start + colon + 1 + len(v) - len(trimLeftSP(v))
			ve = max(start+len(trimRightSP(line)), vs)
		}
		off, lineNo = next, lineNo+1
	}
	m.Headers, m.Defects, m.crlfLines = hs, defects, crlf
}

// checkContentLength flags a Content-Length that is not digits only or that
// disagrees with the body length.
func (m *Message) checkContentLength() {
	v := m.Get(HdrContentLength)
	if v == nil {
		return
	}
	n, ok := atoiDigits(v)
	if !ok || n != len(m.Body) {
		m.Defects |= DefectContentLength
	}
}

// indexByteNear is bytes.IndexByte for a byte usually found within a few
// bytes (the '=' after a parameter name, the ',' after a value): a loop
// over the first 16 avoids the call and set-up of the vector search.
func indexByteNear(b []byte, c byte) int {
	n := min(len(b), 16)
	for i := 0; i < n; i++ {
		if b[i] == c {
			return i
		}
	}
	if len(b) > n {
		if j := bytes.IndexByte(b[n:], c); j >= 0 {
			return n + j
		}
	}
	return -1
}

// indexSPHT is bytes.IndexAny(b, " \t") without building a byte set per
// call.
func indexSPHT(b []byte) int {
	for i, c := range b {
		if c == ' ' || c == '\t' {
			return i
		}
	}
	return -1
}

// lastIndexSPHT is bytes.LastIndexAny(b, " \t").
func lastIndexSPHT(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ' ' || b[i] == '\t' {
			return i
		}
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// atoiDigits parses a non-empty all-digit decimal; ok is false on anything
// else or on overflow past 1<<31.
func atoiDigits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < 1<<31
}

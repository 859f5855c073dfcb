package sipparse

import "bytes"

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

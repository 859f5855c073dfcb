package sipparse

import (
	"encoding/binary"
)

// viaInfo is what the engine needs from the first via-parm of a Via header.
type viaInfo struct {
	hostLen   int
	branch    []byte // value of the branch parameter (nil if absent)
	hasBranch bool
}

// parseVia approximates Kamailio's parse_via() (src/core/parser/parse_via.c)
// on buf[off:]: "SIP" / "2.0" / transport, host (name or [IPv6]), optional
// port, parameters, comments, comma-separated further via-parms, and the end
// of the header line (a line end not followed by SP/HT). It returns the info
// of the first via-parm, the offset of the next header and ok=false where
// Kamailio reports a bad Via.
func parseVia(buf []byte, off int) (info viaInfo, next int, ok bool) {
	if info, next, ok := plainVia(buf, off); ok {
		return info, next, true
	}
	return parseViaFull(buf, off)
}

// parseViaFull is parseVia's port of parse_via() for every shape.
func parseViaFull(buf []byte, off int) (info viaInfo, next int, ok bool) {
	p := off
	first := true
	for {
		p = viaLWS(buf, p)
		if viaProtoPrefix(buf, p) {
			// "SIP/2.0/" without whitespace inside: the common case, read
			// as one word; viaProto gives the same offset for it.
			p = viaLWS(buf, p+8)
		} else if p, ok = viaProto(buf, p); !ok {
			return info, p, false
		}
		t := p
		for uint(p) < uint(len(buf)) && !lwsByte[buf[p]] {
			p++
		}
		if !viaTransport(buf[t:p]) {
			return info, p, false
		}
		q := viaLWS(buf, p)
		if q == p {
			return info, p, false // transport must be followed by whitespace
		}
		p = q
		// host
		h := p
		if p < len(buf) && buf[p] == '[' {
			for p < len(buf) && buf[p] != ']' {
				switch buf[p] {
				case ',', ';', '[', '(', ')', ' ', '\t', '\r', '\n', 0:
					if p > h {
						return info, p, false // bad IPv6 reference
					}
				}
				p++
			}
			if p >= len(buf) || buf[p] != ']' {
				return info, p, false
			}
			p++
		} else {
			for uint(p) < uint(len(buf)) && !viaHostStop[buf[p]] {
				p++
			}
		}
		if p == h {
			return info, p, false
		}
		if first {
			info.hostLen = p - h
		}
		p = viaLWS(buf, p)
		if p < len(buf) && buf[p] == ':' {
			p = viaLWS(buf, p+1)
			d := p
			for uint(p) < uint(len(buf)) && !viaPortStop[buf[p]] {
				p++
			}
			if p == len(buf) && p > d {
				// The port text is only converted when the port ends; a Via
				// that ends the buffer inside a port is accepted as is
				// (verified: "h:o" at the end of the message passes).
				return info, p, true
			}
			if p == d || p-d > 5 || !allDigits(buf[d:p]) {
				return info, p, false
			}
			p = viaLWS(buf, p)
		}
		// parameters, then comments: parse_via opens a comment after the
		// host, the port or a parameter, with or without whitespace before
		// it, nests parentheses, and after a comment takes only whitespace,
		// further comments, ',' or the end of the header (verified on
		// 5.6.3: "h (c)", "h:1(c)", "h (c(d)) (e)" pass; "h (c);x=1",
		// "h (c", "h (c))" are dropped).
		for p < len(buf) && buf[p] == ';' {
			var val []byte
			var hasVal, isBranch, ok bool
			p, val, hasVal, isBranch, ok = parseViaParam(buf, p+1)
			if !ok {
				return info, p, false
			}
			if first && isBranch {
				info.hasBranch = true
				if hasVal {
					info.branch = val
				}
			}
			p = viaLWS(buf, p)
		}
		for p < len(buf) && buf[p] == '(' {
			if p, ok = viaComment(buf, p); !ok {
				return info, p, false
			}
			p = viaLWS(buf, p)
		}
		if p < len(buf) && buf[p] == ',' {
			// F_VIA eats further commas and whitespace: empty via-parms
			// (",," and ", ,") are skipped, though a Via still may not end
			// after a comma (verified on 5.2.3, 5.6.3, 6.1.4).
			first = false
			for p < len(buf) && buf[p] == ',' {
				p = viaLWS(buf, p+1)
			}
			continue
		}
		// A NUL ends the Via where it stands (parse_via's main loop is
		// NUL-terminated); the next header then starts at the NUL.
		if p < len(buf) && buf[p] == 0 {
			return info, p, true
		}
		// End of header: CR, LF or CRLF (a lone CR ends the Via too; the next
		// header starts right after it). Kamailio also accepts the end of the
		// buffer here.
		if p >= len(buf) {
			return info, p, true
		}
		if buf[p] == '\r' || buf[p] == '\n' {
			return info, lineEnd(buf, p), true
		}
		return info, p, false
	}
}

// viaComment reads the comment opening at buf[p] ('('), nested parentheses
// counted as parse_via counts them, and returns the offset after its ')';
// ok is false when the buffer ends first.
func viaComment(buf []byte, p int) (int, bool) {
	nest := 0
	for ; p < len(buf); p++ {
		switch buf[p] {
		case '(':
			nest++
		case ')':
			if nest--; nest == 0 {
				return p + 1, true
			}
		}
	}
	return p, false
}

// viaProto reads "SIP" / "2.0" / at p, whitespace and folds allowed around
// the slashes, and returns the offset of the transport.
func viaProto(buf []byte, p int) (int, bool) {
	if !hasPrefixFold(buf[p:], "SIP") {
		return p, false
	}
	p = viaLWS(buf, p+3)
	if p >= len(buf) || buf[p] != '/' {
		return p, false
	}
	p = viaLWS(buf, p+1)
	if !hasPrefixFold(buf[p:], "2.0") {
		return p, false
	}
	p = viaLWS(buf, p+3)
	if p >= len(buf) || buf[p] != '/' {
		return p, false
	}
	return viaLWS(buf, p+1), true
}

// viaProtoPrefix reports whether b[p:] starts with "SIP/2.0/", the letters
// in any case.
func viaProtoPrefix(b []byte, p int) bool {
	if p+8 > len(b) {
		return false
	}
	// (x | 0x20) == 's' only for 's' and 'S'; the other bytes must match.
	const want, fold = 0x2f302e322f706973, 0x0000000000202020 // "sip/2.0/" little-endian
	return binary.LittleEndian.Uint64(b[p:p+8])|fold == want
}

// skipLWS skips SP, HT and folded line ends (CRLF or LF followed by SP/HT).
// The check for a byte that ends the skip at once is inlined at the call
// sites; the loop is not (most calls skip nothing or one SP).
func skipLWS(b []byte, p int) int {
	if p < len(b) && !lwsByte[b[p]] {
		return p
	}
	return skipLWSRun(b, p)
}

func skipLWSRun(b []byte, p int) int {
	for p < len(b) {
		switch {
		case b[p] == ' ' || b[p] == '\t':
			p++
		case b[p] == '\n' && p+1 < len(b) && (b[p+1] == ' ' || b[p+1] == '\t'):
			p += 2
		case b[p] == '\r' && p+2 < len(b) && b[p+1] == '\n' && (b[p+2] == ' ' || b[p+2] == '\t'):
			p += 3
		default:
			return p
		}
	}
	return p
}

// lineEnd returns the offset after the line end (CR, LF or CRLF) at p.
func lineEnd(b []byte, p int) int {
	if b[p] == '\r' && p+1 < len(b) && b[p+1] == '\n' {
		return p + 2
	}
	return p + 1
}

// viaLWS skips SP, HT and line ends followed by SP/HT. Unlike the core's
// eat_lws_end, parse_via also treats a lone CR as a line end. Like skipLWS,
// the common no-op case is inlined.
func viaLWS(b []byte, p int) int {
	if p < len(b) && !lwsByte[b[p]] {
		return p
	}
	return viaLWSRun(b, p)
}

func viaLWSRun(b []byte, p int) int {
	for p < len(b) {
		switch b[p] {
		case ' ', '\t':
			p++
		case '\r', '\n':
			q := lineEnd(b, p)
			if q < len(b) && (b[q] == ' ' || b[q] == '\t') {
				p = q + 1
				continue
			}
			return p
		default:
			return p
		}
	}
	return p
}

// viaPortStop ends the port digits of a Via.
var viaPortStop = byteSet(" \t\r\n;,()\x00")

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// viaTransport mirrors parse_via's transport automaton: UDP, TCP, TLS,
// SCTP, WS, WSS and any other token (PROTO_OTHER) are accepted, except that
// a token may not start with a letter the automaton only expects later in a
// keyword (P, I, D, C, L, or '2', '.', '0'), nor contain '/'.
func viaTransport(t []byte) bool {
	if len(t) == 0 {
		return false
	}
	for _, c := range t { // a loop: tokens are too short for IndexByte
		if c == '/' {
			return false
		}
	}
	switch lower(t[0]) {
	case 'p', 'i', 'd', 'c', 'l', '2', '.', '0':
		return false
	}
	return true
}

// parseViaParam ports parse_via_param() from just after a ';'. It returns
// the offset after the parameter, its value, whether it had one, whether it
// is "branch", and ok=false where Kamailio fails.
func parseViaParam(buf []byte, p int) (next int, val []byte, hasVal, isBranch, ok bool) {
	p = viaLWS(buf, p)
	if p < len(buf) {
		switch buf[p] {
		case ':', '[', ']', '(', ')', 0:
			// parse_via's main automaton rejects these as a parameter's
			// first byte (verified on 5.6.3)
			return p, nil, false, false, false
		}
	}
	n := p
	for uint(p) < uint(len(buf)) && !viaNameStop[buf[p]] {
		p++
	}
	if p >= len(buf) {
		return p, nil, false, false, false // end of buffer inside a parameter
	}
	name := buf[n:p]
	if len(name) == 0 {
		return p, nil, false, false, false // ";;" or ";=" (5.6.3 rejects both)
	}
	// Kind of parameter, as the name automaton classifies it. The known
	// names are letters only and at most eight bytes, so one folded word
	// compares them (see foldedWord).
	var needValue, noValue, rport bool
	if len(name) <= 8 {
		switch foldedWord(buf, n, len(name)) {
		case viaParamI, viaParamTTL, viaParamMaddr, viaParamReceived:
			needValue = true
		case viaParamBranch:
			isBranch, needValue = true, true
		case viaParamAlias, viaParamHidden:
			noValue = true
		case viaParamRport:
			rport = true
		}
	}
	generic := !needValue && !noValue && !rport
	c := buf[p]
	switch {
	case c == ';' || c == ',':
		return p, nil, false, isBranch, !needValue
	case c == '=':
		if noValue || len(name) == 0 {
			return p, nil, false, isBranch, false
		}
		p++
	default: // whitespace: look for '=' (L_VALUE)
		if noValue {
			return p, nil, false, isBranch, true
		}
		q := viaLWS(buf, p)
		if q >= len(buf) {
			return q, nil, false, isBranch, false
		}
		switch buf[q] {
		case '=':
			p = q + 1
		case ';':
			return q, nil, false, isBranch, true
		case ',':
			return q, nil, false, isBranch, rport
		case '\r', '\n':
			return q, nil, false, isBranch, generic || rport
		default:
			return q, nil, false, isBranch, false
		}
	}
	// F_VALUE
	p = spaceEnd(buf, p)
	if p >= len(buf) {
		return p, nil, true, isBranch, false
	}
	switch c := buf[p]; {
	case c == ';':
		return p, buf[p:p], true, isBranch, true
	case c == '\r' || c == '\n':
		return p, buf[p:p], true, isBranch, generic || rport
	case c == ',':
		return p, nil, true, isBranch, false
	case c == '"':
		return viaQuoted(buf, p, isBranch, generic || rport)
	}
	v := p
	for uint(p) < uint(len(buf)) && viaValueClass[buf[p]] == 0 {
		p++
	}
	if p >= len(buf) {
		return p, nil, true, isBranch, false // end of buffer inside a value
	}
	if viaValueClass[buf[p]] == 1 {
		return p, buf[v:p], true, isBranch, true
	}
	return p, nil, true, isBranch, false
}

// viaQuoted reads the quoted value opening at buf[p]. parse_via_param's
// P_STRING state takes every byte but a line end that is not folded: there
// an unterminated string ends the header, which is accepted for a generic
// parameter or rport (openOK) as a value-less end of the Via (verified on
// 5.6.3: `;x="abc` CRLF passes, `;branch="abc` CRLF is dropped).
func viaQuoted(buf []byte, p int, isBranch, openOK bool) (next int, val []byte, hasVal, branch, ok bool) {
	for q := p + 1; q < len(buf); q++ {
		switch buf[q] {
		case '"':
			return q + 1, buf[p+1 : q], true, isBranch, true
		case '\r', '\n':
			e := q + 1
			if buf[q] == '\r' && e < len(buf) && buf[e] == '\n' {
				e++
			}
			if e < len(buf) && (buf[e] == ' ' || buf[e] == '\t') {
				q = e // folded: the string goes on
				continue
			}
			if e >= len(buf) {
				return len(buf), nil, true, isBranch, false
			}
			return q, nil, true, isBranch, openOK
		}
	}
	return len(buf), nil, true, isBranch, false
}

// The Via parameter names parse_via_param knows, as foldedWord gives them.
var (
	viaParamI        = foldedWord([]byte("i"), 0, 1)
	viaParamTTL      = foldedWord([]byte("ttl"), 0, 3)
	viaParamMaddr    = foldedWord([]byte("maddr"), 0, 5)
	viaParamAlias    = foldedWord([]byte("alias"), 0, 5)
	viaParamRport    = foldedWord([]byte("rport"), 0, 5)
	viaParamBranch   = foldedWord([]byte("branch"), 0, 6)
	viaParamHidden   = foldedWord([]byte("hidden"), 0, 6)
	viaParamReceived = foldedWord([]byte("received"), 0, 8)
)

// foldedWord returns the n <= 8 bytes at b[off:] as a little-endian word
// with 0x20 set in each byte and zero above them. Two such words are equal
// exactly when the texts have the same length and, if one is made of
// letters only, are equal case-insensitively: for a letter L, x|0x20 == L
// only for x = L and its upper case (and no byte folds to zero).
func foldedWord(b []byte, off, n int) uint64 {
	var w uint64
	if off+8 <= len(b) {
		w = binary.LittleEndian.Uint64(b[off : off+8])
	} else {
		for i := n - 1; i >= 0; i-- {
			w = w<<8 | uint64(b[off+i])
		}
	}
	return (w | 0x2020202020202020) & (uint64(1)<<(8*uint(n)) - 1)
}

// viaHostStop: parse_via's host state accepts any byte but its delimiters
// (verified on 5.6.3 with '@' and 8-bit bytes).
var viaHostStop = byteSet(" \t\r\n:;,()[]\x00")

// isTokenChar is RFC 3261 token: alphanum / "-" / "." / "!" / "%" / "*" /
// "_" / "+" / "`" / "'" / "~".
func isTokenChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

package sipparse

// Byte classes for the fast paths: bytes that leave the parser state
// unchanged in the given state (derived from the switch cases below).
var (
	addrURIPlain    = plainExcept(" \t\r\n\x00\\<>\"")
	addrQuotedPlain = plainExcept("\"\\\r\n\x00")
	addrTokenPlain  = plainExcept(" \t\r\n\x00\\<>\";")
	paramValuePlain = plainExcept(" \t\r\n\x00\\\";=,")
)

func plainExcept(special string) (t [256]bool) {
	for i := range t {
		t[i] = true
	}
	for i := 0; i < len(special); i++ {
		t[special[i]] = false
	}
	return t
}

// addrSpec is what the engine needs from Kamailio's to_body.
type addrSpec struct {
	uriStart, uriEnd int  // URI span in the buffer
	tags             int  // number of parameters of type tag
	tagSet           bool // to_b->tag_value.s != NULL after parsing
}

// parseAddrSpec is a port of Kamailio's parse_addr_spec()/parse_to_param()
// (src/core/parser/parse_addr_spec.c, used by parse_to for To and From) on
// b[start:end], commas not treated as separators. It returns the offset where
// parsing stopped (the next header when end is the message end) and ok=false
// where Kamailio sets PARSE_ERROR. The state machine is kept as in C because
// its quirks decide verdicts: a backslash outside a quoted display name is an
// error, a display name needs '<', "tag" is matched case-insensitively.
func parseAddrSpec(b []byte, start, end int) (res addrSpec, next int, ok bool) {
	if res, next, ok := plainAddrSpec(b[:end], start); ok {
		return res, next, true
	}
	return parseAddrSpecStates(b, start, end)
}

// plainAddrSpec takes the shape of nearly every To and From body:
// ["display" SP*] "<" uri ">" [";tag=" value] CRLF, or a CR that ends b
// (From is parsed over its body plus one byte). ok is false for anything
// else, and parseAddrSpec runs the state machine; for what it takes, its
// result is the state machine's (TestPlainAddrSpecAgreesWithStates), in a
// few short loops instead of a state switch per byte.
func plainAddrSpec(b []byte, start int) (res addrSpec, next int, ok bool) {
	p := start
	if p < len(b) && b[p] == '"' {
		p++
		for uint(p) < uint(len(b)) && addrQuotedPlain[b[p]] {
			p++
		}
		if p >= len(b) || b[p] != '"' {
			return res, 0, false
		}
		p++
		for p < len(b) && (b[p] == ' ' || b[p] == '\t') {
			p++
		}
	}
	// A ';' right after '<' is an error for the state machine.
	if p+1 >= len(b) || b[p] != '<' || !addrURIPlain[b[p+1]] || b[p+1] == ';' {
		return res, 0, false
	}
	res.uriStart = p + 1
	p += 2
	for uint(p) < uint(len(b)) && addrURIPlain[b[p]] {
		p++
	}
	if p >= len(b) || b[p] != '>' {
		return res, 0, false
	}
	res.uriEnd = p
	p++
	tag := p+5 < len(b) && b[p] == ';' && lower(b[p+1]) == 't' && lower(b[p+2]) == 'a' && lower(b[p+3]) == 'g' &&
		b[p+4] == '=' && paramValuePlain[b[p+5]]
	if tag {
		p += 6
		for uint(p) < uint(len(b)) && paramValuePlain[b[p]] {
			p++
		}
		res.tags, res.tagSet = 1, true
	}
	if p >= len(b) || b[p] != '\r' {
		return res, 0, false
	}
	if p+1 == len(b) {
		return res, p + 1, true
	}
	if b[p+1] != '\n' {
		return res, 0, false
	}
	// The next line must start another header for the state machine too:
	// SP/HT folds, and NUL, '\\' and (after a parameter) ',' are errors.
	next = p + 2
	if next < len(b) {
		switch b[next] {
		case ' ', '\t', 0, '\\':
			return res, 0, false
		case ',':
			if tag {
				return res, 0, false
			}
		}
	}
	return res, next, true
}

// parseAddrSpecStates is parseAddrSpec's port of the state machine.
func parseAddrSpecStates(b []byte, start, end int) (res addrSpec, next int, ok bool) {
	return parseAddrSpecRules(b, start, end, false)
}

// parseAddrSpecRules is parseAddrSpecStates; lax52 selects 5.2's
// parse_to_param (see parseAddrSpec52 in nameaddr_52.go).
func parseAddrSpecRules(b []byte, start, end int, lax52 bool) (res addrSpec, next int, ok bool) {
	const (
		startTo = iota
		displayQuoted
		eDisplayQuoted
		displayToken
		displayTokenSP
		sURIEnclosed
		uriEnclosed
		eURIEnclosed
		uriOrToken
		maybeURIEnd
		stEnd
		fCR
		fLF
		fCRLF
		ePara = 100 // returned by the parameter parser
	)
	status, saved := startTo, startTo
	foo := -1
	res.uriStart = -1
	// Offsets stay those of b; cutting b at end and comparing as uint lets
	// the compiler drop the bounds checks of the byte loops.
	b = b[:end]
	tmp := start
	for ; uint(tmp) < uint(len(b)); tmp++ {
		// Fast path: inside <uri>, "display", a bare URI or a display
		// token most bytes change nothing; skip their runs.
		switch status {
		case uriEnclosed:
			for uint(tmp) < uint(len(b)) && addrURIPlain[b[tmp]] {
				tmp++
			}
		case displayQuoted:
			for uint(tmp) < uint(len(b)) && addrQuotedPlain[b[tmp]] {
				tmp++
			}
		case uriOrToken, displayToken:
			for uint(tmp) < uint(len(b)) && addrTokenPlain[b[tmp]] {
				tmp++
			}
		}
		if uint(tmp) >= uint(len(b)) {
			break
		}
		c := b[tmp]
		switch c {
		case ' ', '\t':
			switch status {
			case fCRLF, fLF, fCR:
				status = saved
			case uriEnclosed:
				res.uriEnd = tmp
				status = eURIEnclosed
			case uriOrToken:
				foo, status = tmp, maybeURIEnd
			case displayToken:
				foo, status = tmp, displayTokenSP
			}
		case '\n', '\r':
			switch status {
			case uriOrToken, maybeURIEnd, displayTokenSP, eDisplayQuoted, stEnd:
				if status == uriOrToken {
					foo, status = tmp, maybeURIEnd
				}
				saved = status
				if c == '\n' {
					status = fLF
				} else {
					status = fCR
				}
			case displayToken:
				foo, saved = tmp, displayTokenSP
				if c == '\n' {
					status = fLF
				} else {
					status = fCR
				}
			case fCR:
				if c == '\n' {
					status = fCRLF
				} else {
					status = saved
					goto endOfHeader
				}
			case fCRLF, fLF:
				status = saved
				goto endOfHeader
			default:
				return res, tmp, false
			}
		case 0:
			switch status {
			case uriOrToken, maybeURIEnd:
				res.uriEnd = tmp
				fallthrough
			case stEnd:
				saved, status = stEnd, stEnd
				goto endOfHeader
			default:
				return res, tmp, false
			}
		case '\\':
			if status != displayQuoted {
				return res, tmp, false
			}
			tmp++
		case '<':
			switch status {
			case startTo, eDisplayQuoted, uriOrToken, displayToken, displayTokenSP, maybeURIEnd:
				status = sURIEnclosed
			case displayQuoted:
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return res, tmp, false
			}
		case '>':
			switch status {
			case displayQuoted:
			case uriEnclosed:
				res.uriEnd = tmp
				status, foo = stEnd, -1
			case eURIEnclosed:
				status, foo = stEnd, -1
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return res, tmp, false
			}
		case '"':
			switch status {
			case startTo:
				status = displayQuoted
			case displayQuoted:
				status = eDisplayQuoted
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return res, tmp, false
			}
		case ';':
			switch status {
			case displayQuoted, uriEnclosed:
			case uriOrToken, maybeURIEnd, stEnd:
				if status == uriOrToken {
					foo = tmp
				}
				if status != stEnd {
					res.uriEnd = foo
				}
				var pok bool
				tmp, saved, pok = parseToParams(b, tmp, end, &res, lax52)
				if !pok {
					return res, tmp, false
				}
				status = saved
				goto endOfHeader
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return res, tmp, false
			}
		default:
			switch status {
			case startTo:
				res.uriStart = tmp
				status = uriOrToken
			case sURIEnclosed:
				res.uriStart = tmp
				status = uriEnclosed
			case maybeURIEnd, displayTokenSP:
				status = displayToken
			case displayQuoted, displayToken, uriEnclosed, uriOrToken:
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return res, tmp, false
			}
		}
	}
	switch status {
	case uriOrToken, maybeURIEnd, stEnd:
		saved = status
		foo = tmp
	}
endOfHeader:
	switch saved {
	case uriOrToken, maybeURIEnd:
		res.uriEnd = foo
	case stEnd, ePara:
	default:
		return res, tmp, false
	}
	if res.uriStart < 0 || res.uriEnd < res.uriStart {
		res.uriStart, res.uriEnd = tmp, tmp
	}
	return res, tmp, true
}

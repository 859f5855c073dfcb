package sipparse

// plainVia takes the shape of nearly every Via header:
//
//	SIP/2.0/transport SP host [":" port] *(";" name ["=" value]) CRLF
//
// one via-parm, the host letters, digits, '.' and '-', names and values
// RFC 3261 token characters, and the next line not a continuation. For what
// it takes, the result is parseVia's (TestPlainViaAgreesWithParseVia); ok is
// false for anything else, including every Via parseVia would reject, and
// parseVia then runs the full port. It costs a few short loops instead of
// a call, a classification and whitespace skips per parameter.
func plainVia(b []byte, p int) (info viaInfo, next int, ok bool) {
	if !viaProtoPrefix(b, p) {
		return info, 0, false
	}
	p += 8
	t := p
	for uint(p) < uint(len(b)) && isAlnum(b[p]) {
		p++
	}
	if p+1 >= len(b) || b[p] != ' ' || !viaTransport(b[t:p]) {
		return info, 0, false
	}
	p++
	h := p
	for uint(p) < uint(len(b)) && uriHostPlain[b[p]] {
		p++
	}
	if p == h || p >= len(b) {
		return info, 0, false
	}
	info.hostLen = p - h
	if b[p] == ':' {
		p++
		d := p
		for uint(p) < uint(len(b)) && isDigit(b[p]) {
			p++
		}
		if p == d || p-d > 5 {
			return info, 0, false
		}
	}
	for p < len(b) && b[p] == ';' {
		p++
		n := p
		for uint(p) < uint(len(b)) && viaTokenPlain[b[p]] {
			p++
		}
		if p == n || p >= len(b) {
			return info, 0, false
		}
		var needValue, isBranch bool
		if p-n <= 8 {
			switch foldedWord(b, n, p-n) {
			case viaParamI, viaParamTTL, viaParamMaddr, viaParamReceived:
				needValue = true
			case viaParamBranch:
				isBranch, needValue = true, true
			case viaParamAlias, viaParamHidden:
				return info, 0, false // must not have a value; parseVia decides
			}
		}
		switch b[p] {
		case '=':
			p++
			v := p
			for uint(p) < uint(len(b)) && viaTokenPlain[b[p]] {
				p++
			}
			if p == v || p >= len(b) || b[p] != ';' && b[p] != '\r' {
				return info, 0, false
			}
			if isBranch {
				info.hasBranch, info.branch = true, b[v:p]
			}
		case ';', '\r':
			if needValue {
				return info, 0, false
			}
		default:
			return info, 0, false
		}
	}
	if p+1 >= len(b) || b[p] != '\r' || b[p+1] != '\n' {
		return info, 0, false
	}
	if p+2 < len(b) && (b[p+2] == ' ' || b[p+2] == '\t') {
		return info, 0, false // a continuation line: more via-parms may follow
	}
	return info, p + 2, true
}

// viaTokenPlain marks RFC 3261 token characters: never a delimiter of a
// Via parameter name or value, nor a byte parse_via refuses in one.
var viaTokenPlain = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isTokenChar(byte(c))
	}
	return t
}()

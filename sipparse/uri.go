package sipparse

import "encoding/binary"

// uriInfo is what the sanity engine needs from Kamailio's parse_uri().
type uriInfo struct {
	hasLR bool // an "lr" parameter is present (master's rfc3261 check)
}

// parseURI reports whether Kamailio's core parse_uri() (src/core/parser/
// parse_uri.c) accepts b. It is a port of that state machine reduced to the
// states that decide acceptance: the many parameter sub-states of the C code
// (transport, ttl, user, method, maddr, lr, r2, gr, comp) behave exactly like
// its generic parameter state for acceptance, so they are folded into one.
//
// strictHost selects the host-character check added after 5.6 (host must
// start alphanumeric and contain only alnum, '.', '-'); 5.2/5.6 accept any
// byte in a host except the delimiters.
//
// Why not sipgo's sip.ParseUri: it accepts any scheme, accepts empty hosts,
// does not limit the port to 5 digits, and allocates; Kamailio's answer
// differs on exactly the inputs sanity check 2/1024 exists for.
func parseURI(b []byte, strictHost bool) (uriInfo, bool) {
	if plainSIPURI(b) {
		return uriInfo{}, true
	}
	return parseURIStates(b, strictHost)
}

// plainSIPURI reports whether b is "sip:" (any case) followed by a host, or
// by a user, '@' and a host whose first byte is a letter or digit and the
// rest letters, digits, '.' and '-', optionally followed by ':' and up to
// five digits no greater than 65535. That is most URIs in real traffic, and
// parseURIStates accepts every one of them with either host rule and
// without an lr parameter; this check costs a few short loops instead of a
// state switch per byte. It never rejects: false means "ask the state
// machine" (TestPlainSIPURIAgreesWithStates).
func plainSIPURI(b []byte) bool {
	// "sip:" with the letters in any case: x|0x20 equals a lower-case
	// letter only for that letter in either case; ':' must match as is.
	if len(b) < 5 || binary.LittleEndian.Uint32(b)|0x00202020 != 0x3a706973 {
		return false
	}
	// The user part, or the whole host when no '@' follows: the state
	// machine leaves its user state only for one of "@:;?[]".
	j := 4
	for uint(j) < uint(len(b)) && uriUserPlain[b[j]] {
		j++
	}
	if j == len(b) {
		return true // a host of user-part bytes (b[4] is one of them)
	}
	if b[j] != '@' || j == 4 {
		return false
	}
	h := j + 1
	if h >= len(b) || !isAlnum(b[h]) {
		return false
	}
	k := h + 1
	for uint(k) < uint(len(b)) && uriHostPlain[b[k]] {
		k++
	}
	if k == len(b) {
		return true
	}
	if b[k] != ':' || len(b)-(k+1) > 5 {
		return false
	}
	port := 0
	for _, c := range b[k+1:] {
		if !isDigit(c) {
			return false
		}
		port = port*10 + int(c-'0')
	}
	return port <= 65535
}

// maddrPrefixEnd reports whether b's last parameter is "ma", "mad", "madd",
// "maddr" or "maddr=" (any case): parse_uri's end-of-input switch lists
// every parameter sub-state but the maddr ones (PMA_A .. PMA_eq), so such
// a URI ends in error_bug (parse_uri.c of 5.2.3, 5.6.3, 5.8.7 and 6.1.4;
// "sip:1001@example.com;maddr=" is a Bad Request URI on the real 5.6.3).
func maddrPrefixEnd(b []byte) bool {
	i := len(b) - 1
	for i >= 0 && len(b)-i <= 7 && b[i] != ';' {
		i--
	}
	if i < 0 || b[i] != ';' {
		return false
	}
	t := b[i+1:]
	if len(t) < 2 || len(t) > 6 {
		return false
	}
	return equalFold(t, "maddr="[:len(t)])
}

// parseURIStates is parseURI's port of the parse_uri() state machine.
func parseURIStates(b []byte, strictHost bool) (uriInfo, bool) {
	return parseURIRules(b, strictHost, false)
}

// parseURIRules is parseURIStates; lax52 drops the two checks 5.2's
// parse_uri does not have (see parseURI52).
func parseURIRules(b []byte, strictHost, lax52 bool) (uriInfo, bool) {
	const (
		sInit = iota
		sUser
		sPassword
		sPasswordAlpha
		sHost
		sHostP
		sHost6P
		sHost6End
		sPort
		sParam  // start of a parameter name
		sParamP // inside a parameter name or value
		sHeaders
	)
	var info uriInfo
	if len(b) < 5 {
		return info, false
	}
	p := 4
	urn, tel := false, false
	switch {
	case equalFold(b[:4], "sip:"):
	case equalFold(b[:4], "tel:"):
		tel = true
	case equalFold(b[:4], "sips"):
		if b[4] != ':' {
			return info, false
		}
		p = 5
	case equalFold(b[:4], "urn:"):
		urn = true
	default:
		return info, false
	}
	state := sInit
	foundUser := false
	pass := -1
	errorHeaders := false
	portLen := 0
	portStart := 0
	portNo := 0      // accumulated like case_port(); Kamailio 5.6 rejects > 65535
	paramStart := -1 // start of the current parameter name
	leadingAt := false
	s := p
	// stillAtUser handles '@' seen after we thought the user part was over.
	stillAtUser := func(i int) bool {
		if foundUser {
			return false
		}
		info = uriInfo{}
		leadingAt = false
		s = i + 1
		foundUser = true
		errorHeaders = false
		state = sHost
		pass = -1
		return true
	}
	endParam := func(i int) {
		if paramStart >= 0 && i-paramStart == 2 && equalFold(b[paramStart:i], "lr") {
			info.hasLR = true
		}
		paramStart = -1
	}
	for i := p; i < len(b); i++ {
		// Runs of bytes that leave the state unchanged (most of a URI)
		// are skipped without going through the state switch.
		switch state {
		case sUser:
			for uint(i) < uint(len(b)) && uriUserPlain[b[i]] {
				i++
			}
		case sHostP:
			for uint(i) < uint(len(b)) && uriHostPlain[b[i]] {
				i++
			}
		case sParamP:
			for uint(i) < uint(len(b)) && uriParamPlain[b[i]] {
				i++
			}
		}
		if uint(i) >= uint(len(b)) {
			break
		}
		c := b[i]
		switch state {
		case sInit:
			switch c {
			case '[':
				state, s = sHost6P, i
			case ']', ':':
				return info, false
			case '@':
				// "sip:@user@host" is accepted; see the final check.
				leadingAt = true
				state = sUser
			default:
				state = sUser
			}
		case sUser:
			switch c {
			case '@':
				leadingAt = false
				state, foundUser, s = sHost, true, i+1
			case ':':
				state, s = sPassword, i+1
			case ';':
				state, s = sParam, i+1
			case '?':
				state, s = sHeaders, i+1
			case '[', ']':
				return info, false
			}
		case sPassword:
			switch {
			case c == '@':
				portNo, leadingAt = 0, false
				state, foundUser, s = sHost, true, i+1
			case c == ';' || c == '?':
				// host:port without user; the host is the text before ':'
				portLen = i - s
				foundUser, s = true, i+1
				state = sParam
				if c == '?' {
					state = sHeaders
				}
			case isDigit(c):
				if portNo = portNo*10 + int(c-'0'); portNo > 65535 && !lax52 {
					return info, false
				}
			case c == '[' || c == ']' || c == ':':
				return info, false
			default:
				portNo = 0
				state = sPasswordAlpha
			}
		case sPasswordAlpha:
			switch c {
			case '@':
				leadingAt = false
				state, foundUser, s = sHost, true, i+1
			case ';', '?', '[', ']', ':':
				return info, false
			}
		case sHost:
			if c == '[' {
				state = sHost6P
				break
			}
			if strictHost {
				if !isAlnum(c) {
					return info, false
				}
			} else if c == ':' || c == ';' || c == '?' || c == '&' || c == '@' {
				return info, false
			}
			state = sHostP
		case sHostP, sHost6End:
			switch c {
			case ':':
				state, s, portStart, portNo = sPort, i+1, i+1, 0
			case ';':
				state, s = sParam, i+1
			case '?':
				state, s = sHeaders, i+1
			case '&', '@':
				return info, false
			default:
				if state == sHost6End {
					return info, false
				}
				if strictHost && !isAlnum(c) && c != '.' && c != '-' {
					return info, false
				}
			}
		case sHost6P:
			switch c {
			case ']':
				state = sHost6End
			case '[', '&', '@', ';', '?':
				return info, false
			}
		case sPort:
			switch {
			case c == ';':
				portLen = i - portStart
				state, s = sParam, i+1
			case c == '?':
				portLen = i - portStart
				state, s = sHeaders, i+1
			case isDigit(c):
				if portNo = portNo*10 + int(c-'0'); portNo > 65535 && !lax52 {
					return info, false
				}
			default:
				return info, false
			}
		case sParam, sParamP:
			if state == sParam {
				paramStart = i
			}
			switch c {
			case '@':
				if !stillAtUser(i) {
					return info, false
				}
			case ';':
				endParam(i)
				if pass >= 0 {
					foundUser, pass = true, -1
				}
				state = sParam
			case '?':
				endParam(i)
				state, s = sHeaders, i+1
				if pass >= 0 {
					foundUser, pass = true, -1
				}
			case ':':
				if !foundUser {
					if pass >= 0 {
						foundUser, pass = true, -1
					} else {
						pass = i
					}
				}
				endParam(i)
				state = sParamP
			case '=':
				endParam(i)
				state = sParamP
			default:
				state = sParamP
			}
		case sHeaders:
			switch c {
			case '@':
				if !stillAtUser(i) {
					return info, false
				}
			case ';':
				if foundUser || pass >= 0 {
					return info, false
				}
				errorHeaders = true
			case ':':
				if !foundUser {
					if pass >= 0 {
						foundUser, pass = true, -1
					} else {
						pass = i
					}
				}
			case '?':
				if pass >= 0 {
					foundUser, pass = true, -1
				}
			}
		}
	}
	switch state {
	case sInit, sHost, sHost6P:
		return info, false
	case sUser:
		if foundUser {
			return info, false
		}
	case sPassword:
		if foundUser {
			return info, false
		}
		portLen = len(b) - s
	case sPasswordAlpha:
		if !urn {
			return info, false
		}
		leadingAt = false // the urn host is the text after ':'

	case sPort:
		portLen = len(b) - portStart
	case sParam, sParamP:
		endParam(len(b))
		if maddrPrefixEnd(b) {
			return info, false
		}
	case sHeaders:
		if errorHeaders {
			return info, false
		}
	}
	// 5.6.3 rejects a sip/sips/urn URI whose host still holds the leading
	// '@' ("sip:@host", "sip:@h;lr"); tel URIs move the host into the user
	// part and pass (verified).
	if leadingAt && strictHost && !tel && !lax52 {
		return info, false
	}
	return info, portLen <= 5
}

// Bytes that leave parseURI's state unchanged: in the user part, in a
// host (alphanumerics, '.', '-': valid for the strict and the lax host
// rule), inside a parameter.
var (
	uriUserPlain = plainExcept("@:;?[]")
	uriHostPlain = func() (t [256]bool) {
		for c := 0; c < 256; c++ {
			t[c] = isAlnum(byte(c)) || c == '.' || c == '-'
		}
		return t
	}()
	uriParamPlain = plainExcept("@;?:=")
)

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

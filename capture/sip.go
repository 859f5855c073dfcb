package capture

import "bytes"

// LooksLikeSIP reports whether payload begins with a SIP start line. It is
// deliberately lenient, because malformed SIP is what sipcorr looks for:
//
//	request:  TOKEN SP uri [SP ...] SP SIP/<anything>  (any method token, any case, any version)
//	request:  [odd method] SP scheme:uri SP SIP/<short>  (empty, binary or overlong method, as PROTOS sends)
//	request:  KNOWN-METHOD SP sip:|sips:|tel: uri       (version missing, as in RFC 4475 test.dat)
//	status:   SIP/<version> SP DIGIT DIGIT DIGIT ...
//
// The line may end in CRLF, bare LF, or the end of the payload. HTTP,
// RTSP and binary payloads are rejected.
func LooksLikeSIP(payload []byte) bool {
	line := payload
	if i := bytes.IndexByte(payload, '\n'); i >= 0 {
		line = payload[:i]
	}
	return isStartLine(line)
}

// isStartLine judges one line, without its LF (a trailing CR is allowed).
func isStartLine(line []byte) bool {
	line = trimRightSpace(line)
	if len(line) < 7 {
		return false
	}
	if hasPrefixFold(line, "SIP/") {
		return isStatusLine(line)
	}
	if !containsSIPSlash(line) {
		// Fast path for RTP and other binary payloads; only a versionless
		// request line (RFC 4475 test.dat) has no "SIP/".
		m := methodToken(line)
		rest := trimLeftSpace(line[len(m):])
		return len(rest) < len(line)-len(m) && isKnownMethod(m) &&
			(hasPrefixFold(rest, "sip:") || hasPrefixFold(rest, "sips:") || hasPrefixFold(rest, "tel:"))
	}
	// method: normally a token; PROTOS-style tests send empty, binary or
	// overlong methods, which still make a SIP request line.
	i := 0
	for i < len(line) && line[i] != ' ' && line[i] != '\t' {
		i++
	}
	if i == len(line) {
		return false
	}
	method := line[:i]
	token := len(method) > 0 && isToken(method)
	rest := trimLeftSpace(line[i+1:])
	// version: the last field, after the last space
	if j := lastIndexSPHT(rest); j >= 0 {
		ver := rest[j+1:]
		if hasPrefixFold(ver, "SIP/") {
			if token {
				return true // the URI may be empty or broken: that is for the parser to judge
			}
			// odd method: ask for a URI with a scheme and a short version
			uri := trimRightSpace(rest[:j])
			return len(ver) <= 16 && bytes.IndexByte(uri, ':') > 0
		}
	}
	// no version: accept only a known method with a SIP or tel URI
	return token && isKnownMethod(method) &&
		(hasPrefixFold(rest, "sip:") || hasPrefixFold(rest, "sips:") || hasPrefixFold(rest, "tel:"))
}

func isToken(b []byte) bool {
	for _, c := range b {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

// isStatusLine checks "SIP/x SP ddd" after the "SIP/" prefix matched.
func isStatusLine(line []byte) bool {
	i := 4
	for i < len(line) && line[i] != ' ' && line[i] != '\t' {
		if i > 16 { // versions are short; a long run is not a status line
			return false
		}
		i++
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if len(line)-i < 3 || !isDigit(line[i]) || !isDigit(line[i+1]) || !isDigit(line[i+2]) {
		return false
	}
	return len(line) == i+3 || line[i+3] == ' ' || line[i+3] == '\t'
}

// knownMethods are the methods with a registered RFC; only used when the
// request line lacks a version.
var knownMethods = [...]string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
	"SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE"}

func isKnownMethod(m []byte) bool {
	for _, k := range knownMethods {
		if len(m) == len(k) && hasPrefixFold(m, k) {
			return true
		}
	}
	return false
}

// isTokenChar: RFC 3261 token = alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(b[i]) != lower(prefix[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// lastIndexSPHT is bytes.LastIndexAny(b, " \t") without building a byte
// set per call: it runs for every UDP payload and finds the space before
// the version within a few bytes of the end.
func lastIndexSPHT(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ' ' || b[i] == '\t' {
			return i
		}
	}
	return -1
}

// containsSIPSlash reports whether "SIP/" (any case) occurs in b, using the
// vectorised IndexByte to find the slashes.
func containsSIPSlash(b []byte) bool {
	for i := 3; i < len(b); {
		j := bytes.IndexByte(b[i:], '/')
		if j < 0 {
			return false
		}
		p := i + j
		if hasPrefixFold(b[p-3:], "SIP/") {
			return true
		}
		i = p + 1
	}
	return false
}

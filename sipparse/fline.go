package sipparse

import (
	"bytes"
	"encoding/binary"
)

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
		c.protoSIP = len(v) >= 7 && hasPrefixSIP20(buf, third)
	}
	return start + nl, true
}

// knownMethod mirrors parse_first_line's IFISMETHOD: a known method name
// (case-insensitive) followed by exactly one SP.
func knownMethod(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, m := range methodsByLetter[lower(b[0])] {
		n := len(m.name)
		if len(b) <= n || b[n] != ' ' {
			continue
		}
		// Method names are letters only: one folded word compares them
		// (foldedWord), except SUBSCRIBE, longer than a word.
		if n <= 8 && foldedWord(b, 0, n) == m.word || n > 8 && equalFold(b[:n], m.name) {
			return n, m.name == "ACK"
		}
	}
	return 0, false
}

// knownMethodName is a method parse_first_line knows, with its folded word.
type knownMethodName struct {
	name string
	word uint64
}

// methodsByLetter holds parse_first_line's known methods by first letter,
// in its order.
var methodsByLetter = func() (t [256][]knownMethodName) {
	for _, n := range [...]string{"INVITE", "CANCEL", "ACK", "BYE", "INFO", "REGISTER",
		"SUBSCRIBE", "NOTIFY", "MESSAGE", "OPTIONS", "PRACK", "UPDATE", "REFER",
		"PUBLISH", "KDMQ", "GET", "POST", "PUT", "DELETE"} {
		c := lower(n[0])
		m := knownMethodName{name: n}
		if len(n) <= 8 {
			m.word = foldedWord([]byte(n), 0, len(n))
		}
		t[c] = append(t[c], m)
	}
	return t
}()

func tokenEnd(b []byte, p int) int {
	for uint(p) < uint(len(b)) && !lwsByte[b[p]] {
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
	for uint(p) < uint(len(b)) && (b[p] == ' ' || b[p] == '\t') {
		p++
	}
	return p
}

// hasPrefixSIP20 is hasPrefixFold(b[p:], "SIP/2.0"), comparing one word
// when b has eight bytes from p (a version is followed by its line end).
func hasPrefixSIP20(b []byte, p int) bool {
	if p+8 > len(b) {
		return hasPrefixFold(b[p:], "SIP/2.0")
	}
	// (x | 0x20) == 's' only for 's' and 'S'; the other bytes must match.
	const want, fold, mask = 0x302e322f706973, 0x202020, 0xffffffffffffff // "sip/2.0" little-endian
	return (binary.LittleEndian.Uint64(b[p:p+8])|fold)&mask == want
}

// hasPrefixSIPSlash is hasPrefixFold(b, "SIP/") as one word compare.
func hasPrefixSIPSlash(b []byte) bool {
	// (x | 0x20) == 's' only for 's' and 'S'; '/' must match as is.
	const want, fold = 0x2f706973, 0x00202020 // "sip/" little-endian
	return len(b) >= 4 && binary.LittleEndian.Uint32(b)|fold == want
}

// isSIP20 reports whether b is "SIP/2.0", the letters in any case.
func isSIP20(b []byte) bool {
	return len(b) == 7 && hasPrefixSIPSlash(b) && b[4] == '2' && b[5] == '.' && b[6] == '0'
}

// eatLine ports eat_line(): past the next LF, and past one CR right after it.
func eatLine(b []byte, p int) int {
	// The line end usually follows at once (CRLF after the version).
	nl := p
	if p+1 < len(b) && b[p] == '\r' && b[p+1] == '\n' {
		nl = p + 1
	} else if i := bytes.IndexByte(b[p:], '\n'); i >= 0 {
		nl = p + i
	} else {
		return len(b)
	}
	if nl+1 < len(b) {
		nl++
	}
	if nl+1 < len(b) && b[nl] == '\r' {
		nl++
	}
	return nl
}

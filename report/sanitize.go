package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TerminalSafe returns s with everything a terminal could interpret made
// visible and inert: control characters (C0, DEL, C1, which carry escape
// sequences), invalid UTF-8 and Unicode format characters (bidi overrides)
// become \xNN or \u{NNNN}. The result contains no byte below 0x20.
func TerminalSafe(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			writeHexByte(&b, s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			writeHexByte(&b, byte(r))
		case unicode.Is(unicode.Cf, r):
			b.WriteString(`\u{`)
			b.WriteString(strings.ToUpper(strconvHex(uint32(r))))
			b.WriteString(`}`)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

func writeHexByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

func strconvHex(v uint32) string {
	var buf [8]byte
	i := len(buf)
	for {
		i--
		buf[i] = hexDigits[v&0xf]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return string(buf[i:])
}

// Truncate shortens s to at most n runes, marking the cut with an ellipsis.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	out := []rune(s)[:n-1]
	return string(out) + "…"
}

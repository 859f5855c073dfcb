// Package textsafe is sipcorr's one rule set for text that came off the
// wire or out of a file (User-Agents, header values, CSV headers, JSON-RPC
// bodies) and goes to a terminal, a report, a metrics label or an error
// message. A rune is unsafe when a terminal or a text renderer could
// interpret it: C0 controls, DEL, C1 controls (which carry escape
// sequences), Unicode format characters (category Cf: the bidi embeddings,
// overrides and isolates, zero-width characters, the BOM); and so is every
// byte of invalid UTF-8. Callers differ only in what they do with unsafe
// text (escape it visibly, replace it, drop it), never in what is unsafe.
package textsafe

import (
	"unicode"
	"unicode/utf8"
)

// IsUnsafe reports whether r is a control (C0, DEL, C1) or a Unicode
// format character. utf8.RuneError is not itself unsafe (U+FFFD is valid
// text); callers decoding bytes treat an invalid byte as unsafe.
func IsUnsafe(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0xa0 && unicode.Is(unicode.Cf, r))
}

// Safe reports whether s is valid UTF-8 without an unsafe rune: what every
// sanitizer's output must be.
func Safe(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || IsUnsafe(r) {
			return false
		}
		i += size
	}
	return true
}

// Escape returns s with every unsafe rune made visible and inert: invalid
// bytes and controls become \xNN, format characters \u{NNNN}, and a
// backslash is doubled so the escapes cannot be forged. The result contains
// no byte below 0x20.
func Escape(s string) string {
	if IsPlain(s) {
		return s
	}
	return string(AppendEscaped(make([]byte, 0, len(s)+8), s))
}

// AppendEscaped appends Escape(s) to dst without allocating for a []byte s.
func AppendEscaped[S ~string | ~[]byte](dst []byte, s S) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f && c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		// At most 4 bytes converted: no allocation for a []byte s.
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		switch {
		case r == utf8.RuneError && size <= 1:
			dst = appendHexByte(dst, s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			dst = appendHexByte(dst, byte(r))
		case IsUnsafe(r):
			dst = append(dst, `\u{`...)
			dst = appendUpperHex(dst, uint32(r))
			dst = append(dst, '}')
		case r == '\\':
			dst = append(dst, `\\`...)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// IsPlain reports whether s is printable ASCII without a backslash, which
// Escape returns unchanged.
func IsPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

func appendHexByte(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

func appendUpperHex(dst []byte, v uint32) []byte {
	const upper = "0123456789ABCDEF"
	var buf [8]byte
	i := len(buf)
	for {
		i--
		buf[i] = upper[v&0xf]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

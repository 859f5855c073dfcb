package report

import (
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
	return string(appendTerminalSafe(make([]byte, 0, len(s)+8), s))
}

// appendTerminalSafe appends TerminalSafe(s) to dst. The CSV and table
// writers build cells in reused buffers with it.
func appendTerminalSafe[S ~string | ~[]byte](dst []byte, s S) []byte {
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
		case unicode.Is(unicode.Cf, r):
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

// truncateTail applies Truncate(_, n) to dst[from:], the cell being built
// at the end of dst, in place.
func truncateTail(dst []byte, from, n int) []byte {
	cell := dst[from:]
	if utf8.RuneCount(cell) <= n {
		return dst
	}
	if n <= 1 {
		return append(dst[:from], "…"...)
	}
	// Truncate converts to []rune: each invalid byte becomes U+FFFD.
	i, kept := from, 0
	for ; kept < n-1; kept++ {
		r, size := utf8.DecodeRune(dst[i:])
		if r == utf8.RuneError && size == 1 {
			break // rare: rewrite the cut in a copy below
		}
		i += size
	}
	if kept == n-1 {
		return append(dst[:i], "…"...)
	}
	runes := []rune(string(cell))[:n-1]
	return append(append(dst[:from], string(runes)...), "…"...)
}

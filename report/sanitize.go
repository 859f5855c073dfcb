package report

import (
	"unicode/utf8"

	"github.com/sipcorr/sipcorr/internal/textsafe"
)

// TerminalSafe returns s with everything a terminal could interpret made
// visible and inert: control characters (C0, DEL, C1, which carry escape
// sequences), invalid UTF-8 and Unicode format characters (bidi overrides)
// become \xNN or \u{NNNN}. The result contains no byte below 0x20. The
// rule set is internal/textsafe's, shared with every other sanitizer.
func TerminalSafe(s string) string { return textsafe.Escape(s) }

// appendTerminalSafe appends TerminalSafe(s) to dst. The CSV and table
// writers build cells in reused buffers with it.
func appendTerminalSafe[S ~string | ~[]byte](dst []byte, s S) []byte {
	return textsafe.AppendEscaped(dst, s)
}

func isPlain(s string) bool { return textsafe.IsPlain(s) }

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

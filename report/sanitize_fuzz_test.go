package report

import (
	"testing"
	"unicode/utf8"
)

func FuzzTerminalSafe(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "\xff\xfe", "\u202e", "a\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := TerminalSafe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for i := 0; i < len(out); i++ {
			if out[i] < 0x20 || out[i] == 0x7f {
				t.Fatalf("control byte %#x survived in %q", out[i], out)
			}
		}
	})
}

// FuzzAppendSanitizers holds the in-buffer forms the CSV and table writers
// use to TerminalSafe and Truncate.
func FuzzAppendSanitizers(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "\xff\xfe", "\u202e", "a\\b", "日本語\xe2\x80…ab", "\u0085\x7f"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n %= 64
		prefix := []byte("cell;")
		if got := appendTerminalSafe(append([]byte{}, prefix...), s); string(got) != string(prefix)+legacyTerminalSafe(s) {
			t.Fatalf("appendTerminalSafe(%q) = %q, TerminalSafe %q", s, got[len(prefix):], legacyTerminalSafe(s))
		}
		if got := appendTerminalSafe(append([]byte{}, prefix...), []byte(s)); string(got) != string(prefix)+legacyTerminalSafe(s) {
			t.Fatalf("appendTerminalSafe([]byte %q) = %q, TerminalSafe %q", s, got[len(prefix):], legacyTerminalSafe(s))
		}
		if got := TerminalSafe(s); got != legacyTerminalSafe(s) {
			t.Fatalf("TerminalSafe(%q) = %q, was %q", s, got, legacyTerminalSafe(s))
		}
		if got := truncateTail(append(append([]byte{}, prefix...), s...), len(prefix), n); string(got) != string(prefix)+Truncate(s, n) {
			t.Fatalf("truncateTail(%q, %d) = %q, Truncate %q", s, n, got[len(prefix):], Truncate(s, n))
		}
	})
}

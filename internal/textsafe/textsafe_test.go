package textsafe

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x1b[31mb", `a\x1b[31mb`},
		{"\x7f\u0085", `\x7f\x85`},
		{"x\u202ey", `x\u{202E}y`},
		{"\u2066\u200b\ufeff", `\u{2066}\u{200B}\u{FEFF}`},
		{"\xff\xe2\x80", `\xff\xe2\x80`},
		{`a\x41`, `a\\x41`},
		{"日本語 é \ufffd", "日本語 é \ufffd"},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := string(AppendEscaped([]byte("p:"), []byte(tc.in))); got != "p:"+tc.want {
			t.Errorf("AppendEscaped(%q) = %q", tc.in, got)
		}
	}
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]bool{"ok é": true, "\x00": false, "\u202e": false, "\u0085": false, "\xff": false, "\ufffd": true, "": true} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzEscape: Escape's output is always Safe and never has a byte below
// 0x20, and plain text passes unchanged.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a", "\x1b[2J", "\u202e\u2066", "\xff\xfe", "\\", "é\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if !Safe(got) || strings.IndexFunc(got, func(r rune) bool { return r < 0x20 }) >= 0 {
			t.Fatalf("Escape(%q) = %q is not safe", s, got)
		}
		if IsPlain(s) && got != s {
			t.Fatalf("Escape changed plain %q to %q", s, got)
		}
	})
}

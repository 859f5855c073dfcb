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

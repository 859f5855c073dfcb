package memstat

import (
	"testing"

	"github.com/sipcorr/sipcorr/internal/textsafe"
)

// FuzzCleanSnippet: a quoted snippet of a hostile body never carries a
// control, format (bidi) character or invalid UTF-8.
func FuzzCleanSnippet(f *testing.F) {
	for _, s := range []string{"<html>", "a\x1b]0;x\x07b", "\u202e\u0085", "\xff\xe2\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got := cleanSnippet(b, 40); !textsafe.Safe(got) {
			t.Fatalf("cleanSnippet(%q) = %q is not safe", b, got)
		}
	})
}

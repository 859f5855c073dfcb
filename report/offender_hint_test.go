package report

import (
	"strings"
	"testing"
)

// TestPoolSizeHint: without a series of known pool size the projection
// says so, with the caller's hint when it gives one; this package names
// no flag of its own.
func TestPoolSizeHint(t *testing.T) {
	for _, c := range []struct {
		name, hint, want string
	}{
		{"no hint", "", "  no series with a known pool size\n"},
		{"caller's hint", "give --rpc", "  no series with a known pool size (give --rpc)\n"},
		{"hint made terminal-safe", "a\x1b[2Jb", "  no series with a known pool size (a\\x1b[2Jb)\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			ew := &errWriter{w: &b}
			writeProjections(ew, offenderDoc{}, c.hint)
			if ew.err != nil {
				t.Fatal(ew.err)
			}
			if b.String() != c.want {
				t.Errorf("%q, want %q", b.String(), c.want)
			}
		})
	}
}

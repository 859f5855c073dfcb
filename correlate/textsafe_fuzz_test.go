package correlate

import (
	"testing"

	"github.com/sipcorr/sipcorr/internal/textsafe"
)

// FuzzCleanUA: no derived UA field ever carries a control, format (bidi)
// character or invalid UTF-8, and none exceeds its byte bound.
func FuzzCleanUA(f *testing.F) {
	for _, s := range []string{"Yealink SIP-T48G 66.84.0.15", "a\x1b[31mb", "x\u202ey\u2066", "\xff\u0085\x7f", "\ufeffZoiper"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cleanUA(s, 64)
		if !textsafe.Safe(got) || len(got) > 64 {
			t.Fatalf("cleanUA(%q) = %q: unsafe or longer than 64 bytes", s, got)
		}
	})
}

package metrics

import (
	"testing"

	"github.com/sipcorr/sipcorr/internal/textsafe"
)

// FuzzLabel: a metrics label never carries a control, format (bidi)
// character or invalid UTF-8, and never exceeds MaxLabelLen.
func FuzzLabel(f *testing.F) {
	for _, s := range []string{"Yealink", "a\r\nb", "\u202ex\u2066", "\xff\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := Label(s); !textsafe.Safe(got) || len(got) > MaxLabelLen {
			t.Fatalf("Label(%q) = %q: unsafe or too long", s, got)
		}
	})
}

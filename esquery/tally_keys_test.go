package esquery

import (
	"net/netip"
	"testing"
)

// TestTallyKeysNeverCollide: a UA is its own summary key and a source's key
// starts with NUL, so no UA (however hostile) shares a key with a source or
// with another UA.
func TestTallyKeysNeverCollide(t *testing.T) {
	src := netip.MustParseAddr("192.0.2.7")
	ids := []ident{
		{ua: "Yealink", hasUA: true},
		{ua: "", hasUA: true},
		{ua: "\x00s192.0.2.7", hasUA: true},
		{ua: "\x00u\x00s192.0.2.7", hasUA: true},
		{ua: "\x00", hasUA: true},
		{src: src},
		{src: netip.MustParseAddr("2001:db8::1")},
	}
	seen := map[string]ident{}
	for _, id := range ids {
		k := id.key()
		if prev, dup := seen[k]; dup {
			t.Errorf("key %q shared by %+v and %+v", k, prev, id)
		}
		seen[k] = id
	}
}

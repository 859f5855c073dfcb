package sipparse

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

// TestSipgoURIGrammarDiffers is why the engine does not use sipgo's
// sip.ParseUri for checks 2 and 1024: on each of these R-URIs sipgo and
// Kamailio 5.6.3 give different answers (every Kamailio answer here is
// confirmed by the oracle rows of checks_test.go / regress_test.go). The
// test keeps the README statement honest if sipgo changes.
func TestSipgoURIGrammarDiffers(t *testing.T) {
	for _, tc := range []struct {
		uri          string
		kamailioOK   bool
		whyDifferent string
	}{
		{"tels:+15551234", false, "sipgo keeps any scheme as opaque; Kamailio knows sip, sips, tel, urn"},
		{"http://biloxi.example.com", false, "sipgo keeps any scheme as opaque"},
		{"*", false, "sipgo reads * as a wildcard; Kamailio needs 5 bytes"},
		{"sip:bob@biloxi.example.com:65536", false, "sipgo accepts any int port; Kamailio caps at 65535"},
		{"sip:bob@bi_loxi.example.com", false, "sipgo accepts any host byte; Kamailio 5.6 wants alnum . -"},
		{"sip:972@voip.brujula\x8cnet", false, "8-bit host byte"},
		{"sip:@127.0.0.1", false, "Kamailio rejects the leading '@' host"},
	} {
		var u sip.Uri
		sipgoOK := sip.ParseUri(tc.uri, &u) == nil
		_, kamOK := parseURI([]byte(tc.uri), true)
		if kamOK != tc.kamailioOK {
			t.Errorf("%q: our Kamailio model says %v, want %v", tc.uri, kamOK, tc.kamailioOK)
		}
		if sipgoOK == kamOK {
			t.Errorf("%q: sipgo now agrees with Kamailio (%v); revisit using sipgo (%s)", tc.uri, sipgoOK, tc.whyDifferent)
		}
	}
}

// TestSipgoAgreesOnWellFormedURIs: on ordinary URIs the two grammars agree,
// which is what the corpus mostly contains.
func TestSipgoAgreesOnWellFormedURIs(t *testing.T) {
	for _, s := range []string{
		"sip:bob@biloxi.example.com", "sips:alice@atlanta.example.com:5061;transport=tls",
		"sip:+15551234@gw.example.com;user=phone", "sip:[2001:db8::10]:5070", "sip:alice@192.0.2.1:5060;lr?subject=x",
	} {
		var u sip.Uri
		if err := sip.ParseUri(s, &u); err != nil {
			t.Errorf("sipgo rejects %q: %v", s, err)
		}
		if _, ok := parseURI([]byte(s), true); !ok {
			t.Errorf("Kamailio model rejects %q", s)
		}
	}
}

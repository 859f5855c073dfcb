package livetest

import (
	"testing"

	"github.com/sipcorr/sipcorr/sipparse"
)

// TestMixRules confirms that every kind gets the verdict its Rule promises
// from the sanity engine with Kamailio's defaults, for several sequence
// numbers, so that the live tests can count on it.
func TestMixRules(t *testing.T) {
	eng, err := sipparse.NewEngine(sipparse.Config{Version: sipparse.LatestRelease(), Checks: sipparse.DefaultChecks, URIChecks: 7})
	if err != nil {
		t.Fatal(err)
	}
	uas := map[string]bool{}
	for _, k := range Mix() {
		if uas[k.UA] {
			t.Errorf("%s: UA %q shared with another kind", k.Name, k.UA)
		}
		uas[k.UA] = true
		for _, seq := range []uint64{0, 1, 99, variants - 1, 123456789} {
			raw := k.Message(seq)
			var m sipparse.Message
			if err := sipparse.Parse(raw, &m); err != nil {
				t.Fatalf("%s seq %d: parse: %v\n%s", k.Name, seq, err, raw)
			}
			var v sipparse.Verdict
			eng.Judge(&m, &v)
			if v.CoreDrop != k.CoreDrop || uint32(v.First) != k.Rule {
				t.Errorf("%s seq %d: verdict first=%d core_drop=%v (%s), want rule %d core_drop=%v", k.Name, seq, v.First, v.CoreDrop, v.CoreDropReason, k.Rule, k.CoreDrop)
			}
			if got := string(m.Get(sipparse.HdrUserAgent)); got != k.UA {
				t.Errorf("%s: User-Agent %q, want %q", k.Name, got, k.UA)
			}
			if k.Big != (len(raw) > 1500-28) {
				t.Errorf("%s: %d bytes, Big=%v", k.Name, len(raw), k.Big)
			}
		}
	}
}

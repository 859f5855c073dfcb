package sipparse

import (
	"encoding/json"
	"os"
	"testing"
)

// TestVerifiedReleases holds the list-versions table to the ratchet file the
// differential test enforces, so `sipcorr check --list-versions` never
// claims a verification the test does not record.
func TestVerifiedReleases(t *testing.T) {
	data, err := os.ReadFile("../internal/kamailiotest/testdata/open-disagreements.json")
	if err != nil {
		t.Fatal(err)
	}
	var ceilings map[string]int
	if err := json.Unmarshal(data, &ceilings); err != nil {
		t.Fatal(err)
	}
	if len(ceilings) != len(verifiedReleases) {
		t.Errorf("open-disagreements.json has %d releases, verifiedReleases %d", len(ceilings), len(verifiedReleases))
	}
	for _, r := range verifiedReleases {
		if n, ok := ceilings[r.Version]; !ok || n != r.OpenDisagreements {
			t.Errorf("%s: verifiedReleases says %d open disagreements, open-disagreements.json %d (present %v)", r.Version, r.OpenDisagreements, n, ok)
		}
	}
	ps := Profiles()
	if ps[0].Branch != "4.4" || ps[len(ps)-1].Branch != "master" {
		t.Errorf("Profiles order: first %s, last %s", ps[0].Branch, ps[len(ps)-1].Branch)
	}
	got := 0
	for _, p := range ps {
		got += len(p.Verified)
		if p.Branch == "5.2" && len(p.Verified) != 2 {
			t.Errorf("5.2 verified by %v, want 5.2.3 and 5.2.4", p.Verified)
		}
	}
	if got != len(verifiedReleases) {
		t.Errorf("Profiles lists %d verified releases, want %d", got, len(verifiedReleases))
	}
}

package sipparse

import "testing"

// TestFixedDefects: 5.2.4 fixed GH1990 (5.2.0-5.2.3); 5.2.3 fixed
// nothing of the branch; a bare branch or master says nothing.
func TestFixedDefects(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want string
	}{{"5.2.4", "GH1990"}, {"5.2.3", ""}, {"5.2", ""}, {"5.6.3", "CONTACT-STAR-CRASH"}} {
		v, err := ParseVersion(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, d := range FixedDefects(v) {
			if d.ID == tc.want {
				got = d.ID
			}
		}
		if got != tc.want || tc.want == "" && len(FixedDefects(v)) > 0 {
			t.Errorf("%s: fixed %v, want %q", tc.v, FixedDefects(v), tc.want)
		}
	}
}

package esquery

import (
	"errors"
	"strings"
	"testing"
)

// TestRegressionIssue16Point7BadLogSource: a log source that is no
// address (<999.1.1.1:99999>, a port over 65535) was dropped silently; the
// hit still counts for its UA, without source, and is counted (BadSource,
// by reason, with an example).
func TestRegressionIssue16Point7BadLogSource(t *testing.T) {
	for _, src := range []string{"999.1.1.1:99999", "1.2.3.4:99999", "999.1.1.1:5060", "[2001:db8::1]:70000"} {
		line := "Dec 31 23:59:58 edge1 /usr/sbin/kamailio[2211]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G] received from <" + src + ">\n"
		var hits []Hit
		st, err := ReadLog(strings.NewReader(line), "k.log", Query{}, FileOptions{Year: 2026}, func(h Hit) error {
			hits = append(hits, h)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if st.BadSource != 1 || st.Hits != 1 || len(st.Examples) != 1 || !errors.Is(st.Examples[0].Err, ErrBadSource) {
			t.Errorf("%s: bad source %d, hits %d, examples %v; want 1 bad-source hit", src, st.BadSource, st.Hits, st.Examples)
		}
		for _, h := range hits {
			if h.Src.IsValid() {
				t.Errorf("%s: hit with source %v", src, h.Src)
			}
		}
	}
}

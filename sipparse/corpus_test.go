package sipparse

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// corpusDir is the shared corpus relative to this package (repo root's
// sibling ../shared/corpus). Corpus files are read in place, never copied.
const corpusDir = "../../shared/corpus"

// corpusMessages reads the corpus's one-message-per-file folders and the
// lioneagle multi-message text (split on its ===== lines). Without the
// corpus the test skips, or fails under CI=true.
func corpusMessages(t *testing.T) map[string][]byte {
	t.Helper()
	needs.Dir(t, "corpus", corpusDir)
	out := map[string][]byte{}
	for _, d := range []string{"rfc4475-sipgo", "rfc5118-ersip", "cipango", "kamailio-test-sip"} {
		err := filepath.WalkDir(filepath.Join(corpusDir, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || strings.HasSuffix(p, ".md") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[p] = b
			return nil
		})
		if err != nil {
			t.Fatalf("reading %s: %v", d, err)
		}
	}
	lion, err := os.ReadFile(filepath.Join(corpusDir, "lioneagle-sipparser", "sip_msg.txt"))
	if err != nil {
		t.Fatalf("lioneagle text: %v", err)
	}
	for i, part := range bytes.Split(lion, []byte("=====")) {
		part = bytes.TrimLeft(part, "=\r\n")
		if len(bytes.TrimSpace(part)) > 0 {
			out[filepath.Join(corpusDir, "lioneagle-sipparser", "sip_msg.txt")+"#"+itoa(i)] = part
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d corpus messages found", len(out))
	}
	return out
}

// TestCorpusStable runs every corpus message through Parse and every fuzz
// profile: no panic, the verdict is identical when judged again (cached
// core view) and on a freshly parsed copy, and a message without defects
// keeps its verdict when re-serialised.
func TestCorpusStable(t *testing.T) {
	msgs := corpusMessages(t)
	engines := make([]*Engine, len(fuzzConfigs))
	for i, c := range fuzzConfigs {
		engines[i] = mustEngine(t, c)
	}
	judged, clean := 0, 0
	for name, raw := range msgs {
		var m Message
		perr := Parse(raw, &m)
		for _, e := range engines {
			var v1, v2, v3 Verdict
			e.Judge(&m, &v1)
			e.Judge(&m, &v2)
			var fresh Message
			_ = Parse(raw, &fresh)
			e.Judge(&fresh, &v3)
			if summary(&v1) != summary(&v2) || summary(&v1) != summary(&v3) {
				t.Errorf("%s (%v): verdict not stable: %s / %s / %s", name, e.cfg.Version, summary(&v1), summary(&v2), summary(&v3))
			}
			if v1.First != 0 && v1.Detail() == "" {
				t.Errorf("%s: empty detail", name)
			}
			if perr == nil && m.Defects == 0 {
				clean++
				var rm Message
				if err := Parse(reserialize(&m), &rm); err != nil {
					t.Fatalf("%s: re-serialised message does not parse: %v", name, err)
				}
				var rv Verdict
				e.Judge(&rm, &rv)
				if summary(&rv) != summary(&v1) {
					t.Errorf("%s (%v): re-serialising changed the verdict %s -> %s", name, e.cfg.Version, summary(&v1), summary(&rv))
				}
			}
			judged++
		}
	}
	t.Logf("%d corpus messages, %d verdicts, %d re-serialisation checks", len(msgs), judged, clean)
}

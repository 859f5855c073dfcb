package kamailiotest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// repoRoot is the repository root relative to this package.
const repoRoot = "../.."

// sipDir is the project's own message files.
var sipDir = filepath.Join(repoRoot, "testdata", "sip")

// corpusDir finds ../shared/corpus relative to the repository root, or
// skips (fails under CI=true).
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(repoRoot, "..", "shared", "corpus")
	return needs.Dir(t, "corpus directory", dir)
}

// loadAll returns testdata/sip, the corpus message files and the corpus
// captures' messages, in that order.
func loadAll(t testing.TB) (own, files, caps []Item) {
	t.Helper()
	own, err := LoadSIPDir(sipDir, repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(own) == 0 {
		t.Fatalf("no message files in %s", sipDir)
	}
	corpus := corpusDir(t)
	base := filepath.Dir(corpus)
	files, sk, err := LoadCorpusMessages(corpus, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(sk) > 0 {
		t.Logf("corpus message files skipped: %v", sk)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	caps, sk, err = LoadCorpusCaptures(ctx, corpus, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(sk) > 0 {
		t.Logf("capture messages skipped: %v", sk)
	}
	return own, files, caps
}

func raws(items []Item) [][]byte {
	out := make([][]byte, len(items))
	for i, it := range items {
		out[i] = it.Raw
	}
	return out
}

func TestSplitLioneagle(t *testing.T) {
	text := []byte("=============\r\nname = \"a\"\r\n\r\nREGISTER sip:x SIP/2.0\r\nCSeq: 1 REGISTER\r\n\r\n\r\n" +
		"=============\r\nname = \"b\"\r\n\r\n\r\nSIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n\r\nbody\r\n\r\n" +
		"=============\r\n")
	got := SplitLioneagle(text)
	want := []string{
		"REGISTER sip:x SIP/2.0\r\nCSeq: 1 REGISTER\r\n\r\n",
		"SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n\r\nbody\r\n",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("message %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestGoFuzzPayload(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"go test fuzz v1\nstring(\"0 0 SIP\\r\\nV:\\r\\n\")\n", "0 0 SIP\r\nV:\r\n", true},
		{"go test fuzz v1\n[]byte(\"\\x00a\")\n", "\x00a", true},
		{"go test fuzz v1\nint(3)\n", "", false},
		{"go test fuzz v1\nstring(\"a\")\nstring(\"b\")\n", "", false},
		{"not a fuzz file", "", false},
	} {
		got, err := GoFuzzPayload([]byte(c.in))
		if (err == nil) != c.ok || string(got) != c.want {
			t.Errorf("GoFuzzPayload(%q) = %q, %v; want %q, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		in            string
		response, ack bool
	}{
		{"SIP/2.0 200 OK\r\n", true, false},
		{"\r\n\r\nsip/2.0 180 Ringing\r\n", true, false},
		{"ACK sip:a@b SIP/2.0\r\n", false, true},
		{" ACK sip:a@b SIP/2.0\r\n", false, true},
		{"INVITE sip:a@b SIP/2.0\r\n", false, false},
		{"SIP/2.00 200 OK\r\n", false, false},
	} {
		r, a := classify([]byte(c.in))
		if r != c.response || a != c.ack {
			t.Errorf("classify(%q) = %v, %v; want %v, %v", c.in, r, a, c.response, c.ack)
		}
	}
}

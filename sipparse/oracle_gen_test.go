package sipparse

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/internal/kamailiotest"
)

// TestOracleGenerated is differential fuzzing against the real Kamailio:
// byte-level mutants of the project's and the corpus's messages,
// grammar-level header variants and random URIs, judged by Kamailio
// (internal/kamailiotest) and by the engine with the profile of the same
// Kamailio version. Every disagreement fails the test and is written to
// $SIPPARSE_ORACLE_OUT (a directory) if set. The input is seeded and
// deterministic; SIPPARSE_ORACLE_SEED and SIPPARSE_ORACLE_N change seed and
// size (default 1 and 1500 per generator). Without kamailio it skips, or
// fails under CI=true.
func TestOracleGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("differential fuzzing against Kamailio skipped in -short mode")
	}
	seed, n := int64(1), 1500
	if s, err := strconv.ParseInt(os.Getenv("SIPPARSE_ORACLE_SEED"), 10, 64); err == nil {
		seed = s
	}
	if s, err := strconv.Atoi(os.Getenv("SIPPARSE_ORACLE_N")); err == nil && s > 0 {
		n = s
	}
	o := kamailiotest.Start(t, kamailiotest.Options{ProxyRequire: "foo,,bar"})
	kv, err := kamailiotest.Options{}.Version()
	if err != nil {
		t.Fatal(err)
	}
	ver, err := ParseVersion(kv)
	if err != nil {
		t.Fatalf("oracle version %q: %v", kv, err)
	}

	bases := oracleBases(t)
	r := rand.New(rand.NewSource(seed))
	var msgs [][]byte
	for i := 0; i < n; i++ {
		msgs = append(msgs, mutateBytes(r, bases[r.Intn(len(bases))]))
		msgs = append(msgs, synthHeader(r, bases[r.Intn(len(bases))]))
		u := randomURI(r)
		msgs = append(msgs, msg("", set("", "INVITE "+u+" SIP/2.0")),
			msg("", set("To", "To: <"+u+">"), set("From", "From: <"+u+">;tag=1"), set("Contact", "Contact: <"+u+">")))
	}
	obs, err := o.JudgeBatch(msgs)
	if err != nil {
		t.Fatal(err)
	}
	configs := []Config{
		{Checks: 32767, URIChecks: 15}, {Checks: DefaultChecks, URIChecks: 7},
		{Checks: CheckParseURIs, URIChecks: 2}, {Checks: CheckParseURIs, URIChecks: 4}, {Checks: CheckParseURIs, URIChecks: 8},
		{Checks: CheckDigest, URIChecks: 15}, {Checks: CheckAuthorization, URIChecks: 15}, {Checks: CheckDuptags, URIChecks: 15},
	}
	out := os.Getenv("SIPPARSE_ORACLE_OUT")
	compared, bad := 0, 0
	for _, cfg := range configs {
		cfg.Version, cfg.ProxyRequire = ver, []string{"foo", "", "bar"}
		e := mustEngine(t, cfg)
		for i, raw := range msgs {
			if obs[i].Err != nil {
				continue // e.g. larger than one datagram
			}
			k, err := obs[i].Verdict(uint32(cfg.Checks), cfg.URIChecks)
			if err != nil {
				t.Fatal(err)
			}
			var m Message
			_ = Parse(raw, &m)
			var v Verdict
			e.Judge(&m, &v)
			compared++
			want := fmt.Sprintf("drop=%v failed=%d first=%d %d %q", k.CoreDrop, k.Failed, k.First, k.Code, k.Reason)
			got := fmt.Sprintf("drop=%v failed=%d first=%d %d %q", v.CoreDrop, uint32(v.Failed), uint32(v.First), v.Code, v.Reason)
			if want == got {
				continue
			}
			if bad++; bad <= 20 {
				t.Errorf("checks %d/%d, message %d: Kamailio %s, sipparse %s\n%q", cfg.Checks, cfg.URIChecks, i, want, got, raw)
			}
			if out != "" {
				if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("seed%d-%d.sip", seed, i)), raw, 0o644); err != nil {
					t.Error(err)
				}
			}
		}
	}
	t.Logf("Kamailio %s, seed %d: %d generated messages, %d verdicts compared, %d disagreements", kv, seed, len(msgs), compared, bad)
}

// oracleBases are the messages the generators start from: the project's
// testdata/sip and, when present, the corpus message files.
func oracleBases(t *testing.T) [][]byte {
	t.Helper()
	items, err := kamailiotest.LoadSIPDir("../testdata/sip", "..")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, it := range items {
		out = append(out, it.Raw)
	}
	if _, err := os.Stat(corpusDir); err == nil {
		files, _, err := kamailiotest.LoadCorpusMessages(corpusDir, filepath.Dir(corpusDir))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range files {
			out = append(out, it.Raw)
		}
	}
	for _, tc := range checkCases {
		out = append(out, tc.raw)
	}
	return out
}

func pick(r *rand.Rand, xs ...string) string { return xs[r.Intn(len(xs))] }

// mutateBytes inserts, deletes or replaces syntax-relevant bytes or
// duplicates a line in the header section (1 to 10 edits).
func mutateBytes(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	end := bytes.Index(out, []byte("\r\n\r\n"))
	if end < 0 {
		if end = bytes.Index(out, []byte("\n\n")); end < 0 {
			end = len(out)
		}
	}
	const interesting = ";,=\"<>:@ \t\r\n\\[]()?&%*+-._~'`!/0129aztAZT\x00\x80\xff"
	for k := 1 + r.Intn(10); k > 0 && end > 2; k-- {
		pos := r.Intn(end)
		switch r.Intn(5) {
		case 0, 1:
			out = append(out[:pos], append([]byte{interesting[r.Intn(len(interesting))]}, out[pos:]...)...)
			end++
		case 2:
			out = append(out[:pos], out[pos+1:]...)
			end--
		case 3:
			out[pos] = interesting[r.Intn(len(interesting))]
		case 4:
			ls := bytes.LastIndexByte(out[:pos], '\n') + 1
			le := bytes.IndexByte(out[pos:], '\n')
			if le >= 0 && ls > 0 {
				line := append([]byte(nil), out[ls:pos+le+1]...)
				out = append(out[:ls], append(line, out[ls:]...)...)
				end += len(line)
			}
		}
	}
	return out
}

// synthHeader inserts or replaces one header generated from the grammar
// pieces the sanity checks read.
func synthHeader(r *rand.Rand, b []byte) []byte {
	var h string
	switch r.Intn(7) {
	case 0, 1:
		var ps []string
		for i := r.Intn(7); i > 0; i-- {
			ps = append(ps, pick(r, "username", "realm", "nonce", "uri", "response", "cnonce", "nc", "qop", "opaque", "algorithm", "x", "")+
				pick(r, "=", "=", " = ", "")+pick(r, `"a"`, `""`, "a", "", `"a`, "a b", "auth", `"auth"`, "auth-int", `"a,b"`))
		}
		h = pick(r, "Authorization", "Proxy-Authorization") + ": " +
			pick(r, "Digest ", "digest ", "Basic ", "Digest,", "Digestx ", " Digest ", "Digest\t", "Dig") + strings.Join(ps, pick(r, ",", ", ", " ,", "", ";"))
	case 2:
		h = "Expires: " + pick(r, "", " ", "3600", "3600 x", "3600;x", "4294967296", "4294967297", "00000000001", "-1", "+1", "1\t2", "0x10", " 0 ")
	case 3:
		h = "Proxy-Require: " + pick(r, "", ",", "foo", "foo,", ",foo", "foo, bar", "FOO", " foo ", "foo,,bar", "bar", "foo , , bar", "baz")
	case 4:
		h = "CSeq: " + pick(r, "1", "4294967296", "4294967297", "0", "+1", "-1", "1a", "", "01234567890") +
			pick(r, " ", "  ", "\t", "") + pick(r, "INVITE", "invite", "OPTIONS", "", "ACK", "REGISTER")
	case 5:
		h = pick(r, "To", "From", "t", "f") + ": " + pick(r, "", `"A B" `, "A ") +
			pick(r, "<sip:a@b.com>", "sip:a@b.com", "<sip:a@b_c.com>", "<tel:123>", "<>", "<sip:a@b.com", "sip:a@b.com>") +
			pick(r, "", ";tag=1", ";tag=1;tag=2", ";TAG=1;tag=2", ";tag", ";tag=", `;x="a"`, ";x", ";tag=1 ", ";x=a,b")
	case 6:
		h = pick(r, "Content-Length", "l", "Retry-After") + ": " + pick(r, "0", "1", "5", "", " 0", "0 ", "abc", "-1", "99999", "5 x", "5/1")
	}
	lines := strings.Split(string(b), "\r\n")
	if len(lines) < 3 {
		return b
	}
	name := strings.ToLower(strings.SplitN(h, ":", 2)[0]) + ":"
	if r.Intn(2) == 0 {
		for i := 1; i < len(lines) && lines[i] != ""; i++ {
			if strings.HasPrefix(strings.ToLower(lines[i]), name) {
				lines[i] = h
				return []byte(strings.Join(lines, "\r\n"))
			}
		}
	}
	pos := 1 + r.Intn(len(lines)-1)
	for i := 1; i < pos; i++ {
		if lines[i] == "" {
			pos = i
			break
		}
	}
	lines = append(lines[:pos], append([]string{h}, lines[pos:]...)...)
	return []byte(strings.Join(lines, "\r\n"))
}

// randomURI composes a URI from pieces around every parse_uri state.
func randomURI(r *rand.Rand) string {
	return pick(r, "sip:", "sips:", "tel:", "urn:", "SIP:", "sIps:", "tels:", "sip", "sips;", "sip:/", "im:") +
		pick(r, "", "", "a@", "@", "a:b@", "a:123@", "a;b@", "a?b@", "@a@", "a@@", "a:@", ":a@", "a:b:c@", "%41@", "+1-555@", "a b@") +
		pick(r, "h", "h.com", "1.2.3.4", "[::1]", "[::1", "_h", "h_", "-h", "h-", "h..", "", "h@", "h\x80", "h.c-m", "1", "h h") +
		pick(r, "", "", ":", ":5060", ":99999", ":65536", ":123456", ":x", ":50x", "::5") +
		pick(r, "", "", ";lr", ";transport=udp", ";x", ";", ";@", ";a=b@c", ";lr=1", ";a:b", ";a?b", ";user=phone") +
		pick(r, "", "", "?a=b", "?", "?a;b", "?a@b", "?a:b")
}

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/internal/checkline"
)

// TestCheckOutputKeys pins the machine-readable line: exactly these keys, in
// this order, because other tools parse it.
func TestCheckOutputKeys(t *testing.T) {
	code, stdout, stderr := runCmd(t, "check", repo("testdata", "sip", "1-ver-200.sip"),
		repo("testdata", "captures", "eth_udp_v4.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 8 { // one raw message + 7 SIP messages in the capture
		t.Fatalf("got %d lines, want 8:\n%s", len(lines), stdout)
	}
	const prefix = `{"source":`
	for _, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			t.Fatalf("line does not start with %s: %s", prefix, l)
		}
		dec := json.NewDecoder(strings.NewReader(l))
		var keys []string
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"source", "core_drop", "failed", "first", "code", "reason", "detail"}
		if !reflect.DeepEqual(keys, want) {
			t.Fatalf("keys %v, want %v", keys, want)
		}
	}
	if !strings.Contains(lines[1], `eth_udp_v4.pcap#`) {
		t.Errorf("capture messages must be named file#packet: %s", lines[1])
	}
}

// TestCheckAgreesWithRecordedKamailio compares `sipcorr check` with the
// verdicts a real Kamailio 5.6.3 gave for the project's message files
// (recorded by internal/kamailiotest; rerun there with Kamailio installed).
func TestCheckAgreesWithRecordedKamailio(t *testing.T) {
	golden := repo("testdata", "sip", "kamailio-5.6.3.c3047-u7.verdicts.jsonl")
	f, err := os.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]checkline.Line{}
	var inputs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l checkline.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		want[filepath.Base(l.Source)] = l
		inputs = append(inputs, repo(l.Source))
	}
	if len(inputs) < 100 {
		t.Fatalf("only %d recorded verdicts", len(inputs))
	}
	args := append([]string{"check", "--kamailio-version", "5.6.3", "--checks", "3047", "--uri-checks", "7", "--reply-checks", "3047"}, inputs...)
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	agree := 0
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var got checkline.Line
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatal(err)
		}
		w := want[filepath.Base(got.Source)]
		if got.CoreDrop != w.CoreDrop || !reflect.DeepEqual(got.Failed, w.Failed) || got.First != w.First ||
			got.Code != w.Code || got.Reason != w.Reason {
			t.Errorf("%s: sipcorr core_drop=%v failed=%v first=%d %d %q; Kamailio core_drop=%v failed=%v first=%d %d %q",
				filepath.Base(got.Source), got.CoreDrop, got.Failed, got.First, got.Code, got.Reason,
				w.CoreDrop, w.Failed, w.First, w.Code, w.Reason)
			continue
		}
		agree++
	}
	t.Logf("%d of %d messages agree with Kamailio 5.6.3 (checks 3047, uri_checks 7)", agree, len(want))
}

// TestKamailioCfgCombinesMasks: a request meets every sanity_check() on its
// route, so a cfg that checks 512 and then 32 judges with both; replies use
// the reply_route call only.
func TestKamailioCfgCombinesMasks(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "kamailio.cfg")
	src := `loadmodule "sanity.so"
modparam("sanity", "autodrop", 0)
request_route {
	if (!sanity_check("512", "7")) { xlog("L_NOTICE", "leaky\n"); }
	route(CHECKS);
}
route[CHECKS] {
	if (!sanity_check("32", "7")) { exit; }
}
reply_route {
	if (!sanity_check("64", "6")) { drop; }
}
`
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "check", "--kamailio-version", "5.6.3", "--kamailio-cfg", cfg,
		repo("testdata", "sip", "32-cseq-mismatch.sip"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "requests judged with checks 544, uri_checks 7 (the union of 2 calls' masks)") ||
		!strings.Contains(stderr, "replies judged with checks 64, uri_checks 6") {
		t.Errorf("cfg summary: %s", stderr)
	}
	var l checkline.Line
	if err := json.Unmarshal([]byte(stdout), &l); err != nil {
		t.Fatal(err)
	}
	if l.First != 32 {
		t.Errorf("first = %d, want 32 (the second call's check): %s", l.First, stdout)
	}
}

// TestCheckListVersions: every profile is listed, the verified releases with
// their binary, a bare branch naming the release it imitates.
func TestCheckListVersions(t *testing.T) {
	code, stdout, stderr := runCmd(t, "check", "--list-versions")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"5.2     bare branch imitates 5.2.8   verified against 5.2.3 /opt/kamailio-5.2.3/sbin/kamailio (",
		"; 5.2.4 /opt/kamailio-5.2.4/sbin/kamailio (",
		"5.6     bare branch imitates 5.6.6   verified against 5.6.3 /usr/sbin/kamailio (Debian) (",
		"5.5     bare branch imitates 5.5.7   not verified against a real binary",
		"master  bare branch imitates master",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--list-versions lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "\n"); n != 13 {
		t.Errorf("%d lines, want 13 (12 branches and master):\n%s", n, stdout)
	}
}

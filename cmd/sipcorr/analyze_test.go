package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// manifest is the part of testdata/captures/MANIFEST.json (written by
// cmd/synthcap, checked against tshark there) that analyze must reproduce.
type manifest struct {
	Files []struct {
		File        string            `json:"file"`
		Packets     uint64            `json:"packets"`
		SIPMessages uint64            `json:"sip_messages"`
		Requests    uint64            `json:"requests"`
		Responses   uint64            `json:"responses"`
		UserAgents  map[string]uint64 `json:"user_agents"`
		NoUA        uint64            `json:"no_user_agent"`
		Error       *struct {
			Kind   string `json:"kind"`
			Offset int64  `json:"offset"`
			Record uint64 `json:"record"`
		} `json:"error"`
	} `json:"files"`
}

type analyzeOut struct {
	Summary struct {
		Packets     uint64 `json:"packets"`
		SIPMessages uint64 `json:"sip_messages"`
		Requests    uint64 `json:"requests"`
		Responses   uint64 `json:"responses"`
		Files       []struct {
			Path  string `json:"path"`
			Error string `json:"error"`
		} `json:"files"`
	} `json:"summary"`
	UAs []struct {
		UA       string `json:"ua"`
		Present  bool   `json:"ua_present"`
		Messages uint64 `json:"messages"`
	} `json:"uas"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile(repo("testdata", "captures", "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAnalyzeMatchesManifest runs analyze on every generated capture and
// compares what it finds with what the generator put in.
func TestAnalyzeMatchesManifest(t *testing.T) {
	for _, f := range readManifest(t).Files {
		t.Run(f.File, func(t *testing.T) {
			// --server none: the manifest counts every message, the
			// server's own replies included.
			code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--server", "none", repo("testdata", "captures", f.File))
			var out analyzeOut
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				t.Fatalf("exit %d, output is not JSON: %v\n%s", code, err, stderr)
			}
			faulty := out.Summary.Files[0].Error != ""
			if wantFault := code == exitInput; faulty != wantFault || (code != exitOK && code != exitInput) {
				t.Fatalf("exit %d with file error %q", code, out.Summary.Files[0].Error)
			}
			if faulty != (f.Error != nil) {
				t.Fatalf("file error %q, manifest expects %+v", out.Summary.Files[0].Error, f.Error)
			}
			if faulty {
				e := out.Summary.Files[0].Error
				if !strings.Contains(stderr, f.File) || !strings.Contains(e, fmt.Sprintf("offset %d", f.Error.Offset)) {
					t.Errorf("error %q (stderr %q) must name the file and offset %d", e, stderr, f.Error.Offset)
				}
				if f.Error.Record > 0 && !strings.Contains(e, fmt.Sprintf("packet %d", f.Error.Record)) {
					t.Errorf("error %q must name packet %d", e, f.Error.Record)
				}
			}
			s := out.Summary
			if s.Packets != f.Packets || s.SIPMessages != f.SIPMessages || s.Requests != f.Requests || s.Responses != f.Responses {
				t.Errorf("packets/sip/req/resp = %d/%d/%d/%d, manifest %d/%d/%d/%d",
					s.Packets, s.SIPMessages, s.Requests, s.Responses, f.Packets, f.SIPMessages, f.Requests, f.Responses)
			}
			got := map[string]uint64{}
			var noUA uint64
			for _, u := range out.UAs {
				if u.Present {
					got[u.UA] = u.Messages
				} else {
					noUA += u.Messages
				}
			}
			for ua, n := range f.UserAgents {
				if got[ua] != n {
					t.Errorf("UA %q: %d messages, manifest %d", ua, got[ua], n)
				}
			}
			if len(got) != len(f.UserAgents) || noUA != f.NoUA {
				t.Errorf("UAs %v (+%d without UA), manifest %v (+%d)", got, noUA, f.UserAgents, f.NoUA)
			}
		})
	}
}

// TestAnalyzeGoesOnAfterBadFile: a broken file is reported with its name and
// offset, exit code 1, and the other files are still analysed.
func TestAnalyzeGoesOnAfterBadFile(t *testing.T) {
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json",
		repo("testdata", "captures", "truncated_record.pcap"),
		repo("testdata", "captures", "bad_magic.pcap"),
		repo("testdata", "captures", "eth_udp_v4.pcap"),
		repo("testdata", "captures"), // a directory
		repo("testdata", "captures", "no-such-file.pcap"))
	if code != exitInput {
		t.Fatalf("exit %d, want %d", code, exitInput)
	}
	var out analyzeOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Summary.Files) != 5 {
		t.Fatalf("files = %+v", out.Summary.Files)
	}
	for i, want := range []string{"offset", "bad magic", "", "directory", "no such file"} {
		e := out.Summary.Files[i].Error
		if (want == "") != (e == "") || !strings.Contains(e, want) {
			t.Errorf("file %d error %q, want it to mention %q", i, e, want)
		}
	}
	if out.Summary.SIPMessages == 0 {
		t.Error("messages of the good file (and before the truncation) were lost")
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n") + 1; n != 4 {
		t.Errorf("want one stderr line per faulty input (4), got %d:\n%s", n, stderr)
	}
}

// TestAnalyzeDemoGolden pins the three formats of the README's demo command.
func TestAnalyzeDemoGolden(t *testing.T) {
	for _, format := range []string{"table", "json", "csv"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "analyze", "--format", format, repo("testdata", "demo", "edge.pcapng"))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden(t, "demo."+format, []byte(stdout))
		})
	}
}

func TestAnalyzeWritesOutputFile(t *testing.T) {
	out := t.TempDir() + "/r.csv"
	code, stdout, stderr := runCmd(t, "analyze", "--format", "csv", "-o", out, repo("testdata", "captures", "eth_udp_v4.pcap"))
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "ua,ua_present,messages") {
		t.Fatalf("output file: %v %q", err, b)
	}
}

// TestAnalyzeLeavesServerMessagesUnjudged: in the demo, 198.51.100.10 is the
// Kamailio; its replies echo the devices' bad CSeq and must not be reported
// as a malformed device, but they are still counted.
// TestParseServerFlag: --server takes addresses with or without a port,
// IPv4-mapped IPv6 as IPv4, each address once, listed in order.
func TestParseServerFlag(t *testing.T) {
	set, auto, err := parseServerFlag(" 198.51.100.10, 10.0.0.1:5060,[::ffff:198.51.100.10]:5080,2001:db8::1,10.0.0.1")
	if err != nil || auto {
		t.Fatalf("auto %v, err %v", auto, err)
	}
	if got, want := set.String(), "10.0.0.1,198.51.100.10,2001:db8::1"; got != want {
		t.Errorf("set %s, want %s", got, want)
	}
	for addr, want := range map[string]bool{"10.0.0.1": true, "198.51.100.10": true, "2001:db8::1": true, "10.0.0.2": false, "2001:db8::2": false} {
		if got := set.has(netip.MustParseAddr(addr)); got != want {
			t.Errorf("has(%s) = %v, want %v", addr, got, want)
		}
	}
	if set, auto, err := parseServerFlag("auto"); set != nil || !auto || err != nil {
		t.Errorf("auto: %v %v %v", set, auto, err)
	}
	if _, _, err := parseServerFlag("10.0.0.1,not-an-ip"); err == nil {
		t.Error("no error for a bad address")
	}
}

func TestAnalyzeLeavesServerMessagesUnjudged(t *testing.T) {
	for _, tc := range []struct {
		server         string
		wantFromServer bool
	}{{"auto", true}, {"198.51.100.10", true}, {"198.51.100.10:5060", true}, {"none", false}} {
		code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--server", tc.server, repo("testdata", "demo", "edge.pcapng"))
		if code != exitOK {
			t.Fatalf("--server %s: exit %d: %s", tc.server, code, stderr)
		}
		var out struct {
			Summary struct {
				SIPMessages uint64 `json:"sip_messages"`
				Responses   uint64 `json:"responses"`
				FromServer  uint64 `json:"from_server"`
			} `json:"summary"`
			UAs []struct {
				Present   bool   `json:"ua_present"`
				Responses uint64 `json:"responses"`
			} `json:"uas"`
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		var tableResponses uint64
		for _, u := range out.UAs {
			tableResponses += u.Responses
		}
		switch {
		case tc.wantFromServer && (out.Summary.FromServer != out.Summary.Responses || tableResponses != 0):
			t.Errorf("--server %s: from_server %d, responses %d, responses in the UA table %d",
				tc.server, out.Summary.FromServer, out.Summary.Responses, tableResponses)
		case !tc.wantFromServer && (out.Summary.FromServer != 0 || tableResponses != out.Summary.Responses):
			t.Errorf("--server none: from_server %d, table responses %d of %d", out.Summary.FromServer, tableResponses, out.Summary.Responses)
		}
		if out.Summary.SIPMessages != 2774 {
			t.Errorf("--server %s: sip_messages %d, want every message (2774)", tc.server, out.Summary.SIPMessages)
		}
	}
	if code, _, _ := runCmd(t, "analyze", "--server", "not-an-ip", repo("testdata", "demo", "edge.pcapng")); code != exitUsage {
		t.Errorf("bad --server: exit %d", code)
	}
}

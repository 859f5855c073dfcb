package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/internal/synth"
)

// hepScenarioMessages is the size of the scenario written plain and as
// HEP: every profile of the bench mix (UDP and TCP, malformed senders,
// a scanner) appears.
const hepScenarioMessages = 3000

// writeScenario writes the bench scenario to dir/name; with hep set,
// every UDP packet is sent as HEPv3 from a siptrace agent to a
// collector on 9060 (TCP stays plain). It returns the path and the
// packets wrapped.
func writeScenario(t *testing.T, dir, name string, hep *synth.HEP) (string, int) {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := synth.NewPcapCapture(f, synth.LinkEthernet, synth.PcapOptions{}, synth.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := 0
	if hep != nil {
		c.Wrap(synth.HEPWrap(c, netip.MustParseAddrPort("192.0.2.250:5060"), netip.MustParseAddrPort("192.0.2.251:9060"), *hep, &wrapped))
	}
	if err := synth.BenchScenario(hepScenarioMessages, 7).Run(c); err != nil {
		t.Fatal(err)
	}
	return path, wrapped
}

// hepAnalyzeDoc is the part of the JSON report the HEP tests compare.
type hepAnalyzeDoc struct {
	Summary struct {
		SIPMessages uint64            `json:"sip_messages"`
		Malformed   uint64            `json:"malformed"`
		FromServer  uint64            `json:"from_server"`
		Counters    map[string]uint64 `json:"counters"`
	} `json:"summary"`
	UAs   json.RawMessage `json:"uas"`
	Notes []string        `json:"notes"`
}

func analyzeJSON(t *testing.T, args ...string) hepAnalyzeDoc {
	t.Helper()
	code, stdout, stderr := runCmd(t, append([]string{"analyze", "--format", "json"}, args...)...)
	var d hepAnalyzeDoc
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v\n%s", code, err, stderr)
	}
	return d
}

// TestAnalyzeHEPSameVerdicts: a capture of the HEP feed gives the same
// per-UA report (messages, verdicts by rule, sources, times) as a capture
// of the same SIP sent plain; the server is found through the HEP
// addresses; --hep-ports none counts every HEP packet as non-SIP; a wrong
// --hep-password skips them as auth mismatches.
func TestAnalyzeHEPSameVerdicts(t *testing.T) {
	dir := t.TempDir()
	plain, _ := writeScenario(t, dir, "plain.pcap", nil)
	hepFile, wrapped := writeScenario(t, dir, "hep.pcap", &synth.HEP{CaptureID: 2001, AuthKey: "s3cret", NodeName: "edge1"})
	if wrapped < hepScenarioMessages/2 {
		t.Fatalf("only %d of %d messages wrapped in HEP", wrapped, hepScenarioMessages)
	}
	want := analyzeJSON(t, plain)
	t.Logf("%d of the packets sent as HEP; plain: %d SIP messages, %d malformed, %d from the server", wrapped, want.Summary.SIPMessages, want.Summary.Malformed, want.Summary.FromServer)
	if want.Summary.Malformed == 0 || want.Summary.FromServer == 0 {
		t.Fatalf("scenario without malformed traffic or server: %+v", want.Summary)
	}
	cases := []struct {
		name        string
		args        []string
		same        bool
		counter     string
		wantCounter uint64
	}{
		{"default port", nil, true, "hep_sip", uint64(wrapped)},
		{"password", []string{"--hep-password", "s3cret"}, true, "hep_sip", uint64(wrapped)},
		{"explicit list", []string{"--hep-ports", "5080, 9060"}, true, "hep_messages", uint64(wrapped)},
		{"none", []string{"--hep-ports", "none"}, false, "non_sip", uint64(wrapped)},
		{"empty", []string{"--hep-ports", ""}, false, "non_sip", uint64(wrapped)},
		{"other port", []string{"--hep-ports", "9061"}, false, "non_sip", uint64(wrapped)},
		{"wrong password", []string{"--hep-password", "nope"}, false, "hep_auth_mismatch", uint64(wrapped)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := analyzeJSON(t, append(tc.args, hepFile)...)
			if n := got.Summary.Counters[tc.counter]; n != tc.wantCounter {
				t.Errorf("counter %s = %d, want %d (counters %v)", tc.counter, n, tc.wantCounter, got.Summary.Counters)
			}
			if !tc.same {
				if got.Summary.SIPMessages >= want.Summary.SIPMessages {
					t.Errorf("%d SIP messages without HEP decoding, plain has %d", got.Summary.SIPMessages, want.Summary.SIPMessages)
				}
				return
			}
			if note := fmt.Sprintf(`2001 "edge1": %d`, wrapped); !strings.Contains(strings.Join(got.Notes, "\n"), note) {
				t.Errorf("no note naming the capture agent (%s): %q", note, got.Notes)
			}
			if got.Summary.SIPMessages != want.Summary.SIPMessages || got.Summary.Malformed != want.Summary.Malformed || got.Summary.FromServer != want.Summary.FromServer {
				t.Errorf("summary %+v, plain %+v", got.Summary, want.Summary)
			}
			if !bytes.Equal(got.UAs, want.UAs) {
				t.Errorf("per-UA report differs from the plain capture's:\nHEP:   %.600s\nplain: %.600s", got.UAs, want.UAs)
			}
			for _, k := range []string{"hep_malformed_short", "hep_auth_mismatch", "hep_duplicates", "non_sip"} {
				if got.Summary.Counters[k] != want.Summary.Counters[k] {
					t.Errorf("counter %s = %d, plain %d", k, got.Summary.Counters[k], want.Summary.Counters[k])
				}
			}
		})
	}
}

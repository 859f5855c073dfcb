package synth

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// tsharkDeviation is where tshark 4.0 legitimately disagrees with the
// manifest: the manifest says what a correct sipcorr reader emits, and a
// few fixtures exist precisely because tshark does not do that.
type tsharkDeviation struct {
	// sip is tshark's SIP message count minus the manifest's.
	sip int
	// ua is tshark's per-UA count minus the manifest's.
	ua  map[string]int
	why string
}

// tsharkDeviations lists every known disagreement, with the reason.
var tsharkDeviations = map[string]tsharkDeviation{
	"sanity_defects_udp.pcap": {-1, map[string]int{UAGrandstream: -1},
		"tshark does not dissect a request line ending in SIP/3.0 as SIP"},
	"sanity_defects_tcp.pcap": {-1, map[string]int{UAGrandstream: -1},
		"tshark does not dissect a request line ending in SIP/3.0 as SIP"},
	"tcp_gap_resync.pcap": {-2, map[string]int{UAGrandstream: -2},
		"tshark stops dissecting the stream after the missing segment; sipcorr resyncs at the next start line"},
	"tcp_keepalive.pcap": {-1, map[string]int{UALinphone: -1},
		"tshark does not find a REGISTER that follows a CRLF ping in the same segment"},
	"truncated_snaplen.pcap": {+5, nil,
		"tshark dissects the start lines of snaplen-truncated messages (their User-Agent headers are cut off); sipcorr does not emit incomplete messages"},
}

// requireTool returns the path of a tool, skipping the test when it is
// missing outside CI and failing under CI=true.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	return needs.Binary(t, name, "Debian package tshark; it gives the second opinion")
}

// tsharkCounts returns tshark's frame count, SIP message count and
// per-User-Agent counts for a capture.
// broken tells it the file is expected to end in error (tshark then
// exits 2 after printing what it read).
func tsharkCounts(t *testing.T, tshark, path string, broken bool) (frames, sip int, uas map[string]int) {
	t.Helper()
	out, err := exec.Command(tshark, "-n", "-r", path,
		"-o", "tcp.reassemble_out_of_order:TRUE",
		"-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-E", "separator=\t",
		"-e", "frame.number", "-e", "sip.Request-Line", "-e", "sip.Status-Line", "-e", "sip.User-Agent").Output()
	var exit *exec.ExitError
	if err != nil && !(broken && errors.As(err, &exit) && exit.ExitCode() == 2) {
		t.Fatalf("tshark -r %s: %v", path, err)
	}
	uas = map[string]int{}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "|")
	}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		for len(f) < 4 {
			f = append(f, "")
		}
		frames++
		sip += len(split(f[1])) + len(split(f[2]))
		for _, ua := range split(f[3]) {
			uas[ua]++
		}
	}
	return frames, sip, uas
}

// TestFixturesAgreeWithTshark runs tshark over every readable fixture and
// compares frame, SIP message and User-Agent counts with the manifest,
// allowing only the documented deviations.
func TestFixturesAgreeWithTshark(t *testing.T) {
	tshark := requireTool(t, "tshark")
	fs, bs, es := generateAll(t)
	dir := t.TempDir()
	for i, f := range fs {
		e := es[i]
		if e.Error != nil && e.Error.Record == 0 {
			continue // tshark refuses these; pcapgo test covers them
		}
		t.Run(f.Name, func(t *testing.T) {
			path := filepath.Join(dir, f.Name)
			if err := os.WriteFile(path, bs[i], 0o644); err != nil {
				t.Fatal(err)
			}
			frames, sip, uas := tsharkCounts(t, tshark, path, e.Error != nil)
			dev := tsharkDeviations[f.Name]
			wantUA := maps.Clone(e.UserAgents)
			if wantUA == nil {
				wantUA = map[string]int{}
			}
			for ua, d := range dev.ua {
				wantUA[ua] += d
				if wantUA[ua] == 0 {
					delete(wantUA, ua)
				}
			}
			if frames != e.Packets {
				t.Errorf("tshark frames %d, manifest %d", frames, e.Packets)
			}
			if sip != e.SIPMessages+dev.sip {
				t.Errorf("tshark SIP messages %d, manifest %d%+d (%s)", sip, e.SIPMessages, dev.sip, dev.why)
			}
			if !maps.Equal(uas, wantUA) {
				t.Errorf("tshark User-Agents %v, want %v", uas, wantUA)
			}
		})
	}
}

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/internal/needs"
	"github.com/sipcorr/sipcorr/report"
)

// Tests of analyze's HTML report, memory sparkline and --evidence file.

// leakDemo is the demo with a memory recording (a real Kamailio leaking on
// the sanity 512 path, recorded by memwatch while the capture ran).
func leakDemo(t *testing.T) (mem, pcap string) {
	t.Helper()
	mem, pcap = repo("testdata", "demo", "leak", "mem.jsonl"), repo("testdata", "demo", "leak", "edge.pcapng")
	return needs.Path(t, "leak demo", mem), pcap
}

func TestAnalyzeHTMLInventory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCmd(t, "analyze", "--format", "html", "-o", out, repo("testdata", "demo", "edge.pcapng"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`id="inventory"`, `id="rules-chart"`, "Yealink SIP-T48G", "Grandstream GXP1625 1.0.4.128", `class="bar"`} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if strings.Contains(s, `id="suspects"`) || strings.Contains(s, "<script") {
		t.Error("suspects section without --memory, or a script")
	}
}

func TestAnalyzeHTMLWithMemory(t *testing.T) {
	mem, pcap := leakDemo(t)
	out := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCmd(t, "analyze", "--format", "html", "-o", out, "--memory", mem, pcap)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`id="time-chart"`, `class="suspect-row"`, "Yealink SIP-T48G 35.72.188.7",
		"420 Bad Proxy Require Extension", "<mark>Proxy-Require: sip.mysipproxy.com</mark>", `class="growth-window"`,
		`modparam(&#34;sanity&#34;, &#34;default_checks&#34;, 2535)`, "msgs/min", "MiB"} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if n := strings.Count(s, `class="series"`); n < 3 {
		t.Errorf("%d plotted series, want pkg, shm and the suspect's rate", n)
	}
}

func TestAnalyzeTableMemorySparkline(t *testing.T) {
	mem, pcap := leakDemo(t)
	code, stdout, stderr := runCmd(t, "analyze", "--memory", mem, pcap)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	head, _, _ := strings.Cut(stdout, "\n\n")
	if !strings.HasPrefix(head, "memory trend:\n") || !strings.Contains(head, "shm real_used") ||
		!strings.ContainsAny(head, "▁▂▃▄▅▆▇█") {
		t.Errorf("no memory sparkline above the table:\n%s", head)
	}
	// Without memory the table is unchanged: no trend.
	_, stdout, _ = runCmd(t, "analyze", pcap)
	if strings.Contains(stdout, "memory trend") {
		t.Error("memory trend without --memory")
	}
}

func TestAnalyzeEvidence(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "evidence.pcapng")
	demo := repo("testdata", "demo", "edge.pcapng")
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--evidence", ev, "--evidence-per-rule", "3", demo)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "evidence: ") || !strings.Contains(stdout, ev) {
		t.Errorf("no evidence note in the report")
	}
	got := readFrames(t, ev)
	orig := map[time.Time]int{}
	for _, f := range readFrames(t, demo) {
		orig[f.t]++
	}
	perKey := map[string]int{}
	for _, f := range got {
		if orig[f.t] == 0 {
			t.Errorf("evidence packet at %v is not a packet of the capture (timestamp changed?)", f.t)
		}
		if !strings.HasPrefix(f.comment, "sipcorr: failed ") {
			t.Errorf("comment %q", f.comment)
		}
		rule, rest, _ := strings.Cut(strings.TrimPrefix(f.comment, "sipcorr: failed "), ";")
		_, ua, _ := strings.Cut(rest, "User-Agent: ")
		ua, _, _ = strings.Cut(ua, ";")
		perKey[rule+"|"+ua]++
	}
	if len(got) == 0 {
		t.Fatal("no evidence packets")
	}
	for k, n := range perKey {
		if n > 3 {
			t.Errorf("%d packets for %s, want at most 3", n, k)
		}
	}
	if !strings.Contains(stdout, "evidence: "+strconv.Itoa(len(got))+" packets") {
		t.Errorf("note does not give the %d packets written", len(got))
	}

	// tshark (the second opinion) reads the same packets and comments.
	tshark := needs.Binary(t, "tshark", "Debian package tshark; it gives the second opinion")
	outb, err := exec.Command(tshark, "-r", ev, "-T", "fields", "-e", "frame.comment").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(outb)), "\n")
	if len(lines) != len(got) {
		t.Errorf("tshark reads %d packets, we wrote %d", len(lines), len(got))
	}
	for _, l := range lines {
		if !strings.Contains(l, "sipcorr: failed ") {
			t.Errorf("tshark sees no sipcorr comment: %q", l)
		}
	}
}

type frame struct {
	t       time.Time
	comment string
}

// readFrames reads a capture with our own reader; comments come from the
// raw pcapng (the reader does not return them), matched by order.
func readFrames(t *testing.T, path string) []frame {
	t.Helper()
	r, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []frame
	for {
		_, ci, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, frame{t: ci.Timestamp})
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	comments := pcapngComments(raw)
	if len(comments) == len(out) {
		for i := range out {
			out[i].comment = comments[i]
		}
	}
	return out
}

// pcapngComments returns the opt_comment of every Enhanced Packet Block of
// a little-endian pcapng file ("" for packets without one).
func pcapngComments(b []byte) []string {
	le32 := func(p []byte) uint32 { return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24 }
	var out []string
	for off := 0; off+12 <= len(b); {
		typ, blen := le32(b[off:]), int(le32(b[off+4:]))
		if blen < 12 || off+blen > len(b) {
			break
		}
		if typ == 6 { // EPB: 28 bytes of fields, data padded to 4, options
			capLen := int(le32(b[off+20:]))
			opt := off + 28 + (capLen+3)&^3
			c := ""
			for opt+4 <= off+blen-4 {
				code, l := int(b[opt])|int(b[opt+1])<<8, int(b[opt+2])|int(b[opt+3])<<8
				if code == 0 {
					break
				}
				if code == 1 && c == "" && opt+4+l <= len(b) {
					c = string(b[opt+4 : opt+4+l])
				}
				opt += 4 + (l+3)&^3
			}
			out = append(out, c)
		}
		off += blen
	}
	return out
}

// TestAnalyzeEvidenceMixedLinkTypes: one pcapng interface per evidence
// file, so packets of an input with another link type are left out and the
// report says how many (never silently).
func TestAnalyzeEvidenceMixedLinkTypes(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "evidence.pcapng")
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--evidence", ev,
		repo("testdata", "captures", "eth_udp_v4.pcap"), repo("testdata", "captures", "linktype_ipv4.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "left out because their link type differs from the first one's (Ethernet)") ||
		!strings.Contains(stdout, "linktype_ipv4.pcap packet 1") {
		t.Errorf("no note about the packets left out:\n%s", stdout)
	}
	if got := readFrames(t, ev); len(got) == 0 {
		t.Error("no evidence from the Ethernet input")
	}
}

// TestAnalyzeExtrasAllocs: the per-message hook of the HTML report and the
// evidence plan allocates nothing once a (UA, rule) has its example and its
// evidence packets.
func TestAnalyzeExtrasAllocs(t *testing.T) {
	j := judgedMessage(t, proxyRequireMsg)
	x := newAnalyzeExtras(report.FormatHTML, filepath.Join(t.TempDir(), "ev.pcapng"), 2)
	for i := 0; i < 3; i++ {
		x.add("a.pcap", j)
	}
	if n := testing.AllocsPerRun(1000, func() { x.add("a.pcap", j) }); n != 0 {
		t.Errorf("%.1f allocations per message, want 0", n)
	}
	ex := x.examples.list()
	if len(ex) != 1 || ex[0].Code != 420 || ex[0].Line == 0 || !strings.HasPrefix(strings.Split(ex[0].Message, "\r\n")[ex[0].Line-1], "Proxy-Require:") {
		t.Errorf("example %+v", ex)
	}
	if x.evidence.total != 2 || x.evidence.skipped != 1002 { // 1 + AllocsPerRun's warm-up and 1000 runs
		t.Errorf("evidence picks %d, skipped %d; want 2 and 1002", x.evidence.total, x.evidence.skipped)
	}
}

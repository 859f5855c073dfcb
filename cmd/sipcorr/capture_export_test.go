package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/livetest"
)

// optionsBadCSeq fails check 64 (CSeq number is illegal) on every version.
func optionsBadCSeq(i int) string {
	return fmt.Sprintf("OPTIONS sip:edge.example.com SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-exp-%d\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:gs@example.com>;tag=exp%d\r\n"+
		"To: <sip:edge.example.com>\r\n"+
		"Call-ID: export-%d@127.0.0.1\r\n"+
		"CSeq: 99999999999 OPTIONS\r\n"+
		"User-Agent: Grandstream GXP1625 1.0.4.128\r\n"+
		"Content-Length: 0\r\n\r\n", i, i, i)
}

// TestNodeCaptureExport: a live capture exports its malformed messages to a
// real Elasticsearch node, like analyze does, and reports what it stored.
func TestNodeCaptureExport(t *testing.T) {
	livetest.RequireRoot(t)
	base := esNode(t)
	index := esTestIndex(t, base, "live")
	const port, n = 35091, 25
	out := filepath.Join(t.TempDir(), "final.json")
	p := startCapture(t, "-i", "lo", "--ports", fmt.Sprint(port), "--es", base, "--es-export", index,
		"--es-agent", "edge-live", "--format", "json", "-o", out)
	p.waitReady(t)
	// A socket on the port stands in for the server, so no ICMP
	// port-unreachable turns the next send into an error.
	server, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	conn, err := net.Dial("udp", server.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := 0; i < n; i++ {
		if _, err := conn.Write([]byte(optionsBadCSeq(i))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // bounded: 25 datagrams to loopback
	}
	time.Sleep(500 * time.Millisecond) // let the ring hand them over
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 60*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, p.log())
	}
	if strings.Contains(p.log(), "sipcorr:") && strings.Contains(p.log(), base) {
		t.Errorf("the credentials of the server appear in the log:\n%s", p.log())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Analysis struct {
			Export *struct {
				Messages uint64 `json:"messages"`
				Verdicts uint64 `json:"verdicts_stored"`
				Rejected uint64 `json:"rejected"`
				Unsent   uint64 `json:"unsent"`
				Error    string `json:"error"`
			} `json:"es_export"`
		} `json:"analysis"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	x := rep.Analysis.Export
	if x == nil || x.Messages != n || x.Verdicts != n || x.Rejected != 0 || x.Unsent != 0 || x.Error != "" {
		t.Fatalf("es_export in the final report: %+v\n%s", x, b)
	}
	if code, res := esCall(t, base, "GET", "/"+index+"/_count", ""); code != 200 || !strings.Contains(res, fmt.Sprintf(`"count":%d`, n)) {
		t.Errorf("index holds %s, want %d verdicts", res, n)
	}
	if code, res := esCall(t, base, "GET", "/"+index+"/_search?q=observer.name:edge-live&size=0", ""); code != 200 ||
		!strings.Contains(res, fmt.Sprintf(`"value":%d`, n)) {
		t.Errorf("documents of agent edge-live: %s", res)
	}
}

// TestCaptureExportNeedsServer: --es-export without a server is a usage error.
func TestCaptureExportNeedsServer(t *testing.T) {
	t.Setenv("SIPCORR_ES_URL", "")
	code, _, stderr := runCmd(t, "capture", "-i", "lo", "--es-export", "x")
	if code != exitUsage || !strings.Contains(stderr, "--es-export needs --es URL") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

package logsynth

import (
	"bytes"
	"context"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "regenerate testdata/demo/leak/kamailio.log from the leak demo's capture")

// leakDemo is the offender engineer's recording of a real Kamailio 5.6.3
// (testdata/demo/leak): the server is 127.0.0.1, its UDP workers' pids are
// in mem.jsonl.
var leakDemo = struct {
	dir    string
	server netip.Addr
	pids   []int
}{filepath.Join("..", "..", "testdata", "demo", "leak"), netip.MustParseAddr("127.0.0.1"), []int{27495, 27496}}

// demoOptions mirror the demo's two sanity blocks: the operators' xlog
// line with the UA after the Proxy-Require check (420), the stock line
// without UA after the default checks (400 and others).
func demoOptions() Options {
	return Options{
		Host: "edge1",
		Pids: leakDemo.pids,
		Shape: func(r Rejection) int {
			if r.Status == 420 {
				return XlogUA
			}
			return Stock
		},
		Preamble: []string{"INFO: <core> [main.c:3067]: main(): processes (at least): 8 - shm size: 67108864 - pkg size: 8388608",
			"NOTICE: <core> [core/tcp_main.c:1193]: tcpconn_new(): new tcp connection: 127.0.0.1"},
		Epilogue: []string{"NOTICE: <core> [main.c:782]: handle_sigs(): Thank you for flying kamailio!!!"},
	}
}

// TestDemoLog regenerates (-update) or checks testdata/demo/leak/kamailio.log:
// one line per request Kamailio rejected in the demo capture.
func TestDemoLog(t *testing.T) {
	pcap := filepath.Join(leakDemo.dir, "edge.pcapng")
	if _, err := os.Stat(pcap); err != nil {
		t.Skipf("no leak demo: %v", err)
	}
	rs, err := Rejections(context.Background(), pcap, leakDemo.server)
	if err != nil {
		t.Fatal(err)
	}
	// run.json: 404 × 420 to the Yealink, 628 × 400 to the Grandstream.
	byStatus := map[int]int{}
	for _, r := range rs {
		byStatus[r.Status]++
	}
	if byStatus[420] != 404 || byStatus[400] != 628 || len(rs) != 1032 {
		t.Fatalf("rejections by status %v (%d), want 404 × 420 and 628 × 400", byStatus, len(rs))
	}
	var buf bytes.Buffer
	if err := Write(&buf, rs, demoOptions()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(leakDemo.dir, "kamailio.log")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/logsynth -update writes it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s is not what the capture implies; regenerate with go test ./internal/logsynth -update", path)
	}
}

func TestWriteShapes(t *testing.T) {
	src := netip.MustParseAddrPort("[2001:db8::7]:5062")
	rs := []Rejection{
		{Time: mustTime(t, "2026-11-29T16:07:43.5Z"), UA: "Yealink] received from <1.2.3.4:1>", HasUA: true, Src: src, CallID: "a"},
		{Time: mustTime(t, "2026-11-29T16:07:44Z"), Src: netip.MustParseAddrPort("192.0.2.1:5060"), CallID: "b"},
		{Time: mustTime(t, "2026-11-29T16:07:45Z"), Src: netip.MustParseAddrPort("192.0.2.1:5060"), CallID: "c", Status: 400},
	}
	var buf bytes.Buffer
	o := Options{Host: "h", Pids: []int{7}, Shape: func(r Rejection) int {
		if r.Status == 400 {
			return Stock
		}
		return XlogUA
	}}
	if err := Write(&buf, rs, o); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"2026-11-29T16:07:43.500000+00:00 h kamailio[7]: NOTICE: <script>: Malformed SIP received. ua: [Yealink] received from <1.2.3.4:1>] received from <2001:db8::7:5062>",
		"2026-11-29T16:07:44.000000+00:00 h kamailio[7]: NOTICE: <script>: Malformed SIP received. ua: [<null>] received from <192.0.2.1:5060>",
		"2026-11-29T16:07:45.000000+00:00 h kamailio[7]: ERROR: <script>: Malformed SIP request from 192.0.2.1:5060",
	}, "\n") + "\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func mustTime(t *testing.T, s string) (tm time.Time) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

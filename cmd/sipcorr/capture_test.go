package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/livetest"
	"github.com/sipcorr/sipcorr/internal/needs"
)

// liveReport is the part of the capture JSON the tests read.
type liveReport struct {
	Schema  string `json:"schema"`
	Final   bool   `json:"final"`
	Capture struct {
		Interface      string `json:"interface"`
		Running        bool   `json:"running"`
		Error          string `json:"error"`
		Received       uint64 `json:"received"`
		KernelPackets  uint64 `json:"kernel_packets"`
		KernelDrops    uint64 `json:"kernel_drops"`
		Drops          uint64 `json:"drops"`
		EvidenceKept   uint64 `json:"evidence_packets"`
		EvidenceFile   string `json:"evidence_file"`
		EvidenceSkiped uint64 `json:"evidence_skipped"`
	} `json:"capture"`
	Analysis struct {
		Schema  string `json:"schema"`
		Summary struct {
			Packets     uint64            `json:"packets"`
			SIPMessages uint64            `json:"sip_messages"`
			Malformed   uint64            `json:"malformed"`
			CoreDrops   uint64            `json:"core_drops"`
			Unparsable  uint64            `json:"unparsable"`
			Incomplete  uint64            `json:"incomplete"`
			Counters    map[string]uint64 `json:"counters"`
			Files       []struct {
				Path  string `json:"path"`
				Error string `json:"error"`
			} `json:"files"`
		} `json:"summary"`
		UAs []struct {
			UA        string `json:"ua"`
			Messages  uint64 `json:"messages"`
			Malformed uint64 `json:"malformed"`
			CoreDrops uint64 `json:"core_drops"`
			Rules     []struct {
				Bit      uint32 `json:"bit"`
				Messages uint64 `json:"messages"`
				First    uint64 `json:"first"`
			} `json:"rules"`
		} `json:"uas"`
		Notes []string `json:"notes"`
	} `json:"analysis"`
}

func readLiveReport(t testing.TB, path string) *liveReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("final report: %v", err)
	}
	var r liveReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("final report: %v\n%s", err, b)
	}
	if r.Schema != CaptureSchema || r.Analysis.Schema != "sipcorr.analyze/v1" {
		t.Fatalf("schemas %q / %q", r.Schema, r.Analysis.Schema)
	}
	return &r
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// sipcorrBinary builds the command once per test run, without the race
// detector, so that the capture runs at production speed even under
// `go test -race`.
func sipcorrBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		removeStaleBinaries()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("sipcorr-bin-%d", os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sipcorr")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, binPath)
	}
	return binPath
}

// removeStaleBinaries deletes the binaries of test processes that ended
// (the build is shared by every test of a run, so no test can remove it).
func removeStaleBinaries() {
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), "sipcorr-bin-*"))
	if err != nil {
		return
	}
	for _, d := range dirs {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(d), "sipcorr-bin-%d", &pid); err != nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue
		}
		os.RemoveAll(d) // best effort: a leftover is only disk space
	}
}

// captureProc is a sipcorr capture running as a subprocess.
type captureProc struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	stderr  strings.Builder
	ready   chan struct{}
	metrics chan string
	done    chan error
}

var metricsRE = regexp.MustCompile(`metrics on http://(\S+)/metrics`)

func startCapture(t testing.TB, args ...string) *captureProc {
	t.Helper()
	p := &captureProc{cmd: exec.Command(sipcorrBinary(t), append([]string{"capture"}, args...)...),
		ready: make(chan struct{}), metrics: make(chan string, 1), done: make(chan error, 1)}
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		readyOnce := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := metricsRE.FindStringSubmatch(line); m != nil {
				p.metrics <- m[1]
			}
			if strings.Contains(line, "capturing on") {
				readyOnce.Do(func() { close(p.ready) })
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			if err := p.cmd.Process.Kill(); err != nil {
				t.Logf("kill: %v", err)
			}
		}
	})
	return p
}

func (p *captureProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

func (p *captureProc) waitReady(t testing.TB) {
	t.Helper()
	select {
	case <-p.ready:
	case err := <-p.done:
		t.Fatalf("capture exited before it was ready: %v\n%s", err, p.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("capture not ready after 20 s\n%s", p.log())
	}
}

// wait returns the exit code.
func (p *captureProc) wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("capture did not exit within %v\n%s", timeout, p.log())
	}
	return -1
}

// TestCaptureLive20k sends 200 000 messages of the known mix at 20 000/s
// for 10 s over a veth link between two namespaces and checks that the
// capture saw every one, per User-Agent, with the right verdicts, and that
// the kernel dropped nothing.
func TestCaptureLive20k(t *testing.T) {
	runLiveMix(t, 20000, 200000)
}

func runLiveMix(t *testing.T, rate float64, total int) {
	p := livetest.NewPair(t)
	conn, dst := p.UDPFlow(t, 5060)
	dir := t.TempDir()
	out, ev := filepath.Join(dir, "final.json"), filepath.Join(dir, "evidence.pcapng")
	c := startCapture(t, "-i", p.CaptureIf, "--netns", p.Capture, "--format", "json", "-o", out,
		"--write-evidence", ev, "--evidence-per-rule", "3", "--metrics", "127.0.0.1:0", "--log-every", "2s",
		"--report-every", "3s", "--snapshot", filepath.Join(dir, "snap.json"))
	c.waitReady(t)
	addr := <-c.metrics
	res, err := livetest.Send(context.Background(), conn, dst, livetest.Plan{Total: total, Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sent %d messages (%d bytes) in %v: %.0f msg/s, %.1f Mb/s, %d retries", res.Total, res.Bytes, res.Elapsed,
		res.Rate(), float64(res.Bytes)*8/res.Elapsed.Seconds()/1e6, res.Retries)
	time.Sleep(1500 * time.Millisecond) // > metrics publication interval
	scrape := httpGetBody(t, "http://"+addr+"/metrics")
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := c.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGINT\n%s", code, c.log())
	}
	r := readLiveReport(t, out)
	if !r.Final || r.Capture.Running {
		t.Errorf("final=%v running=%v", r.Final, r.Capture.Running)
	}
	if r.Capture.KernelDrops != 0 || r.Capture.Drops != 0 {
		t.Errorf("kernel dropped %d packets at %.0f msg/s", r.Capture.KernelDrops, res.Rate())
	}
	sum := r.Analysis.Summary
	if sum.SIPMessages != uint64(res.Total) || sum.Unparsable != 0 || sum.Incomplete != 0 {
		t.Errorf("SIP messages %d (unparsable %d, incomplete %d), sent %d", sum.SIPMessages, sum.Unparsable, sum.Incomplete, res.Total)
	}
	want := map[string]livetest.Kind{}
	var malformed uint64
	for _, k := range livetest.Mix() {
		want[k.UA] = k
		if k.Rule != 0 || k.CoreDrop {
			malformed += uint64(res.Sent[k.Name])
		}
	}
	if sum.Malformed != malformed {
		t.Errorf("malformed %d, want %d", sum.Malformed, malformed)
	}
	if got := sum.Counters["fragments_reassembled"]; got != uint64(res.Sent["big-invite"]) {
		t.Errorf("fragments_reassembled %d, want %d (one per big INVITE)", got, res.Sent["big-invite"])
	}
	seen := 0
	for _, u := range r.Analysis.UAs {
		k, ok := want[u.UA]
		if !ok {
			t.Errorf("unexpected UA %q (%d messages)", u.UA, u.Messages)
			continue
		}
		seen++
		n := uint64(res.Sent[k.Name])
		if u.Messages != n {
			t.Errorf("%s: %d messages, sent %d", k.Name, u.Messages, n)
		}
		switch {
		case k.CoreDrop:
			if u.CoreDrops != n || u.Malformed != n {
				t.Errorf("%s: core drops %d malformed %d, want %d", k.Name, u.CoreDrops, u.Malformed, n)
			}
		case k.Rule != 0:
			if u.Malformed != n || len(u.Rules) == 0 || u.Rules[0].Bit != k.Rule || u.Rules[0].First != n {
				t.Errorf("%s: malformed %d, rules %+v; want %d first failures of %d", k.Name, u.Malformed, u.Rules, n, k.Rule)
			}
		default:
			if u.Malformed != 0 {
				t.Errorf("%s: %d malformed, want 0", k.Name, u.Malformed)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d UAs in the report", seen, len(want))
	}
	// evidence: 3 per malformed kind, all with a comment
	if wantEv := uint64(3 * 5); r.Capture.EvidenceKept != wantEv {
		t.Errorf("evidence packets %d, want %d", r.Capture.EvidenceKept, wantEv)
	}
	if raw, err := os.ReadFile(ev); err != nil || strings.Count(string(raw), "sipcorr: failed proxy_require (512)") != 3 {
		t.Errorf("evidence file: %v; proxy_require comments %d", err, strings.Count(string(raw), "sipcorr: failed proxy_require (512)"))
	}
	checkEvidenceWithTshark(t, ev, 15)
	for _, w := range []string{"sipcorr_kernel_drops_total 0", `sipcorr_ua_messages{ua="Yealink SIP-T48G 66.86.0.15"}`,
		`sipcorr_sip_malformed_by_rule_total{rule="proxy_require"}`, `sipcorr_capture_up{interface=`} {
		if !strings.Contains(scrape, w) {
			t.Errorf("metrics lack %q", w)
		}
	}
	snap := readLiveReport(t, filepath.Join(dir, "snap.json"))
	if snap.Final {
		t.Error("snapshot marked final")
	}
	if !strings.Contains(c.log(), "capture "+p.CaptureIf) {
		t.Errorf("no periodic log line on stderr:\n%s", c.log())
	}
}

// checkEvidenceWithTshark reads the evidence file with tshark, a second
// opinion on the pcapng and its comments.
func checkEvidenceWithTshark(t *testing.T, path string, want int) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		if needs.CI() {
			t.Fatalf("tshark (Debian package tshark) is needed under CI=true: %v", err)
		}
		t.Logf("tshark not found: evidence file not cross-checked")
		return
	}
	out, err := exec.Command("tshark", "-r", path, "-T", "fields", "-e", "frame.comment", "-e", "sip.User-Agent").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", path, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != want {
		t.Fatalf("tshark reads %d packets in the evidence file, want %d:\n%s", len(lines), want, out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "sipcorr: failed ") {
			t.Errorf("evidence packet without its comment: %q", l)
		}
		if strings.Contains(l, "proxy_require (512)") && !strings.HasSuffix(l, "\tYealink SIP-T48G 66.86.0.15") {
			t.Errorf("tshark sees another UA in a proxy_require packet: %q", l)
		}
	}
}

func httpGetBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCaptureInterfaceGoesDown(t *testing.T) {
	for _, how := range []string{"down", "deleted"} {
		t.Run(how, func(t *testing.T) {
			p := livetest.NewPair(t)
			conn, dst, err := p.SenderConn(5060, 5060)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			out := filepath.Join(t.TempDir(), "final.json")
			c := startCapture(t, "-i", p.CaptureIf, "--netns", p.Capture, "--format", "json", "-o", out)
			c.waitReady(t)
			res, err := livetest.Send(context.Background(), conn, dst, livetest.Plan{Total: 1000, Rate: 10000})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			if how == "down" {
				p.CaptureDown()
			} else {
				p.DeleteLink()
			}
			if code := c.wait(t, 10*time.Second); code != exitInput {
				t.Errorf("exit code %d, want %d\n%s", code, exitInput, c.log())
			}
			if !strings.Contains(c.log(), "interface is down") {
				t.Errorf("stderr does not say the interface is down:\n%s", c.log())
			}
			r := readLiveReport(t, out)
			if !strings.Contains(r.Capture.Error, "interface is down") || len(r.Analysis.Summary.Files) != 1 ||
				!strings.Contains(r.Analysis.Summary.Files[0].Error, "interface is down") {
				t.Errorf("report error %q, files %+v", r.Capture.Error, r.Analysis.Summary.Files)
			}
			if r.Analysis.Summary.SIPMessages != uint64(res.Total) {
				t.Errorf("messages before the link went %s: %d, sent %d", how, r.Analysis.Summary.SIPMessages, res.Total)
			}
		})
	}
}

func TestCaptureNoSuchInterface(t *testing.T) {
	out := filepath.Join(t.TempDir(), "final.json")
	code, _, stderr := runCmd(t, "capture", "-i", "sipcorr-nope0", "--format", "json", "-o", out)
	if code != exitInput {
		t.Errorf("exit code %d, want %d", code, exitInput)
	}
	if !strings.Contains(stderr, "capture on sipcorr-nope0: open: no such network interface") {
		t.Errorf("stderr: %s", stderr)
	}
	r := readLiveReport(t, out)
	if !strings.Contains(r.Capture.Error, "no such network interface") || r.Capture.Running {
		t.Errorf("report: %+v", r.Capture)
	}
}

// TestCaptureUnprivileged runs the command as nobody without capabilities.
func TestCaptureUnprivileged(t *testing.T) {
	livetest.RequireRoot(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Fatalf("setpriv (util-linux) is needed: %v", err)
	}
	bin := sipcorrBinary(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	// the binary's directory must be reachable for nobody too
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "final.json")
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		bin, "capture", "-i", "lo", "--format", "json", "-o", out)
	stderr, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitInput {
		t.Fatalf("exit: %v, want code %d\n%s", err, exitInput, stderr)
	}
	if !strings.Contains(string(stderr), "permission denied: live capture needs root or CAP_NET_RAW") {
		t.Errorf("stderr: %s", stderr)
	}
	r := readLiveReport(t, out)
	if !strings.Contains(r.Capture.Error, "CAP_NET_RAW") {
		t.Errorf("report error %q", r.Capture.Error)
	}
}

func TestCaptureUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"capture"},
		{"capture", "-i", "lo", "--format", "xml"},
		{"capture", "-i", "lo", "--ports", "99999"},
		{"capture", "-i", "lo", "--source", "dag"},
		{"capture", "-i", "lo", "--bpf", "1\n6 0 0\n"},
		{"capture", "-i", "lo", "--window", "1s"},
		{"capture", "-i", "lo", "--server", "auto"},
		{"capture", "-i", "lo", "extra"},
	} {
		if code, _, stderr := runCmd(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr %s", args, code, exitUsage, stderr)
		}
	}
}

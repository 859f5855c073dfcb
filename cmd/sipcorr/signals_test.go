package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRegressionIssue16Point6Signals: SIGINT used to end a run with exit 1
// and "context canceled", as a broken file does. The built binary reads a
// FIFO whose writer sends a capture and then stalls; the signal must end
// it with 130 (143 for SIGTERM), a message naming the file, packet and
// offset, and the partial report written.
func TestRegressionIssue16Point6Signals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := sipcorrBinary(t)
	pcap, err := os.ReadFile(repo("testdata", "captures", "eth_udp_v4.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{
		{syscall.SIGINT, 130, "SIGINT"},
		{syscall.SIGTERM, 143, "SIGTERM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "in.pcap")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			out := filepath.Join(dir, "report.json")
			cmd := exec.Command(bin, "analyze", "--server", "none", "--format", "json", "-o", out, fifo)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until the binary opens it
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, err := w.Write(pcap); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond) // the binary reads it all, then blocks
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				if kerr := cmd.Process.Kill(); kerr != nil {
					t.Log(kerr)
				}
				t.Fatalf("no exit 10 s after %s; stderr:\n%s", tc.name, stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Fatalf("exit %v, want %d; stderr:\n%s", err, tc.code, stderr.String())
			}
			msg := stderr.String()
			for _, want := range []string{"interrupted (received " + tc.name + ")", fifo + ": packet ", ", offset ", "the report covers what was read before"} {
				if !strings.Contains(msg, want) {
					t.Errorf("stderr lacks %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "context canceled") {
				t.Errorf("stderr still says context canceled:\n%s", msg)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("partial report: %v", err)
			}
			var rep map[string]any
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatalf("partial report is no JSON: %v", err)
			}
		})
	}
}

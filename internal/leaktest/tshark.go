package leaktest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// Capture is a running tshark writing pcapng: the operator's way of
// capturing, with the kernel's timestamps, independent of sipcorr's own
// capture code.
type Capture struct {
	cmd    *exec.Cmd
	path   string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

// StartCapture runs `tshark -i iface -f filter -w path` and returns once
// tshark reports that it captures. Without tshark (or without the right to
// capture) the test is skipped with the reason, and fails under CI=true.
func StartCapture(t testing.TB, iface, filter, path string) *Capture {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		unavailable(t, "tshark not installed (Debian package tshark): %v", err)
	}
	c := &Capture{path: path, done: make(chan error, 1)}
	c.cmd = exec.Command(bin, "-i", iface, "-f", filter, "-w", path, "-q")
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = pw
	if err := c.cmd.Start(); err != nil {
		pw.Close()
		pr.Close()
		unavailable(t, "starting tshark: %v", err)
	}
	pw.Close()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			c.mu.Lock()
			c.stderr.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
			if !once && strings.Contains(sc.Text(), "Capturing on") {
				once = true
				close(ready)
			}
		}
		pr.Close()
		if !once {
			close(ready)
		}
	}()
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() { c.Stop() })
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
	}
	exited := false
	select {
	case err := <-c.done:
		c.done <- err
		exited = true
	default:
	}
	if exited || !strings.Contains(c.Stderr(), "Capturing on") {
		c.Stop()
		unavailable(t, "tshark did not start capturing on %s (needs root or CAP_NET_RAW): %s", iface, c.Stderr())
	}
	// dumpcap opens the interface just before it says so; a moment more
	// keeps the first packets of the run from racing it.
	time.Sleep(300 * time.Millisecond)
	return c
}

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	needs.Skip(t, "leaktest: %s", fmt.Sprintf(format, args...))
}

// Stop ends the capture with SIGINT (tshark then finishes the file) and
// waits for it; stopping twice is harmless.
func (c *Capture) Stop() error {
	if c.cmd.Process == nil {
		return nil
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		return nil // already exited
	}
	select {
	case err := <-c.done:
		c.done <- err
		if err != nil && !strings.Contains(err.Error(), "interrupt") {
			return fmt.Errorf("tshark: %v: %s", err, c.Stderr())
		}
		return nil
	case <-time.After(10 * time.Second):
		// Only the process group this capture started.
		if err := syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return fmt.Errorf("tshark did not stop within 10 s, and killing it failed: %v", err)
		}
		return fmt.Errorf("tshark did not stop within 10 s: %s", c.Stderr())
	}
}

// Stderr returns what tshark printed (its packet count on exit).
func (c *Capture) Stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

package livetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// Addresses of a Pair, inside its own namespaces only.
const (
	CaptureIP = "10.213.0.1"
	SenderIP  = "10.213.0.2"
	// IPv6 unique-local addresses, without duplicate address detection so
	// that they are usable at once.
	CaptureIP6 = "fd00:213::1"
	SenderIP6  = "fd00:213::2"
)

// RequireRoot skips t unless the process is root; under CI=true it fails
// instead, because CI runs as root and must not skip.
func RequireRoot(t testing.TB) {
	t.Helper()
	needs.Root(t, "live capture tests (network namespaces, AF_PACKET)")
}

// Pair is two network namespaces joined by a veth link: the sender side
// (SenderIP) and the capture side (CaptureIP), MTU 1500.
type Pair struct {
	Sender, Capture     string // namespace names (under /run/netns)
	SenderIf, CaptureIf string // interface names, each in its namespace
	t                   testing.TB
}

var pairSeq atomic.Int64

// NewPair creates the namespaces and the link; t.Cleanup removes them.
func NewPair(t testing.TB) *Pair {
	t.Helper()
	RequireRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("the ip command (Debian package iproute2) is needed: %v", err)
	}
	removeStale(t)
	n := pairSeq.Add(1)
	ns := fmt.Sprintf("sipcorrtest-%d-%d", os.Getpid(), n)
	tag := strconv.FormatInt(int64(os.Getpid()), 36) + strconv.FormatInt(n, 36)
	p := &Pair{
		Sender:    ns + "-s",
		Capture:   ns + "-c",
		SenderIf:  "sct" + tag + "s", // interface names: 15 bytes at most
		CaptureIf: "sct" + tag + "c",
		t:         t,
	}
	t.Cleanup(func() {
		// deleting a namespace deletes the veth end in it, and its peer
		for _, ns := range []string{p.Sender, p.Capture} {
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil && !strings.Contains(string(out), "No such file") {
				t.Logf("ip netns del %s: %v: %s", ns, err, out)
			}
		}
	})
	p.ip("netns", "add", p.Sender)
	p.ip("netns", "add", p.Capture)
	for _, ns := range []string{p.Sender, p.Capture} {
		// no duplicate address detection: IPv6 (link-local included) is
		// usable at once, so neighbour discovery does not hold packets
		script := "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad"
		p.ip("netns", "exec", ns, "sh", "-c", script)
	}
	p.ip("link", "add", p.SenderIf, "netns", p.Sender, "type", "veth", "peer", "name", p.CaptureIf, "netns", p.Capture)
	p.ip("-n", p.Sender, "addr", "add", SenderIP+"/24", "dev", p.SenderIf)
	p.ip("-n", p.Capture, "addr", "add", CaptureIP+"/24", "dev", p.CaptureIf)
	p.ip("-n", p.Sender, "addr", "add", SenderIP6+"/64", "dev", p.SenderIf, "nodad")
	p.ip("-n", p.Capture, "addr", "add", CaptureIP6+"/64", "dev", p.CaptureIf, "nodad")
	for _, x := range [][2]string{{p.Sender, p.SenderIf}, {p.Capture, p.CaptureIf}} {
		p.ip("-n", x[0], "link", "set", x[1], "up")
		p.ip("-n", x[0], "link", "set", "lo", "up")
	}
	// The kernel reports carrier changes through linkwatch, up to a second
	// late; until then IPv6 on the link is not ready (no neighbour
	// discovery answers) and the first packets would be lost.
	for _, x := range [][2]string{{p.Sender, p.SenderIf}, {p.Capture, p.CaptureIf}} {
		p.waitUp(x[0], x[1])
	}
	return p
}

func (p *Pair) waitUp(ns, dev string) {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := exec.Command("ip", "-n", ns, "-o", "link", "show", "dev", dev).CombinedOutput()
		if err == nil && strings.Contains(string(out), "state UP") {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s in %s not up after 5 s: %v: %s", dev, ns, err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// removeStale deletes namespaces left by test processes that died before
// their cleanup ran (sipcorrtest-PID-N-*, PID no longer running).
func removeStale(t testing.TB) {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return // no namespaces yet
	}
	for _, e := range entries {
		var pid, n int
		var side string
		if _, err := fmt.Sscanf(strings.ReplaceAll(e.Name(), "-", " "), "sipcorrtest %d %d %s", &pid, &n, &side); err != nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue
		}
		if out, err := exec.Command("ip", "netns", "del", e.Name()).CombinedOutput(); err != nil {
			t.Logf("removing stale namespace %s: %v: %s", e.Name(), err, out)
		}
	}
}

func (p *Pair) ip(args ...string) {
	p.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		p.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// CaptureDown sets the capture-side interface down.
func (p *Pair) CaptureDown() { p.ip("-n", p.Capture, "link", "set", p.CaptureIf, "down") }

// DeleteLink deletes the veth pair.
func (p *Pair) DeleteLink() { p.ip("-n", p.Sender, "link", "del", p.SenderIf) }

// SenderConn returns a UDP socket in the sender namespace bound to
// SenderIP:port, and the capture side's address dst:port.
func (p *Pair) SenderConn(port, dstPort int) (*net.UDPConn, *net.UDPAddr, error) {
	var conn *net.UDPConn
	err := InNetns(p.Sender, func() error {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(SenderIP), Port: port})
		conn = c
		return err
	})
	return conn, &net.UDPAddr{IP: net.ParseIP(CaptureIP), Port: dstPort}, err
}

// SenderConn6 is SenderConn over IPv6.
func (p *Pair) SenderConn6(port, dstPort int) (*net.UDPConn, *net.UDPAddr, error) {
	var conn *net.UDPConn
	err := InNetns(p.Sender, func() error {
		c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.ParseIP(SenderIP6), Port: port})
		conn = c
		return err
	})
	return conn, &net.UDPAddr{IP: net.ParseIP(CaptureIP6), Port: dstPort}, err
}

// TCPSink listens on the capture side at CaptureIP:port and reads and
// discards everything every connection sends.
func (p *Pair) TCPSink(port int) (net.Listener, error) {
	var ln net.Listener
	err := InNetns(p.Capture, func() error {
		l, err := net.Listen("tcp4", net.JoinHostPort(CaptureIP, strconv.Itoa(port)))
		ln = l
		return err
	})
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 65536)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln, nil
}

// DialTCP connects from the sender side to CaptureIP:port.
func (p *Pair) DialTCP(port int) (net.Conn, error) {
	var conn net.Conn
	err := InNetns(p.Sender, func() error {
		c, err := net.DialTimeout("tcp4", net.JoinHostPort(CaptureIP, strconv.Itoa(port)), 5*time.Second)
		conn = c
		return err
	})
	return conn, err
}

// SinkConn opens a UDP socket on the capture side at CaptureIP:port that
// reads and discards, so that the kernel does not answer with ICMP.
func (p *Pair) SinkConn(port int) (*net.UDPConn, error) {
	var conn *net.UDPConn
	err := InNetns(p.Capture, func() error {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(CaptureIP), Port: port})
		conn = c
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := conn.SetReadBuffer(8 << 20); err != nil {
		conn.Close()
		return nil, err
	}
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := conn.ReadFromUDP(buf); err != nil {
				return
			}
		}
	}()
	return conn, nil
}

// InNetns runs f on a thread in the named namespace. Sockets f opens stay
// in that namespace; the thread is discarded afterwards.
func InNetns(ns string, f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		fd, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			done <- err
			return
		}
		defer fd.Close()
		if err := unix.Setns(int(fd.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		done <- f()
	}()
	return <-done
}

// UDPFlow opens a sink at CaptureIP:port and a sender bound to the same
// port in the sender namespace, closed when the test ends: the usual setup
// of a test that sends SIP across the pair.
func (p *Pair) UDPFlow(t testing.TB, port int) (*net.UDPConn, *net.UDPAddr) {
	t.Helper()
	sink, err := p.SinkConn(port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	conn, dst, err := p.SenderConn(port, port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, dst
}

// Package kamtest starts a real Kamailio (the Debian package) on loopback
// for tests: UDP SIP, and JSON-RPC over HTTP (xhttp + jsonrpcs) on TCP.
//
// Outside CI a missing kamailio binary skips the test with a message;
// under CI=true it fails it, because CI installs Kamailio.
package kamtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// Config describes the Kamailio to start. The zero value is a server with
// 2 UDP workers, kex loaded, and DefaultRoute.
type Config struct {
	// Children is the number of UDP receivers (cfg "children"); 0 means 2.
	Children int
	// Route is the body of request_route; empty means DefaultRoute.
	Route string
	// NoKex leaves out kex.so, to test "Method Not Found" handling.
	NoKex bool
	// PkgMB and ShmMB set -M and -m; 0 keeps Kamailio's defaults (8, 64).
	PkgMB, ShmMB int
	// Bin and Modules run another build than the kamailio on PATH: the
	// binary and its module directory (-L), as Release returns them.
	Bin, Modules string
	// Extra is inserted into the cfg after the module parameters
	// (modparams of the seed's cfg, global settings).
	Extra string
}

// Release returns the binary and module directory of a real Kamailio
// release unpacked under /opt/kamailio-<version> (scripts/kamailio-releases.sh
// unpacks ../shared/kamailio there), or skips the test (fails it under
// CI=true) when it is not there.
func Release(t testing.TB, version string) (bin, modules string) {
	t.Helper()
	if version == "5.6.3" {
		// Debian's package: on PATH, with its built-in module path.
		return Binary(t), ""
	}
	dir := filepath.Join("/opt", "kamailio-"+version)
	bin, modules = filepath.Join(dir, "sbin", "kamailio"), filepath.Join(dir, "lib64", "kamailio", "modules")
	for _, p := range []string{bin, filepath.Join(modules, "sanity.so")} {
		needs.Path(t, fmt.Sprintf("Kamailio %s (run scripts/kamailio-releases.sh as root to unpack it)", version), p)
	}
	return bin, modules
}

// DefaultRoute makes one class of malformed requests leak shared memory,
// the way kamailio issue #1990 leaked pkg memory on the sanity
// Proxy-Require failure path: a request that fails sanity check 512
// (Proxy-Require names an extension not in the module's empty list, so
// sanity replies 420) has its X-Payload header stored in the htable
// "leak" under its Call-ID, and nothing ever removes it. Every other
// request gets 200 statelessly and leaves no trace.
const DefaultRoute = `
	if (!sanity_check("512")) {
		$sht(leak=>$ci) = $hdr(X-Payload);
		exit;
	}
	sl_send_reply("200", "OK");
	exit;
`

// Server is a running Kamailio.
type Server struct {
	RPCURL  string    // http://127.0.0.1:<tcp>/RPC
	SIPAddr string    // 127.0.0.1:<udp>
	Dir     string    // working directory with kamailio.cfg and the pid file
	Cmd     *exec.Cmd // the current main process

	bin              string
	cfg              Config
	udpPort, tcpPort int

	mu      sync.Mutex
	log     bytes.Buffer
	partial []byte
	lines   []LogLine
	exited  chan struct{}
	exitErr error
}

const cfgTemplate = `#!KAMAILIO
debug=2
log_stderror=yes
children={{.Children}}
tcp_children=1
listen=udp:127.0.0.1:{{.UDPPort}}
listen=tcp:127.0.0.1:{{.TCPPort}}
tcp_accept_no_cl=yes
loadmodule "xhttp.so"
loadmodule "jsonrpcs.so"
{{if not .NoKex}}loadmodule "kex.so"
{{end}}loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "htable.so"
loadmodule "sanity.so"
modparam("jsonrpcs", "transport", 1)
modparam("htable", "htable", "leak=>size=8;")
# autodrop=0: a failed check returns false (after sanity's own 420 reply)
# instead of ending the script, so the route can act on it.
modparam("sanity", "autodrop", 0)
{{.Extra}}
request_route {
{{.Route}}
}
event_route[xhttp:request] {
	if ($hu =~ "^/RPC") {
		jsonrpc_dispatch();
	} else {
		xhttp_reply("404", "Not Found", "text/plain", "no such path");
	}
}
`

// Binary returns the kamailio path, or skips (fails under CI=true) when
// it is not installed.
func Binary(t testing.TB) string {
	t.Helper()
	return needs.Binary(t, "kamailio", "apt-get install kamailio")
}

// Start runs Kamailio with cfg and stops it in t.Cleanup. It waits until
// the RPC endpoint answers core.version. Ports are picked free on
// 127.0.0.1; a start that loses a port race is retried.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin := cfg.Bin
	if bin == "" {
		bin = Binary(t)
	}
	if cfg.Children == 0 {
		cfg.Children = 2
	}
	if cfg.Route == "" {
		cfg.Route = DefaultRoute
	}
	s := &Server{bin: bin, cfg: cfg, Dir: t.TempDir()}
	var err error
	for try := 0; try < 3; try++ {
		if s.udpPort, err = freePort("udp"); err != nil {
			continue
		}
		if s.tcpPort, err = freePort("tcp"); err != nil {
			continue
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("kamtest: starting kamailio: %v", err)
	}
	s.RPCURL = fmt.Sprintf("http://127.0.0.1:%d/RPC", s.tcpPort)
	s.SIPAddr = fmt.Sprintf("127.0.0.1:%d", s.udpPort)
	t.Cleanup(s.Stop)
	return s
}

// Restart stops Kamailio and starts it again on the same ports, as an
// operator's restart would: new pids, fresh memory.
func (s *Server) Restart() error {
	s.Stop()
	var err error
	for try := 0; try < 5; try++ { // the old sockets may linger briefly
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

func (s *Server) start() error {
	var text strings.Builder
	err := template.Must(template.New("cfg").Parse(cfgTemplate)).Execute(&text, struct {
		Config
		UDPPort, TCPPort int
	}{s.cfg, s.udpPort, s.tcpPort})
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(s.Dir, "kamailio.cfg")
	if err := os.WriteFile(cfgPath, []byte(text.String()), 0o644); err != nil {
		return err
	}
	args := []string{"-DD", "-E", "-f", cfgPath, "-w", s.Dir, "-Y", s.Dir, "-P", filepath.Join(s.Dir, "kamailio.pid")}
	if s.cfg.Modules != "" {
		args = append(args, "-L", s.cfg.Modules)
	}
	if s.cfg.PkgMB > 0 {
		args = append(args, "-M", fmt.Sprint(s.cfg.PkgMB))
	}
	if s.cfg.ShmMB > 0 {
		args = append(args, "-m", fmt.Sprint(s.cfg.ShmMB))
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = (*logWriter)(s), (*logWriter)(s)
	// Own process group: Stop reaches the workers even if main died.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.exitErr = err
		s.mu.Unlock()
		close(exited)
	}()
	s.mu.Lock()
	s.Cmd, s.exited = cmd, exited
	s.mu.Unlock()
	url := fmt.Sprintf("http://127.0.0.1:%d/RPC", s.tcpPort)
	if err := waitRPC(url, exited, 15*time.Second); err != nil {
		s.Stop()
		s.mu.Lock()
		exitErr := s.exitErr
		s.mu.Unlock()
		return fmt.Errorf("%v (exit: %v); kamailio log:\n%s", err, exitErr, s.Log())
	}
	return nil
}

// Log returns what Kamailio wrote to stderr so far.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// LogLine is one line Kamailio wrote, stamped when it was read, as syslog
// stamps a line when it receives it (Kamailio's stderr lines carry no time).
type LogLine struct {
	Time time.Time
	Text string
}

// Lines returns the complete lines Kamailio wrote so far, with the time
// each was read.
func (s *Server) Lines() []LogLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LogLine(nil), s.lines...)
}

type logWriter Server

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.log.Len() < 4<<20 { // bound the memory a chatty test run can use
		w.log.Write(p)
		now := time.Now()
		w.partial = append(w.partial, p...)
		for {
			i := bytes.IndexByte(w.partial, '\n')
			if i < 0 {
				break
			}
			w.lines = append(w.lines, LogLine{Time: now, Text: string(w.partial[:i])})
			w.partial = w.partial[i+1:]
		}
		if len(w.partial) > 64<<10 { // a line that never ends: keep what came
			w.lines = append(w.lines, LogLine{Time: now, Text: string(w.partial)})
			w.partial = w.partial[:0]
		}
	}
	return len(p), nil
}

// Stop sends SIGTERM to Kamailio's process group (only the processes this
// helper started) and SIGKILL after 5 s. Stopping twice is harmless.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.Cmd, s.exited
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil {
		<-exited // already gone: make sure Wait finished
		return
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		if err := syscall.Kill(-pgid, syscall.SIGKILL); err == nil {
			<-exited
		}
	}
}

// SendUDP sends each message as one datagram to the server's SIP socket.
func (s *Server) SendUDP(msgs ...[]byte) error {
	c, err := net.Dial("udp", s.SIPAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, m := range msgs {
		if _, err := c.Write(m); err != nil {
			return err
		}
	}
	return nil
}

// AskUDP sends msg as one datagram and returns the first line of the first
// reply, waiting at most timeout. The message's Via must carry ;rport (or
// name this socket) for Kamailio to answer here. A worker that died on the
// message gives no reply: the error is then a timeout.
func (s *Server) AskUDP(msg []byte, timeout time.Duration) (string, error) {
	c, err := net.Dial("udp", s.SIPAddr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write(msg); err != nil {
		return "", err
	}
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	return line, nil
}

// Exited reports whether the main Kamailio process has exited (Kamailio
// shuts down when a worker dies, e.g. on a crash).
func (s *Server) Exited() bool {
	s.mu.Lock()
	exited := s.exited
	s.mu.Unlock()
	if exited == nil {
		return false
	}
	select {
	case <-exited:
		return true
	default:
		return false
	}
}

func freePort(network string) (int, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitRPC polls core.version until it answers, Kamailio exits, or the
// deadline passes.
func waitRPC(url string, exited chan struct{}, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	body := `{"jsonrpc":"2.0","method":"core.version","id":1}`
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("kamailio exited before its RPC answered")
		case <-ctx.Done():
			return fmt.Errorf("kamailio RPC %s did not answer within %v (last error: %v)", url, limit, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

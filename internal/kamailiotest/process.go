package kamailiotest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// logEvent is one line of Kamailio's log, as the router hands it to a lane.
type logEvent struct {
	kind byte   // 'R' request result, 'P' response result, 'S' sentinel, 'E' any other line
	port int    // receiving port ($Rp) for R/P/S
	ml   int    // message length ($ml) for R/P
	rc   int    // sanity_check return code for R/P
	sr   int    // sanity_reply return code for R (0 when not called)
	seq  string // sentinel id for S
	text string // the line without Kamailio's prefix, for E
}

// router reads Kamailio's stderr and hands each line to the lane it
// belongs to: marker lines by their $Rp, other lines by the pid prefix,
// which it learns from the marker lines ($pp).
type router struct {
	mu      sync.Mutex
	byPort  map[int]*lane
	byPid   map[int]*lane
	tail    []string // last lines nobody claimed (startup, other processes): for error messages
	lastPid int
	done    chan struct{}
}

func newRouter(lanes []*lane) *router {
	r := &router{byPort: make(map[int]*lane), byPid: make(map[int]*lane), done: make(chan struct{})}
	for _, l := range lanes {
		r.byPort[l.port] = l
	}
	return r
}

// run consumes rd until EOF. Kamailio writes each log record with one
// write(2), so a record is never split by another process's record as long
// as it is shorter than PIPE_BUF; the marker is searched anywhere in a line
// anyway, in case a longer record was split around one of ours.
func (r *router) run(rd io.Reader) {
	defer close(r.done)
	br := bufio.NewReaderSize(rd, 1<<16)
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			r.route(line)
		}
		if err != nil {
			return
		}
	}
}

func (r *router) route(line string) {
	line = trimEOL(line)
	if i := indexString(line, logMark); i >= 0 {
		ev, pid, ok := parseMarker(line[i+len(logMark):])
		if ok {
			r.mu.Lock()
			l := r.byPort[ev.port]
			if l != nil && pid > 0 {
				r.byPid[pid] = l
				r.lastPid = pid
			}
			r.mu.Unlock()
			if l != nil {
				l.logs <- ev
				return
			}
		}
	}
	pid, text, ok := splitPrefix(line)
	r.mu.Lock()
	if ok {
		r.lastPid = pid
	} else {
		pid = r.lastPid // continuation of a multi-line record
	}
	l := r.byPid[pid]
	if l == nil {
		r.tail = append(r.tail, line)
		if len(r.tail) > 50 {
			r.tail = r.tail[len(r.tail)-50:]
		}
	}
	r.mu.Unlock()
	if l != nil && ok { // continuation lines (message dumps) are not kept
		l.logs <- logEvent{kind: 'E', text: text}
	}
}

// lastLines returns the unclaimed log lines kept for diagnostics.
func (r *router) lastLines() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b bytes.Buffer
	for _, l := range r.tail {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// parseMarker parses "K|port|pid|..." as written by the generated cfg.
func parseMarker(s string) (logEvent, int, bool) {
	f := splitBar(s)
	if len(f) < 3 || len(f[0]) != 1 {
		return logEvent{}, 0, false
	}
	ev := logEvent{kind: f[0][0]}
	port, err1 := strconv.Atoi(f[1])
	pid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return logEvent{}, 0, false
	}
	ev.port = port
	switch ev.kind {
	case 'S':
		if len(f) != 4 {
			return logEvent{}, 0, false
		}
		ev.seq = f[3]
	case 'R', 'P':
		if len(f) != 6 {
			return logEvent{}, 0, false
		}
		var e [3]error
		ev.ml, e[0] = strconv.Atoi(f[3])
		ev.rc, e[1] = strconv.Atoi(f[4])
		ev.sr, e[2] = strconv.Atoi(f[5])
		if e[0] != nil || e[1] != nil || e[2] != nil {
			return logEvent{}, 0, false
		}
	default:
		return logEvent{}, 0, false
	}
	return ev, pid, true
}

// splitPrefix splits Kamailio's stderr prefix " 3(1234) ERROR: " into the
// pid and the rest.
func splitPrefix(line string) (pid int, text string, ok bool) {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	j := i
	for j < len(line) && line[j] >= '0' && line[j] <= '9' {
		j++
	}
	if j == i || j >= len(line) || line[j] != '(' {
		return 0, line, false
	}
	k := j + 1
	for k < len(line) && line[k] >= '0' && line[k] <= '9' {
		k++
	}
	if k == j+1 || k >= len(line) || line[k] != ')' {
		return 0, line, false
	}
	pid, err := strconv.Atoi(line[j+1 : k])
	if err != nil {
		return 0, line, false
	}
	rest := line[k+1:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return pid, rest, true
}

func splitBar(s string) []string {
	var f []string
	for {
		i := indexString(s, "|")
		if i < 0 {
			return append(f, s)
		}
		f = append(f, s[:i])
		s = s[i+1:]
	}
}

func indexString(s, sub string) int { return bytes.Index([]byte(s), []byte(sub)) }

func trimEOL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// reserveUDPPorts binds n distinct loopback UDP ports and returns them
// with a function that releases them. The caller keeps them bound while it
// opens its own client sockets (so those cannot get one of these ports)
// and releases them just before Kamailio binds them; another process could
// still take one in between, which New handles by retrying.
func reserveUDPPorts(n int) ([]int, func(), error) {
	conns := make([]*net.UDPConn, 0, n)
	release := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	ports := make([]int, 0, n)
	for len(ports) < n {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			release()
			return nil, nil, fmt.Errorf("reserve loopback UDP port: %w", err)
		}
		conns = append(conns, c)
		ports = append(ports, c.LocalAddr().(*net.UDPAddr).Port)
	}
	return ports, release, nil
}

// proc is a running Kamailio.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's result, valid after exited is closed
}

// startKamailio runs bin with cfg in dir. Kamailio runs in the foreground
// (-DD keeps the attendant and forks the workers), logs to stderr (-E), and
// keeps its pid file and runtime files in dir, so it needs no /var/run.
func startKamailio(bin, dir, cfg string, stderr io.Writer) (*proc, error) {
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-DD", "-E", "-f", cfgPath, "-w", dir, "-Y", dir,
		"-P", filepath.Join(dir, "kamailio.pid"))
	cmd.Dir = dir
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	// Own process group, so that Stop can reach the workers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop sends SIGTERM to Kamailio's process group, waits up to grace, then
// kills the group.
func (p *proc) stop(grace time.Duration) error {
	pgid := p.cmd.Process.Pid
	select {
	case <-p.exited:
	default:
		if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("SIGTERM kamailio: %w", err)
		}
		select {
		case <-p.exited:
		case <-time.After(grace):
			if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("SIGKILL kamailio: %w", err)
			}
			<-p.exited
		}
	}
	// Workers that outlived the attendant (they should not) go too.
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill kamailio workers: %w", err)
	}
	return nil
}

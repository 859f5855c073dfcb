package kamailiotest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// Options configure an Oracle.
type Options struct {
	// Binary is the kamailio executable; "" means $KAMAILIO or "kamailio"
	// from PATH.
	Binary string
	// ModulesDir is Kamailio's module directory (mpath); "" uses the
	// binary's built-in default.
	ModulesDir string
	// ProxyRequire is modparam("sanity", "proxy_require"); "" is Kamailio's
	// default, the empty list.
	ProxyRequire string
	// Calls are the sanity_check calls to run, each on its own socket.
	// nil means DefaultCalls().
	Calls []Call
	// Timeout bounds the wait for one sentinel; 0 means 10s.
	Timeout time.Duration
	// Release is the Kamailio release the binary is (e.g. "5.2.3"); it
	// selects the cfg dialect (releases before 5.5.5 cannot call
	// sanity_reply(), so their checks reply themselves). "" means 5.6.3.
	Release string

	// preamble and rawArgs: see cfgParams (tests of this package only).
	preamble string
	rawArgs  []string
}

// DefaultCalls returns the calls the oracle runs unless told otherwise:
// every 5.6 check bit alone (uri_checks 15; it only matters for 1024),
// parse_uris with each uri_checks bit alone and with 6 and 7, and the whole
// masks the project compares against: Kamailio's default 3047/7, the stock
// cfg's request mask 17895/7 and reply mask 17604/6, and all checks
// 32767/15.
func DefaultCalls() []Call {
	var c []Call
	for _, b := range bits56 {
		c = append(c, Call{Msg: b, URI: 15})
	}
	for _, u := range []uint8{1, 2, 4, 8, 6, 7} {
		c = append(c, Call{Msg: 1024, URI: u})
	}
	return append(c,
		Call{Msg: 3047, URI: 7},
		Call{Msg: 17895, URI: 7},
		Call{Msg: 17604, URI: 6},
		Call{Msg: AllChecks56, URI: 15},
	)
}

// Oracle is a running Kamailio that judges messages. It is safe for
// concurrent use; batches are serialised.
type Oracle struct {
	opts  Options
	dir   string
	proc  *proc
	rt    *router
	lanes []*lane
	index map[Call]int

	mu     sync.Mutex // one batch at a time: lanes keep sequence state
	broken error      // set once a lane lost sync; every later call fails
}

// ErrNoKamailio means the kamailio binary was not found.
var ErrNoKamailio = errors.New("kamailio binary not found")

// Binary resolves the kamailio executable the options name.
func (o Options) binary() (string, error) {
	bin := o.Binary
	if bin == "" {
		bin = os.Getenv("KAMAILIO")
	}
	if bin == "" {
		bin = "kamailio"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrNoKamailio, bin, err)
	}
	return p, nil
}

// Start starts an Oracle for a test and stops it in t.Cleanup. Without a
// kamailio binary it skips the test, or fails it under CI=true.
func Start(t testing.TB, opts Options) *Oracle {
	t.Helper()
	if _, err := opts.binary(); err != nil {
		needs.Skip(t, "%v (install Debian package kamailio, or set KAMAILIO)", err)
	}
	o, err := New(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("start kamailio oracle: %v", err)
	}
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			t.Errorf("stop kamailio oracle: %v", err)
		}
	})
	return o
}

// New starts Kamailio with a generated cfg in dir (which must exist and
// is left for inspection) and waits until every lane answers.
func New(dir string, opts Options) (*Oracle, error) {
	bin, err := opts.binary()
	if err != nil {
		return nil, err
	}
	if opts.Calls == nil {
		opts.Calls = DefaultCalls()
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	o := &Oracle{opts: opts, dir: dir, index: make(map[Call]int)}
	for i, c := range opts.Calls {
		if _, dup := o.index[c]; dup {
			return nil, fmt.Errorf("call %v listed twice", c)
		}
		o.index[c] = i
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		lastErr = o.start(bin, opts)
		if lastErr == nil {
			return o, nil
		}
		if !errors.Is(lastErr, errAddrInUse) {
			break
		}
	}
	return nil, lastErr
}

// errAddrInUse means Kamailio could not bind a port reserved for it: some
// other process took it between release and bind.
var errAddrInUse = errors.New("kamailio: address already in use")

// start makes one attempt at starting Kamailio on fresh ports.
func (o *Oracle) start(bin string, opts Options) error {
	o.lanes = nil
	ports, release, err := reserveUDPPorts(len(opts.Calls))
	if err != nil {
		return err
	}
	for i, c := range opts.Calls {
		l, err := newLane(c, ports[i])
		if err != nil {
			release()
			o.closeLanes()
			return err
		}
		o.lanes = append(o.lanes, l)
	}
	cfg := buildCfg(cfgParams{Ports: ports, Calls: opts.Calls, ProxyRequire: opts.ProxyRequire, ModulesDir: opts.ModulesDir,
		Preamble: opts.preamble, RawArgs: opts.rawArgs, NoSanityReply: !hasSanityReply(opts.Release)})
	o.rt = newRouter(o.lanes)
	pr, pw := io.Pipe()
	go o.rt.run(pr)
	release()
	o.proc, err = startKamailio(bin, o.dir, cfg, pw)
	if err != nil {
		pw.Close()
		o.closeLanes()
		return err
	}
	go func() {
		<-o.proc.exited
		pw.Close()
	}()
	if err := o.waitReady(60 * time.Second); err != nil { // six releases starting at once on 2 shared cores
		if cerr := o.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		o.proc = nil
		return err
	}
	return nil
}

// waitReady pings every lane with sentinels until each answers.
func (o *Oracle) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, l := range o.lanes {
		for {
			select {
			case <-o.proc.exited:
				<-o.rt.done
				log := o.rt.lastLines()
				err := fmt.Errorf("kamailio exited during startup (%v); log:\n%s", o.proc.err, log)
				if strings.Contains(log, "Address already in use") {
					err = fmt.Errorf("%w: %w", errAddrInUse, err)
				}
				return err
			default:
			}
			var r [1]probeResult
			err := l.run([][]byte{nil}, r[:], 200*time.Millisecond, o.proc.exited)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("kamailio not answering on port %d after %v: %v; log:\n%s", l.port, limit, err, o.rt.lastLines())
			}
			l.drain()
		}
	}
	return nil
}

// drain discards whatever a lane has queued (after a startup ping timed out).
func (l *lane) drain() {
	for {
		select {
		case <-l.logs:
		case <-l.dgrams:
		default:
			return
		}
	}
}

// Close stops Kamailio and closes the client sockets.
func (o *Oracle) Close() error {
	var err error
	if o.proc != nil {
		err = o.proc.stop(5 * time.Second)
	}
	o.closeLanes()
	return err
}

func (o *Oracle) closeLanes() {
	for _, l := range o.lanes {
		l.conn.Close()
	}
}

// Calls returns the calls this oracle runs.
func (o *Oracle) Calls() []Call { return append([]Call(nil), o.opts.Calls...) }

// ProxyRequire returns the proxy_require modparam this oracle runs with.
func (o *Oracle) ProxyRequire() string { return o.opts.ProxyRequire }

// CfgPath returns the path of the generated kamailio.cfg.
func (o *Oracle) CfgPath() string { return o.dir + "/kamailio.cfg" }

// Observation is everything Kamailio did with one message.
type Observation struct {
	Len      int       // message length in bytes
	CoreDrop bool      // no call's route ran: the core dropped the message
	DropLog  []string  // Kamailio's log lines for a dropped message (may be empty: some drops log only at debug level)
	Outcomes []Outcome // per Call, in the order of Oracle.Calls
	Err      error     // message could not be judged (too large for UDP)
	calls    map[Call]int
	response bool // the message is a SIP response (by its first bytes)
	// noSanityReply: the oracle's release cannot call sanity_reply(), so
	// the no-reply flag is not observable (see cfgParams).
	noSanityReply bool
	ack           bool // the message is an ACK request
}

// Outcome returns the outcome of call c, or false if the oracle did not run c.
func (ob *Observation) Outcome(c Call) (Outcome, bool) {
	i, ok := ob.calls[c]
	if !ok {
		return Outcome{}, false
	}
	return ob.Outcomes[i], true
}

// Judge runs one message through every call.
func (o *Oracle) Judge(raw []byte) (*Observation, error) {
	obs, err := o.JudgeBatch([][]byte{raw})
	if err != nil {
		return nil, err
	}
	return obs[0], nil
}

// JudgeBatch runs every message through every call. All lanes run in
// parallel; within a lane probes are pipelined, so a batch costs about one
// Kamailio round trip per message and lane divided by the window.
func (o *Oracle) JudgeBatch(msgs [][]byte) ([]*Observation, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken != nil {
		return nil, fmt.Errorf("oracle unusable after earlier error: %w", o.broken)
	}
	per := make([][]probeResult, len(o.lanes))
	errs := make([]error, len(o.lanes))
	var wg sync.WaitGroup
	for i, l := range o.lanes {
		per[i] = make([]probeResult, len(msgs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.run(msgs, per[i], o.opts.Timeout, o.proc.exited)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		o.broken = err
		return nil, err
	}
	out := make([]*Observation, len(msgs))
	for m := range msgs {
		ob := &Observation{Len: len(msgs[m]), calls: o.index, Outcomes: make([]Outcome, len(o.lanes)),
			noSanityReply: !hasSanityReply(o.opts.Release)}
		ob.response, ob.ack = classify(msgs[m])
		routed := 0
		for i := range o.lanes {
			r := per[i][m]
			ob.Outcomes[i] = r.out
			if r.err != nil {
				ob.Err = r.err
			}
			if r.out.Routed {
				routed++
			}
		}
		switch {
		case ob.Err != nil:
		case routed == 0:
			ob.CoreDrop = true
			ob.DropLog = per[0][m].dropLog
		case routed != len(o.lanes):
			ob.Err = fmt.Errorf("core dropped the message on %d of %d sockets", len(o.lanes)-routed, len(o.lanes))
		}
		out[m] = ob
	}
	return out, nil
}

// classify tells SIP responses and ACKs apart by the first bytes, the way
// Kamailio's first-line parser does: leading whitespace and empty lines are
// skipped, "SIP/2.0 " is matched case-insensitively.
func classify(raw []byte) (response, ack bool) {
	i := 0
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n') {
		i++
	}
	raw = raw[i:]
	if len(raw) >= 8 && strings.EqualFold(string(raw[:8]), "SIP/2.0 ") {
		return true, false
	}
	return false, len(raw) >= 4 && string(raw[:4]) == "ACK "
}

// Version runs `kamailio -v` and returns the version it prints
// (e.g. "5.6.3").
func (o Options) Version() (string, error) {
	bin, err := o.binary()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(bin, "-v").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s -v: %w", bin, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "version: kamailio "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return f[0], nil
			}
		}
	}
	return "", fmt.Errorf("%s -v: no version line in %q", bin, out)
}

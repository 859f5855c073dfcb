package kamailiotest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ErrKamailioExited means Kamailio exited while the oracle waited for it:
// a worker crashed (the attendant then stops every process) or it was
// killed.
var ErrKamailioExited = errors.New("kamailio exited")

// ErrCrasher marks the Observation of a message that made Kamailio exit.
var ErrCrasher = errors.New("message crashes kamailio")

// Crash is one message that crashed a real Kamailio: a finding, recorded in
// testdata/kamailio-crashers.jsonl and excluded from the comparison only
// for that exact message (by SHA-256) and release.
type Crash struct {
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Source  string `json:"source"`
	Signal  int    `json:"signal"`        // signal the worker died of (0 = unknown)
	Log     string `json:"log,omitempty"` // the attendant's line about it
	Message string `json:"message"`       // the message bytes, for reproduction
}

// MessageHash is the key of a crasher: hex SHA-256 of the message bytes.
func MessageHash(raw []byte) string {
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}

// signalLine is what Kamailio's attendant logs when a child dies.
var signalLine = regexp.MustCompile(`child process \d+ exited by a signal (\d+)`)

// crashSignal finds the signal in the attendant's last log lines.
func crashSignal(log string) (int, string) {
	for _, line := range strings.Split(log, "\n") {
		if m := signalLine.FindStringSubmatch(line); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return 0, line
			}
			return n, strings.TrimSpace(line[strings.Index(line, "child process"):])
		}
	}
	return 0, ""
}

// judgeChunk is how many messages JudgeAll sends per batch: a crash costs
// a restart and one-by-one judging of the rest of its chunk.
const judgeChunk = 2000

// maxCrashes bounds the restarts one JudgeAll does: more crashes than this
// mean something other than single bad messages is wrong.
const maxCrashes = 200

// crashProbe is the batch size JudgeAll uses inside a chunk that crashed.
const crashProbe = 64

// JudgeAll is JudgeBatch that survives crashes: when Kamailio exits, it is
// restarted and the messages of the chunk are judged one by one, so that
// each message that makes it exit is identified. Such a message gets an
// Observation with Err wrapping ErrCrasher, and is reported as a Crash.
// skip lists hashes (MessageHash) not to send at all (known crashers);
// their Observations get Err wrapping ErrCrasher as well.
func (o *Oracle) JudgeAll(msgs [][]byte, skip map[string]bool) ([]*Observation, []Crash, error) {
	out := make([]*Observation, len(msgs))
	var crashes []Crash
	var send []int
	for i, m := range msgs {
		if skip[MessageHash(m)] {
			out[i] = &Observation{Len: len(m), Err: fmt.Errorf("%w (known, not sent)", ErrCrasher)}
			continue
		}
		send = append(send, i)
	}
	for start := 0; start < len(send); start += judgeChunk {
		idx := send[start:min(start+judgeChunk, len(send))]
		batch := make([][]byte, len(idx))
		for k, i := range idx {
			batch[k] = msgs[i]
		}
		obs, err := o.JudgeBatch(batch)
		if err == nil {
			for k, i := range idx {
				out[i] = obs[k]
			}
			continue
		}
		if !errors.Is(err, ErrKamailioExited) {
			return nil, crashes, err
		}
		if err := o.restart(); err != nil {
			return nil, crashes, err
		}
		// Find the crasher(s): small batches, then one by one inside the
		// batch that died.
		for lo := 0; lo < len(idx); lo += crashProbe {
			hi := min(lo+crashProbe, len(idx))
			obs, err := o.JudgeBatch(batch[lo:hi])
			if err == nil {
				for k := lo; k < hi; k++ {
					out[idx[k]] = obs[k-lo]
				}
				continue
			}
			if !errors.Is(err, ErrKamailioExited) {
				return nil, crashes, err
			}
			if err := o.restart(); err != nil {
				return nil, crashes, err
			}
			for k := lo; k < hi; k++ {
				i := idx[k]
				ob, err := o.Judge(batch[k])
				if err == nil {
					out[i] = ob
					continue
				}
				if !errors.Is(err, ErrKamailioExited) {
					return nil, crashes, err
				}
				<-o.rt.done // the log pipe closes once every process is gone
				sig, line := crashSignal(o.rt.lastLines())
				crashes = append(crashes, Crash{Version: o.opts.Release, SHA256: MessageHash(batch[k]), Signal: sig, Log: line, Message: string(batch[k])})
				out[i] = &Observation{Len: len(batch[k]), Err: fmt.Errorf("%w (signal %d)", ErrCrasher, sig)}
				if len(crashes) > maxCrashes {
					return nil, crashes, fmt.Errorf("kamailio %s crashed on more than %d messages", o.opts.Release, maxCrashes)
				}
				if err := o.restart(); err != nil {
					return nil, crashes, err
				}
			}
		}
	}
	return out, crashes, nil
}

// restart stops what is left of Kamailio and starts it again on fresh
// ports with the same cfg parameters.
func (o *Oracle) restart() error {
	if err := o.Close(); err != nil && !errors.Is(err, ErrKamailioExited) {
		// A dead process group is the expected state; anything else is
		// reported but does not stop the restart.
		fmt.Fprintf(os.Stderr, "kamailiotest: stopping crashed kamailio: %v\n", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.broken = nil
	o.proc = nil
	bin, err := o.opts.binary()
	if err != nil {
		return err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = o.start(bin, o.opts); lastErr == nil || !errors.Is(lastErr, errAddrInUse) {
			return lastErr
		}
	}
	return lastErr
}

// ReadCrashers reads a crashers file (JSON lines of Crash); a missing file
// is an empty list.
func ReadCrashers(path string) ([]Crash, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Crash
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var c Crash
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if c.Version == "" || len(c.SHA256) != 64 {
			return nil, fmt.Errorf("%s:%d: crasher needs version and sha256", path, n)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// appendCrashers adds crashers to a crashers file.
func appendCrashers(path string, cs []Crash) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, c := range cs {
		if err := enc.Encode(c); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

package memstat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// RecordingVersion is the schema version written in every recording line
// ("v"). Readers accept lines of this version and read the known fields of
// newer ones, with a note.
const RecordingVersion = 1

// Line types of a recording ("type").
const (
	lineStart  = "start"  // a recorder started: source and interval
	lineSample = "sample" // one successful poll
	lineGap    = "gap"    // a poll failed; error says why
	lineStop   = "stop"   // the recorder stopped cleanly
)

// recLine is one JSONL line of a recording. See README.md for the schema.
type recLine struct {
	V         int       `json:"v"`
	Type      string    `json:"type"`
	T         time.Time `json:"t"`
	Source    string    `json:"source,omitempty"`
	Interval  string    `json:"interval,omitempty"`
	Version   string    `json:"version,omitempty"`
	ShmSource string    `json:"shm_source,omitempty"`
	Shm       *ShmStat  `json:"shm,omitempty"`
	Pkg       []PkgStat `json:"pkg,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// Watcher polls a Sampler every Interval and appends one JSONL line per
// poll to Out: a "sample" line, or a "gap" line when the poll failed. It
// keeps polling through failures, so a recording survives Kamailio
// restarts; the reader detects the restart from the changed pids.
type Watcher struct {
	Sampler  Sampler
	Interval time.Duration
	Out      io.Writer
	// Source is written to the start line, e.g. the RPC URL.
	Source string
	// OnPoll, when set, is called after each poll and its line are
	// written (progress output). It runs on the Run goroutine.
	OnPoll func(Sample, error)
}

// Watch is the simple form of Watcher.Run.
func Watch(ctx context.Context, s Sampler, interval time.Duration, out io.Writer) error {
	return (&Watcher{Sampler: s, Interval: interval, Out: out}).Run(ctx)
}

// Run polls at once and then every Interval until ctx is done, when it
// writes a stop line and returns nil. It returns an error when writing
// fails, and when the very first poll fails in a way that retrying cannot
// fix (method not found, HTTP error status, malformed answer): that is a
// configuration error the operator must see now, not a gap.
func (w *Watcher) Run(ctx context.Context) error {
	if w.Interval <= 0 {
		return fmt.Errorf("memstat: watch interval must be positive, got %v", w.Interval)
	}
	if w.Sampler == nil || w.Out == nil {
		return errors.New("memstat: watcher needs a Sampler and an Out writer")
	}
	if err := w.write(recLine{Type: lineStart, T: time.Now(), Source: w.Source, Interval: w.Interval.String()}); err != nil {
		return err
	}
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	ok := false
	for {
		started := time.Now()
		s, err := w.Sampler.Sample(ctx)
		if ctx.Err() != nil {
			return w.write(recLine{Type: lineStop, T: time.Now()})
		}
		if err != nil {
			if werr := w.write(recLine{Type: lineGap, T: started, Error: err.Error()}); werr != nil {
				return werr
			}
			if !ok && permanent(err) {
				return err
			}
		} else {
			ok = true
			shm := s.Shm
			if werr := w.write(recLine{Type: lineSample, T: s.Time, Version: s.Version, ShmSource: s.ShmSource, Shm: &shm, Pkg: s.Pkg}); werr != nil {
				return werr
			}
		}
		if w.OnPoll != nil {
			w.OnPoll(s, err)
		}
		select {
		case <-ctx.Done():
			return w.write(recLine{Type: lineStop, T: time.Now()})
		case <-tick.C:
		}
	}
}

// permanent reports errors that a retry a few seconds later will not fix.
func permanent(err error) bool {
	return errors.Is(err, ErrMethodNotFound) || errors.Is(err, ErrHTTPStatus) || errors.Is(err, ErrBadResponse)
}

// write encodes l as one line and writes it with a single Write call, so
// that lines from an O_APPEND file stay whole.
func (w *Watcher) write(l recLine) error {
	l.V = RecordingVersion
	l.T = l.T.UTC()
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("memstat: encoding recording line: %w", err)
	}
	b = append(b, '\n')
	if _, err := w.Out.Write(b); err != nil {
		return fmt.Errorf("memstat: writing recording: %w", err)
	}
	return nil
}

// OpenRecording opens path for appending, creating it if needed. If the
// file ends in a partial line (a recorder killed mid-write), a newline is
// written first so that the next line starts clean; the reader reports the
// broken line by number.
func OpenRecording(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("memstat: opening recording: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("memstat: opening recording %s: %w", path, err)
	}
	if st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err != nil {
			f.Close()
			return nil, fmt.Errorf("memstat: reading end of recording %s: %w", path, err)
		}
		if last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("memstat: repairing end of recording %s: %w", path, err)
			}
		}
	}
	return f, nil
}

// Collect polls s every interval until ctx is done and returns the polls
// as a Set, exactly as if they had been recorded and read back: the live
// form of a recording (sipcorr analyze --rpc). The history is kept in
// memory as JSONL, about 150 bytes per process per poll.
func Collect(ctx context.Context, s Sampler, interval time.Duration, source string) (*Set, error) {
	var buf bytes.Buffer
	w := &Watcher{Sampler: s, Interval: interval, Out: &buf, Source: source}
	if err := w.Run(ctx); err != nil {
		return nil, err
	}
	return ReadRecording(&buf, source)
}

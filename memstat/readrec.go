package memstat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrNoData means an input held nothing memstat could use.
var ErrNoData = errors.New("memstat: no usable memory data")

// ErrUntimed is wrapped (beside ErrNoData) by a file of JSON-RPC answers
// that carry no time when no CSVOptions.Interval says how far apart the
// polls were: a caller can ask its user for the loop's interval.
var ErrUntimed = errors.New("the answers carry no time")

// ReadRecording reads a JSONL recording written by Watcher. name labels
// notes and errors (usually the file name).
//
// Broken lines are skipped and reported with their line number; a broken
// last line without newline is reported as partial (a recorder killed
// mid-write). Gap lines become NoteGap notes. The error is non-nil when
// reading fails, and ErrNoData when no line is a recording line (probably
// not a recording) or no sample is usable (the server never answered; the
// error quotes the first gap).
//
// The input is read within DefaultLimits (ReadRecordingLimits takes
// others): a line longer than MaxLine is skipped with a note, at most
// MaxLine bytes of it buffered; a bigger input or more values is a
// *LimitError.
func ReadRecording(r io.Reader, name string) (*Set, error) {
	return ReadRecordingLimits(r, name, Limits{})
}

// ReadRecordingLimits is ReadRecording within lim.
func ReadRecordingLimits(r io.Reader, name string, lim Limits) (*Set, error) {
	lim = lim.orDefault()
	set := &Set{Source: name}
	bounded := NewBoundedReader(r, name, lim)
	bounded.skipLong = true // readLine skips (and notes) over-long lines
	br := bufio.NewReaderSize(bounded, 64<<10)
	budget := pointBudget{name: name, max: lim.MaxPoints}
	var samples []Sample
	known, newer := 0, false
	for lineNo := 1; ; lineNo++ {
		line, complete, err := readLine(br, lim.MaxLine)
		if errors.Is(err, ErrLimit) {
			return nil, err
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("memstat: reading %s line %d: %w", name, lineNo, err)
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		if line == nil { // longer than maxLine
			set.note(NoteSkipped, lineNo, time.Time{}, "line longer than %d bytes", lim.MaxLine)
			continue
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			if err == io.EOF {
				break
			}
			continue
		}
		var l recLine
		if uerr := json.Unmarshal(line, &l); uerr != nil || l.V <= 0 || l.Type == "" {
			why := "not a recording line"
			if uerr != nil {
				why = "not JSON: " + uerr.Error()
			}
			if !complete {
				set.note(NotePartial, lineNo, time.Time{}, "truncated last line (%d bytes, no newline: the recorder probably stopped mid-write): %s", len(line), why)
			} else {
				set.note(NoteSkipped, lineNo, time.Time{}, "%s: %q", why, cleanSnippet(line, 60))
			}
			if err == io.EOF {
				break
			}
			continue
		}
		known++
		if l.V > RecordingVersion && !newer {
			newer = true
			set.note(NoteInfo, lineNo, l.T, "recording format version %d is newer than %d: reading the known fields", l.V, RecordingVersion)
		}
		switch l.Type {
		case lineSample:
			s, why := l.sample()
			if why != "" {
				set.note(NoteSkipped, lineNo, l.T, "sample: %s", why)
			} else {
				// Each pkg entry becomes five values, shm six, plus the
				// weakest and UDP-receiver aggregates.
				if berr := budget.take(5*len(s.Pkg)+16, lineNo, bounded.Offset()); berr != nil {
					return nil, berr
				}
				samples = append(samples, s)
			}
		case lineGap:
			set.note(NoteGap, lineNo, l.T, "poll failed: %s", cleanSnippet([]byte(l.Error), 400))
		case lineStart:
			set.note(NoteInfo, lineNo, l.T, "recorder started: source %q, interval %s", l.Source, l.Interval)
		case lineStop:
			set.note(NoteInfo, lineNo, l.T, "recorder stopped")
		default:
			set.note(NoteIgnored, lineNo, l.T, "unknown line type %q", cleanSnippet([]byte(l.Type), 30))
		}
		if err == io.EOF {
			break
		}
	}
	if known == 0 {
		return nil, fmt.Errorf("%w: %s has no recording lines (%d notes)", ErrNoData, name, len(set.Notes))
	}
	if len(samples) == 0 {
		why := ""
		for _, n := range set.Notes {
			if n.Kind == NoteGap || n.Kind == NoteSkipped {
				why = "; first problem: " + n.String()
				break
			}
		}
		return nil, fmt.Errorf("%w: %s has no usable samples%s", ErrNoData, name, why)
	}
	b := newBuilder(set)
	b.add(samples)
	return b.finish(), nil
}

// sample validates a sample line. why is empty when it is usable.
func (l *recLine) sample() (s Sample, why string) {
	if l.T.IsZero() {
		return s, "no time"
	}
	if l.Shm == nil && len(l.Pkg) == 0 {
		return s, "neither shm nor pkg values"
	}
	s = Sample{Time: l.T, Version: l.Version, Pkg: l.Pkg, ShmSource: l.ShmSource}
	if l.Shm != nil {
		s.Shm = *l.Shm
	}
	return s, ""
}

// readLine returns the next line without its newline; complete is false
// when the input ended without one. A line longer than maxLine is
// consumed and returned as nil with complete true.
func readLine(br *bufio.Reader, maxLine int) (line []byte, complete bool, err error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxLine {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil:
			if tooLong {
				return nil, true, err
			}
			if buf == nil {
				buf = []byte{}
			}
			return buf, false, err
		}
		if tooLong {
			return nil, true, nil
		}
		return buf[:len(buf)-1], true, nil
	}
}

package memstat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ReadRPCLog reads a file of raw JSON-RPC answers as a cron + curl loop
// appends them (`curl -s -d '{"jsonrpc":"2.0","method":"pkg.stats","id":1}'
// http://kamailio:5060/RPC >> file`): answers of pkg.stats,
// stats.get_statistics (the "group:name = value" strings, also of "all"),
// stats.fetch / stats.fetchn (the object form), core.shmmem and
// core.version, compact one per line or pretty-printed, with or without
// newlines between them, and JSON-RPC batches. The results are decoded by
// the parsers of the live client.
//
// The time of an answer is its top-level "time", "ts" or "timestamp"
// field (RFC 3339 or Unix seconds, e.g. from `jq -c '. + {time: now}'`),
// else a time written before it on its line ("1765152000 {...}", from
// `echo -n "$(date +%s) "`), else the last time alone on a line before it
// (`{ date +%s; curl ...; curl ...; } >> file`). Answers of one time (or,
// without times, consecutive answers of different methods) are one poll.
// When no answer has a time, opts.Interval spaces the polls, the last one
// at opts.End (ReadFile: the file's modification time), with a note; with
// no Interval that is an ErrNoData error.
//
// Like recordings, pids are authoritative: a new pid of entry 0 is a
// server restart, a new pid of another entry splits that process. A file
// of shared memory only (no pids) gets SplitRestarts. Points are
// instantaneous readings: Set.Averaged is false. Broken, cut-off and
// unknown answers are notes with their line and byte offset; error
// answers are gaps. The input is read within opts.Limits: a line longer
// than MaxLine is a *LimitError, an answer longer than MaxLine is skipped.
func ReadRPCLog(r io.Reader, name string, opts CSVOptions) (*Set, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	lim := opts.Limits.orDefault()
	bounded := NewBoundedReader(r, name, lim)
	sc := newDocScanner(bounded, lim.MaxLine)
	rl := &rpcLog{set: &Set{Source: name}, name: name, opts: opts, maxDoc: lim.MaxLine,
		budget: pointBudget{name: name, max: lim.MaxPoints}}
	for {
		it, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrLimit) {
				return nil, err // names the file, line and offset
			}
			return nil, fmt.Errorf("memstat: reading %s line %d (byte offset %d): %w", name, sc.line, sc.offset(), err)
		}
		if err := rl.item(it); err != nil {
			return nil, err
		}
	}
	return rl.finish()
}

type rpcLog struct {
	set    *Set
	name   string
	opts   CSVOptions
	budget pointBudget
	maxDoc int
	parts  []rpcPart
	// pending is the time of the last time line: it times the answers
	// after it (`{ date +%s; curl ...; curl ...; } >> file`) up to the
	// next time line.
	pending     *time.Time
	pendAt      int
	pendOff     int64
	pendingUsed bool
	untimed     int // answers without a time
	bad         int // unusable answers and lines
	zonless     bool
	answers     int // JSON-RPC answers seen (usable or not)
	failed      int // error answers
}

// skip notes an unusable line or answer.
func (rl *rpcLog) skip(k NoteKind, line int, off int64, format string, args ...any) {
	rl.bad++
	rl.set.note(k, line, time.Time{}, "byte offset %d: %s", off, fmt.Sprintf(format, args...))
}

func (rl *rpcLog) item(it docItem) error {
	if !it.doc {
		text := strings.TrimSpace(string(it.data))
		if strings.HasPrefix(text, "#") {
			return nil // a comment, e.g. the cron line that wrote the file
		}
		if t, zoned, ok := parseTime(text, rl.opts.Location); ok {
			if rl.pending != nil && !rl.pendingUsed {
				rl.skip(NoteSkipped, rl.pendAt, rl.pendOff, "time line without an answer after it")
			}
			rl.pending, rl.pendAt, rl.pendOff, rl.pendingUsed = &t, it.line, it.off, false
			rl.zonless = rl.zonless || !zoned
			return nil
		}
		rl.skip(NoteSkipped, it.line, it.off, "not a JSON-RPC answer: %q", cleanSnippet(it.data, 60))
		return nil
	}
	switch {
	case it.tooLong:
		rl.skip(NoteSkipped, it.line, it.off, "answer longer than %d bytes", rl.maxDoc)
		return nil
	case !it.complete:
		rl.skip(NotePartial, it.line, it.off, "answer cut off after %d bytes (curl killed or the disk full?): %q", len(it.data), cleanSnippet(it.data, 60))
		return nil
	}
	var t time.Time
	timed := false
	if p := strings.TrimSpace(string(it.prefix)); p != "" {
		pt, zoned, ok := parseTime(p, rl.opts.Location)
		if ok {
			t, timed, rl.zonless = pt, true, rl.zonless || !zoned
		} else {
			rl.skip(NoteSkipped, it.line, it.off, "text before the answer is not a time: %q", cleanSnippet(it.prefix, 60))
		}
	} else if rl.pending != nil {
		t, timed, rl.pendingUsed = *rl.pending, true, true
	}
	var answers []json.RawMessage
	if it.data[0] == '[' {
		if err := json.Unmarshal(it.data, &answers); err != nil {
			rl.skip(NoteSkipped, it.line, it.off, "not JSON: %v", err)
			return nil
		}
	} else {
		answers = []json.RawMessage{it.data}
	}
	for _, raw := range answers {
		if err := rl.answer(raw, it, t, timed); err != nil {
			return err
		}
	}
	return nil
}

// answer adds one JSON-RPC answer (an element of a batch, or a document).
func (rl *rpcLog) answer(raw json.RawMessage, it docItem, t time.Time, timed bool) error {
	var a rpcAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		rl.skip(NoteSkipped, it.line, it.off, "not JSON: %v", err)
		return nil
	}
	if a.JSONRPC == "" && a.Result == nil && a.Error == nil {
		rl.skip(NoteSkipped, it.line, it.off, "not a JSON-RPC answer: %q", cleanSnippet(raw, 60))
		return nil
	}
	rl.answers++
	if ft, zoned, has, ok := a.answerTime(rl.opts.Location); has {
		if !ok {
			rl.skip(NoteSkipped, it.line, it.off, "the time field of the answer is not a time")
			return nil
		}
		t, timed, rl.zonless = ft, true, rl.zonless || !zoned
	}
	if len(a.Error) > 0 && string(a.Error) != "null" {
		rl.bad++
		rl.failed++
		rl.set.note(NoteGap, it.line, t, "byte offset %d: the RPC failed: %s", it.off, rpcErrorText(a.Error))
		return nil
	}
	p, why := classifyResult(a.Result)
	if why != "" {
		rl.skip(NoteIgnored, it.line, it.off, "answer not used: %s", cleanSnippet([]byte(why), 200))
		return nil
	}
	if !timed {
		rl.untimed++
		t = time.Time{}
	}
	p.t, p.line, p.off = t, it.line, it.off
	// Each pkg entry becomes five values, shm six, plus the aggregates.
	if err := rl.budget.take(5*len(p.pkg)+16, it.line, it.off); err != nil {
		return err
	}
	rl.parts = append(rl.parts, p)
	return nil
}

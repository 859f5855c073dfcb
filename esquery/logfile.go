package esquery

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// MaxLineLen bounds one log line; longer lines are counted as bad and skipped.
const MaxLineLen = 1 << 20

// ErrLineTooLong means a log line exceeded MaxLineLen.
var ErrLineTooLong = errors.New("esquery: line too long")

// Bounds of one log input besides MaxLineLen (documented in README.md,
// "Log files"). They make /dev/zero, a FIFO that never ends or a binary
// file end with an ErrNotLog error naming the byte offset, instead of a
// read that never ends.
const (
	// MaxRunLen is the longest over-long line skipped before the input
	// is given up as no log: no logger writes a 64 MiB line, /dev/zero
	// is one endless line.
	MaxRunLen = 64 << 20
	// MaxNULBytes is the most NUL bytes tolerated (lines holding them are
	// counted bad as binary data): a syslog file cut by a crash has a
	// block of NULs, a device or binary file has far more.
	MaxNULBytes = 1 << 20
	// DefaultMaxBytes is the default FileOptions.MaxBytes.
	DefaultMaxBytes = 64 << 30
)

// ErrNotLog means an input is not a log within the bounds: too much
// binary data, an endless line or more than FileOptions.MaxBytes.
var ErrNotLog = errors.New("esquery: input is not a log file within the bounds")

// ErrBinaryLine means a line held NUL bytes.
var ErrBinaryLine = errors.New("esquery: binary data (NUL bytes) in line")

// ErrBadJSON means a line that starts with '{' is not a JSON object.
var ErrBadJSON = errors.New("esquery: invalid JSON line")

// FileOptions completes what log files leave out.
type FileOptions struct {
	// Year for RFC 3164 timestamps ("Nov  9 10:00:01"); 0 takes the year
	// of the file's modification time (ModTime), the previous year for
	// months after that one.
	Year    int
	ModTime time.Time      // set by ReadLogFile from the file; for ReadLog, the caller's
	Loc     *time.Location // zone of timestamps without one; nil means UTC
	// MaxExamples bounds the bad lines kept with their line numbers
	// (default 20); all of them are counted.
	MaxExamples int
	// MaxBytes bounds the bytes read (after gzip decompression); 0 means
	// DefaultMaxBytes (64 GiB).
	MaxBytes int64
}

// LineError is one bad line: where, and why. It never holds the line's
// content, which may be hostile.
type LineError struct {
	Name string // file name
	Line int64  // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }

// Unwrap returns the cause (ErrBadTime, ErrNoMatch, ...).
func (e *LineError) Unwrap() error { return e.Err }

// FileStats counts what a log file held.
type FileStats struct {
	Lines    int64 // lines read
	Hits     int64 // malformed-SIP lines emitted (in the window, if one was set)
	Outside  int64 // malformed-SIP lines outside Query.From/To
	Other    int64 // lines without any of the phrases
	Bad      int64 // malformed-SIP lines that could not be read (no time, bad JSON, too long), and lines with NUL bytes
	Unparsed int64 // emitted hits whose message matched no pattern (neither UA nor source known)
	// BadSource counts emitted hits with a UA whose source was no address
	// (999.1.1.1, port 99999): counted by UA, without source.
	BadSource int64
	// BadByReason counts Bad and Unparsed lines by error text.
	BadByReason map[string]int64
	Examples    []LineError // the first MaxExamples bad or unparsed lines
	Gzip        bool
}

func (s *FileStats) bad(name string, line int64, err error, max int) {
	if s.BadByReason == nil {
		s.BadByReason = map[string]int64{}
	}
	s.BadByReason[err.Error()]++
	if len(s.Examples) < max {
		s.Examples = append(s.Examples, LineError{Name: name, Line: line, Err: err})
	}
}

// ReadLogFile reads Kamailio log lines from path (syslog or journal text,
// NDJSON; plain or gzip-compressed, recognised by content) and calls emit
// for every malformed-SIP line. Lines are selected as in Elasticsearch: the
// message must contain one of q.Phrases, then q.Pattern (or structured
// fields in NDJSON) give UA and source. A zero q.From/q.To means no bound.
func ReadLogFile(path string, q Query, opts FileOptions, emit func(Hit) error) (FileStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileStats{}, err
	}
	defer f.Close()
	if opts.ModTime.IsZero() {
		if fi, err := f.Stat(); err == nil {
			opts.ModTime = fi.ModTime()
		}
	}
	return ReadLog(f, path, q, opts, emit)
}

// ReadLog is ReadLogFile on an open stream; name labels hits and errors.
func ReadLog(r io.Reader, name string, q Query, opts FileOptions, emit func(Hit) error) (FileStats, error) {
	var st FileStats
	p, err := NewLineParser(q.Pattern)
	if err != nil {
		return st, err
	}
	if opts.Loc == nil {
		opts.Loc = time.UTC
	}
	if opts.MaxExamples == 0 {
		opts.MaxExamples = 20
	}
	phrases := q.Phrases
	if len(phrases) == 0 {
		phrases = DefaultPhrases
	}
	pb := make([][]byte, len(phrases))
	for i, s := range phrases {
		pb[i] = []byte(s)
	}
	f := q.fields()

	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return st, fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		st.Gzip = true
		br = bufio.NewReaderSize(zr, 64<<10)
	}

	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	var long bool // inside an over-long line
	var buf []byte
	var off, lineStart, nuls, firstNUL int64 = 0, 0, 0, -1
	for {
		chunk, err := br.ReadSlice('\n')
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			if firstNUL < 0 {
				firstNUL = off + int64(i)
			}
			if nuls += int64(bytes.Count(chunk, []byte{0})); nuls > MaxNULBytes {
				return st, fmt.Errorf("%w: %s: binary data at byte %d (line %d): more than %d NUL bytes (a device or a binary file is no log)", ErrNotLog, name, firstNUL, st.Lines+1, MaxNULBytes)
			}
		}
		off += int64(len(chunk))
		switch {
		case off > opts.MaxBytes:
			return st, fmt.Errorf("%w: %s: more than %d bytes at line %d (the bound of one log input, after decompression)", ErrNotLog, name, opts.MaxBytes, st.Lines+1)
		case off-lineStart > MaxRunLen:
			return st, fmt.Errorf("%w: %s: line %d (byte %d) longer than %d bytes: no log has such lines", ErrNotLog, name, st.Lines+1, lineStart, MaxRunLen)
		}
		if err == bufio.ErrBufferFull {
			if !long && len(buf)+len(chunk) <= MaxLineLen {
				buf = append(buf, chunk...)
			} else {
				long, buf = true, buf[:0]
			}
			continue
		}
		if len(chunk) > 0 || len(buf) > 0 {
			line := chunk
			if len(buf) > 0 {
				buf = append(buf, chunk...)
				line = buf
			}
			st.Lines++
			lineStart = off
			if long || len(line) > MaxLineLen {
				st.Bad++
				st.bad(name, st.Lines, ErrLineTooLong, opts.MaxExamples)
			} else if bytes.IndexByte(line, 0) >= 0 {
				st.Bad++
				st.bad(name, st.Lines, ErrBinaryLine, opts.MaxExamples)
			} else if eerr := readLine(bytes.TrimRight(line, "\r\n"), name, st.Lines, q, opts, f, p, pb, &st, emit); eerr != nil {
				return st, eerr
			}
			long, buf = false, buf[:0]
		}
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("%s: after line %d: %w", name, st.Lines, err)
		}
	}
}

// readLine handles one line; only emit's error is returned.
func readLine(line []byte, name string, n int64, q Query, opts FileOptions, f fieldSet, p *LineParser,
	phrases [][]byte, st *FileStats, emit func(Hit) error) error {
	isJSON := len(line) > 0 && line[0] == '{'
	// JSON lines are decoded first: journald spells some messages as byte
	// arrays, in which no phrase shows in the raw text.
	if !isJSON && !containsAny(line, phrases) {
		st.Other++
		return nil
	}
	var h Hit
	var perr error
	if isJSON {
		doc, err := decodeDoc(line)
		if err != nil && !containsAny(line, phrases) {
			st.Other++
			return nil
		}
		if err != nil {
			st.Bad++
			st.bad(name, n, ErrBadJSON, opts.MaxExamples)
			return nil
		}
		if src, ok := doc["_source"].(map[string]any); ok { // an Elasticsearch dump
			doc = src
		}
		if msg, _ := docMessage(doc, f); !containsAny([]byte(msg), phrases) {
			st.Other++
			return nil
		}
		t, err := docTime(doc, f)
		if err != nil {
			st.Bad++
			st.bad(name, n, err, opts.MaxExamples)
			return nil
		}
		h, perr = docHit(doc, f, p)
		h.Time = t
	} else {
		t, rest, err := splitTextTime(string(line), opts.Year, opts.ModTime, opts.Loc)
		if err != nil {
			st.Bad++
			st.bad(name, n, err, opts.MaxExamples)
			return nil
		}
		l, err := p.Parse(rest)
		h = Hit{Time: t, UA: l.UA, HasUA: l.HasUA, Src: l.Src}
		switch {
		case !h.HasUA && !h.Src.IsValid():
			perr = err
		case errors.Is(err, ErrBadSource):
			// counted by its UA, but the source is no address
			// (<999.1.1.1:99999>): say so rather than drop it silently
			st.BadSource++
			st.bad(name, n, err, opts.MaxExamples)
		}
	}
	if (!q.From.IsZero() && h.Time.Before(q.From)) || (!q.To.IsZero() && !h.Time.Before(q.To)) {
		st.Outside++
		return nil
	}
	if perr != nil {
		st.Unparsed++
		st.bad(name, n, perr, opts.MaxExamples)
	}
	h.Index, h.ID = name, fmt.Sprintf("line %d", n)
	st.Hits++
	return emit(h)
}

func containsAny(line []byte, phrases [][]byte) bool {
	for _, p := range phrases {
		if bytes.Contains(line, p) {
			return true
		}
	}
	return false
}

func decodeDoc(line []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, ErrBadJSON
	}
	return doc, nil
}

package memstat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Limits bound what reading one memory input may cost. Every reader of
// this package (ReadFile, Read, ReadCSV, ReadRecording and the readers
// added beside them) applies them; a reader for a new format should read
// through NewBoundedReader or NewLineReader and count its points with
// Limits.MaxPoints, so that the bounds stay the same for every format.
// Zero fields take the defaults (DefaultLimits).
type Limits struct {
	// MaxLine is the longest line, in bytes, a reader buffers. A longer
	// line is an error: no memory export has lines this long, and a file
	// of NULs or /dev/zero is one endless line.
	MaxLine int
	// MaxBytes is the most bytes read from the input, counted after
	// gzip decompression (so a gzip bomb stops here too).
	MaxBytes int64
	// MaxPoints is the most values kept over all series (about 40 bytes
	// each in memory, so the default bounds the series to about 1.3 GiB).
	MaxPoints int
}

// DefaultLimits are the bounds used where a Limits field is zero.
var DefaultLimits = Limits{MaxLine: 8 << 20, MaxBytes: 2 << 30, MaxPoints: 32 << 20}

// orDefault fills zero fields with the defaults.
func (l Limits) orDefault() Limits {
	if l.MaxLine <= 0 {
		l.MaxLine = DefaultLimits.MaxLine
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxPoints <= 0 {
		l.MaxPoints = DefaultLimits.MaxPoints
	}
	return l
}

// ErrLimit means an input exceeded one of the Limits. Errors matching it
// are *LimitError values naming the input, the bound and the offset.
var ErrLimit = errors.New("memstat: input exceeds a reading bound")

// LimitError says which bound an input exceeded and where.
type LimitError struct {
	Name   string // the input, usually a file name
	What   string // "line length", "input size" or "values"
	Limit  int64  // the bound
	Offset int64  // byte offset (after decompression) where it was exceeded
	Line   int    // 1-based line number, 0 when unknown
}

// Error names the file, the offset and the bound.
func (e *LimitError) Error() string {
	where := fmt.Sprintf("byte offset %d", e.Offset)
	if e.Line > 0 {
		where = fmt.Sprintf("line %d (byte offset %d)", e.Line, e.Offset)
	}
	switch e.What {
	case "line length":
		return fmt.Sprintf("memstat: %s: %s: line longer than %d bytes (the bound of one line; a device, a file of NULs or a binary file is no memory export)", e.Name, where, e.Limit)
	case "values":
		return fmt.Sprintf("memstat: %s: %s: more than %d values (the bound of one memory input; export a shorter time range)", e.Name, where, e.Limit)
	}
	return fmt.Sprintf("memstat: %s: %s: more than %d bytes of %s (the bound of one memory input, counted after decompression)", e.Name, where, e.Limit, e.What)
}

// Is makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// BoundedReader passes an input through while enforcing Limits.MaxBytes
// and Limits.MaxLine, so that readers which buffer whole lines or records
// (encoding/csv, bufio) never buffer more than one bounded line. It is
// what makes /dev/zero, FIFOs and gzip bombs end with a *LimitError
// instead of exhausting memory.
type BoundedReader struct {
	r       io.Reader
	name    string
	lim     Limits
	off     int64 // bytes passed through
	line    int   // current line number, 1-based
	lineLen int   // bytes of the current line so far
	err     error
	// skipLong leaves the line bound to the caller, which skips over-long
	// lines (recordings: one corrupt line must not lose the rest).
	skipLong bool
}

// NewBoundedReader wraps r; name labels the errors.
func NewBoundedReader(r io.Reader, name string, lim Limits) *BoundedReader {
	return &BoundedReader{r: r, name: name, lim: lim.orDefault(), line: 1}
}

// Offset returns the number of bytes read so far.
func (b *BoundedReader) Offset() int64 { return b.off }

// Read implements io.Reader. Once a bound is exceeded every call returns
// the same *LimitError.
func (b *BoundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if rest := b.lim.MaxBytes + 1 - b.off; int64(len(p)) > rest {
		p = p[:rest] // one byte past the bound tells "exactly at" from "over"
	}
	n, err := b.r.Read(p)
	p = p[:n]
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		seg := len(p)
		if i >= 0 {
			seg = i
		}
		if !b.skipLong && b.lineLen+seg > b.lim.MaxLine {
			ok := b.lim.MaxLine - b.lineLen
			b.err = &LimitError{Name: b.name, What: "line length", Limit: int64(b.lim.MaxLine), Offset: b.off + int64(ok), Line: b.line}
			return n - len(p) + ok, b.err
		}
		if i < 0 {
			b.lineLen += seg
			b.off += int64(seg)
			break
		}
		b.off += int64(i + 1)
		b.line++
		b.lineLen = 0
		p = p[i+1:]
	}
	if b.off > b.lim.MaxBytes {
		b.err = &LimitError{Name: b.name, What: "input size", Limit: b.lim.MaxBytes, Offset: b.lim.MaxBytes, Line: b.line}
		return n - 1, b.err
	}
	return n, err
}

// LineReader reads bounded lines: the shared line reader of the memstat
// formats. Each line is at most Limits.MaxLine bytes and the input at
// most Limits.MaxBytes; exceeding either is a *LimitError.
type LineReader struct {
	br   *bufio.Reader
	b    *BoundedReader
	line int
}

// NewLineReader wraps r; name labels the errors.
func NewLineReader(r io.Reader, name string, lim Limits) *LineReader {
	b := NewBoundedReader(r, name, lim)
	return &LineReader{br: bufio.NewReaderSize(b, 64<<10), b: b}
}

// Next returns the next line without its newline (and without a trailing
// '\r'), its 1-based number, and io.EOF after the last line. complete is
// false for a last line without newline (a writer killed mid-line). The
// line is valid until the next call.
func (lr *LineReader) Next() (line []byte, lineNo int, complete bool, err error) {
	line, complete, err = readLine(lr.br, lr.b.lim.MaxLine)
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	if err != nil {
		return nil, lr.line + 1, false, err
	}
	lr.line++
	return bytes.TrimSuffix(line, []byte("\r")), lr.line, complete, nil
}

// Offset returns the bytes read from the input so far (a little ahead of
// the current line because of buffering).
func (lr *LineReader) Offset() int64 { return lr.b.Offset() }

// pointBudget counts values against Limits.MaxPoints.
type pointBudget struct {
	name string
	max  int
	n    int
}

// take counts n values; the error is a *LimitError once the bound is passed.
func (pb *pointBudget) take(n, line int, off int64) error {
	pb.n += n
	if pb.n > pb.max {
		return &LimitError{Name: pb.name, What: "values", Limit: int64(pb.max), Offset: off, Line: line}
	}
	return nil
}

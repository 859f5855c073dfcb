package memstat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ReadXport imports `rrdtool xport` output: the XML form
// (<xport><meta><start>, <step>, <end>, <rows>, <columns>, <legend><entry>
// ...</legend></meta><data><row><t>..</t><v>..</v>...</row>...</data> as
// old rrdtool and --showtime print it, also without <t> (rrdtool 1.7's
// default: times are start + i*step) and with --enumds's <v0>, <v1>) and
// the --json form (both
// rrdtool 1.4's JavaScript-like output with unquoted keys and single
// quotes, and the JSON of later versions, with or without --showtime).
//
// Legend entries are mapped like CSV columns (Munin compass-monitoring's
// min_used, min_free, used_size, ...; see README.md); a single unnamed
// column takes its field from a Munin file name. NaN, null and U are
// missing samples, counted in a note. rrdtool rows are consolidated
// averages: Set.Averaged is true, and restarts are inferred
// (SplitRestarts). The input is read within opts.Limits; problems name
// the line and byte offset.
func ReadXport(r io.Reader, name string, opts CSVOptions) (*Set, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	opts.Limits = opts.Limits.orDefault()
	bounded := NewBoundedReader(r, name, opts.Limits)
	im := newImporter(name, opts, bounded)
	x := &xportSink{im: im, sc: &byteScanner{br: bufio.NewReaderSize(bounded, 64<<10), line: 1}}
	var err error
	c, perr := x.sc.peekNonSpace()
	switch {
	case perr != nil:
		err = fmt.Errorf("%w: %s is empty", ErrNoData, name)
	case c == '<':
		err = x.readXML()
	default:
		err = x.readJSON()
	}
	if err != nil {
		return nil, err
	}
	if !x.begun {
		return nil, fmt.Errorf("%w: %s: no rrdtool xport meta (start, step, legend)", ErrNoData, name)
	}
	if x.meta.rows > 0 && x.meta.rows != x.n {
		im.set.note(NoteInfo, 0, time.Time{}, "meta says %d rows, the data has %d", x.meta.rows, x.n)
	}
	im.set.note(NoteInfo, 0, time.Time{}, "rrdtool xport: %d rows of %s (consolidated averages)", x.n, time.Duration(x.meta.step)*time.Second)
	return im.finish()
}

// byteScanner reads bytes and counts lines and offsets for messages.
type byteScanner struct {
	br   *bufio.Reader
	line int
	off  int64
}

func (s *byteScanner) read() (byte, error) {
	c, err := s.br.ReadByte()
	if err != nil {
		return 0, err
	}
	s.off++
	if c == '\n' {
		s.line++
	}
	return c, nil
}

func (s *byteScanner) unread() {
	if s.br.UnreadByte() == nil {
		s.off--
		if b, err := s.br.Peek(1); err == nil && b[0] == '\n' {
			s.line--
		}
	}
}

// peekNonSpace skips white space and returns the next byte, unread.
func (s *byteScanner) peekNonSpace() (byte, error) {
	for {
		c, err := s.read()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0xef && c != 0xbb && c != 0xbf {
			s.unread()
			return c, nil
		}
	}
}

// where names a position for errors: "name line 3 (byte offset 71)".
func (s *byteScanner) where(name string) string {
	return fmt.Sprintf("%s line %d (byte offset %d)", name, s.line, s.off)
}

// maxToken bounds one XML tag, text or JSON token of an xport: its
// values are numbers, times and legend names.
const maxToken = 4096

// xportMeta is the meta part of an export.
type xportMeta struct {
	start, step int64 // Unix seconds of the first row; seconds per row
	hasStart    bool
	rows, cols  int
	legend      []string
}

// xportSink turns rows into the importer's series.
type xportSink struct {
	im    *importer
	sc    *byteScanner
	meta  xportMeta
	cols  []*column
	begun bool
	n     int // rows seen
}

// begin maps the legend to columns, once the meta is complete.
func (x *xportSink) begin() error {
	x.begun = true
	m := &x.meta
	if m.step <= 0 {
		return fmt.Errorf("%w: %s: rrdtool xport meta has no positive step", ErrNoData, x.im.name)
	}
	if m.cols > 0 && m.cols != len(m.legend) {
		x.im.set.note(NoteInfo, 0, time.Time{}, "meta says %d columns, the legend has %d entries", m.cols, len(m.legend))
	}
	if len(m.legend) > maxColumns {
		return fmt.Errorf("%w: %s: %d legend entries, more than the bound of %d", ErrNoData, x.im.name, len(m.legend), maxColumns)
	}
	x.cols = make([]*column, len(m.legend))
	for i, h := range m.legend {
		x.cols[i] = x.im.useColumn(h, "legend entry")
	}
	if countUsed(x.cols) == 0 && len(x.cols) == 1 {
		x.cols[0] = x.im.fileNameColumn(m.legend[0])
	}
	if countUsed(x.cols) == 0 {
		return fmt.Errorf("%w: %s: no Kamailio memory columns among the legend %q", ErrNoData, x.im.name, cleanSnippet([]byte(strings.Join(m.legend, ", ")), 200))
	}
	return nil
}

// row stores one data row; tcell is its time ("" when the export has no
// times: start + i*step).
func (x *xportSink) row(tcell string, cells []string, line int) error {
	if !x.begun {
		if err := x.begin(); err != nil {
			return err
		}
	}
	i := x.n
	x.n++
	var t time.Time
	if tcell != "" {
		var ok bool
		if t, ok = xportTime(tcell, x.im.opts.Location); !ok {
			x.im.lineNote(line, "row time %q not understood", cleanSnippet([]byte(tcell), 40))
			return nil
		}
	} else {
		if !x.meta.hasStart {
			return fmt.Errorf("%w: %s line %d: rows without times and no start in the meta", ErrNoData, x.im.name, line)
		}
		t = time.Unix(x.meta.start+int64(i)*x.meta.step, 0).UTC()
	}
	if len(cells) > len(x.cols) {
		x.im.lineNote(line, "row has %d values for %d legend entries: the extra ones are ignored", len(cells), len(x.cols))
	}
	for j, c := range x.cols {
		if c == nil {
			continue
		}
		cell := ""
		if j < len(cells) {
			cell = cells[j]
		}
		x.im.value(c, t, cell, line)
	}
	return x.im.err
}

// xportTime reads a row or meta time: Unix seconds, or a time formatted
// by --x-grid's strftime pattern (in loc).
func xportTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n < 1<<40 {
		return time.Unix(n, 0).UTC(), true
	}
	t, _, ok := parseTime(s, loc)
	return t, ok
}

// metaInt reads an integer meta field (start, step, end, rows, columns).
func metaInt(s string) (int64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<40 {
		return 0, false
	}
	return int64(f), true
}

// setMeta stores one meta field; unknown fields (prints, gprints) are
// ignored.
func (x *xportSink) setMeta(key, val string) error {
	switch key {
	case "start":
		if n, ok := metaInt(val); ok {
			x.meta.start, x.meta.hasStart = n, true
		} else if t, ok := xportTime(val, x.im.opts.Location); ok {
			x.meta.start, x.meta.hasStart = t.Unix(), true
		} else {
			return fmt.Errorf("%w: %s: meta start %q is not a time", ErrNoData, x.sc.where(x.im.name), cleanSnippet([]byte(val), 40))
		}
	case "step":
		n, ok := metaInt(val)
		if !ok || n <= 0 {
			return fmt.Errorf("%w: %s: meta step %q is not a positive number of seconds", ErrNoData, x.sc.where(x.im.name), cleanSnippet([]byte(val), 40))
		}
		x.meta.step = n
	case "rows", "columns":
		if n, ok := metaInt(val); ok && n >= 0 && n < math.MaxInt32 {
			if key == "rows" {
				x.meta.rows = int(n)
			} else {
				x.meta.cols = int(n)
			}
		}
	}
	return nil
}

// tokenError is a syntax error of an export, with its position.
func (x *xportSink) tokenError(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrNoData, x.sc.where(x.im.name), fmt.Sprintf(format, args...))
}

// readErr turns a read error into the reader's error (a bound exceeded
// keeps its *LimitError).
func (x *xportSink) readErr(err error, what string) error {
	if errors.Is(err, ErrLimit) {
		return err
	}
	if err == io.EOF {
		return x.tokenError("the export ends inside %s (truncated?)", what)
	}
	return fmt.Errorf("memstat: reading %s: %w", x.sc.where(x.im.name), err)
}

// entityReplacer decodes the XML entities rrdtool's legend may hold.
var entityReplacer = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&quot;", `"`, "&apos;", "'")

// trimSpace is bytes.TrimSpace for a token.
func trimSpace(b []byte) string { return string(bytes.TrimSpace(b)) }

package memstat

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// CSVOptions tune ReadCSV and the readers beside it (ReadRPCLog,
// ReadXport); Read and ReadFile pass them on. The zero value detects
// everything.
type CSVOptions struct {
	// TimeColumn names the time column; empty detects it (a header such
	// as Time, timestamp, date, _time, else the first column if it holds
	// times).
	TimeColumn string
	// Location is the zone of times written without one (Grafana exports
	// browser-local times); nil means UTC.
	Location *time.Location
	// BinaryPrefixes reads k, M, G, KB, MB, GB as powers of 1024 (Munin
	// graphs drawn with --base 1024); KiB, MiB, GiB always are.
	BinaryPrefixes bool
	// Split tunes the restart inference; see SplitRestarts.
	Split SplitOptions
	// Interval spaces the polls of a file of JSON-RPC answers that carry
	// no time (ReadRPCLog): the cron loop's period. Zero makes such a file
	// an ErrNoData error rather than a series with invented times.
	Interval time.Duration
	// End is the time of the last poll of such a file. Read and ReadFile
	// take the file's modification time when it is zero.
	End time.Time
	// Limits bound the reading (line length, bytes after decompression,
	// values kept); zero fields take DefaultLimits. Read and ReadFile
	// apply them to recordings too.
	Limits Limits
}

// maxColumns bounds the columns of a wide CSV (and the series names of a
// long one): each used column is a series.
const maxColumns = 10000

// maxListed bounds the per-line notes of one input; the rest are counted.
const maxListed = 100

// ReadCSV imports a time series export: CSV with a time column and named
// value columns (Grafana "series joined by time", Prometheus or Munin
// exports; ',', ';' or tab separated, optional "sep=" line), Grafana's
// long "series as rows" layout (Series, Time, Value columns), or the text
// output of rrdtool fetch ("<epoch>: <v> ..."). Columns are mapped to
// metrics by name (see mapColumn and README.md); Notes say which columns
// were used and which were ignored, and list every unusable row and cell
// by line number. Restarts are inferred from drops (SplitRestarts).
//
// name labels notes and errors; for a one-column rrdtool dump whose data
// source is just "42" (Munin), the file name supplies the field, e.g.
// "host-kamailio_pkgmem_proxy-min_free-g.rrd".
func ReadCSV(r io.Reader, name string, opts CSVOptions) (*Set, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	opts.Limits = opts.Limits.orDefault()
	bounded := NewBoundedReader(r, name, opts.Limits)
	br := bufio.NewReaderSize(bounded, 64<<10)
	peek, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("memstat: reading %s: %w", name, err)
	}
	peek = bytes.TrimPrefix(peek, []byte("\xef\xbb\xbf"))
	first, second := firstLines(peek)
	imp := newImporter(name, opts, bounded)
	if isRRDFetch(first, second) {
		err = imp.readRRD(br)
	} else {
		err = imp.readDelimited(br, first)
	}
	if err != nil {
		if errors.Is(err, ErrLimit) {
			var le *LimitError
			if errors.As(err, &le) {
				return nil, le // its text names the file and offset already
			}
		}
		return nil, err
	}
	return imp.finish()
}

// newImporter starts the Set of an export read through bounded. Exports
// are consolidated (Averaged).
func newImporter(name string, opts CSVOptions, bounded *BoundedReader) *importer {
	return &importer{set: &Set{Source: name, Averaged: true}, opts: opts, lim: opts.Limits, name: name, series: map[string]*Series{}, missing: map[string]int{},
		bounded: bounded, budget: pointBudget{name: name, max: opts.Limits.MaxPoints}}
}

// firstLines returns the first two non-empty lines of b.
func firstLines(b []byte) (string, string) {
	var out []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		if t := strings.TrimSpace(string(l)); t != "" {
			out = append(out, t)
			if len(out) == 2 {
				break
			}
		}
	}
	for len(out) < 2 {
		out = append(out, "")
	}
	return out[0], out[1]
}

type importer struct {
	set      *Set
	opts     CSVOptions
	lim      Limits
	bounded  *BoundedReader
	budget   pointBudget
	name     string
	series   map[string]*Series
	listed   int // per-line notes written
	more     int // per-line notes suppressed
	zonless  bool
	points   int
	rejected int            // values dropped as impossible (negative, too large)
	err      error          // a bound exceeded while storing values
	missing  map[string]int // empty/NaN cells per series key
}

// lineNote records an unusable row or cell, up to maxListed of them.
func (im *importer) lineNote(line int, format string, args ...any) {
	if im.listed >= maxListed {
		im.more++
		return
	}
	im.listed++
	im.set.note(NoteSkipped, line, time.Time{}, format, args...)
}

func (im *importer) readDelimited(br *bufio.Reader, first string) error {
	comma := detectComma(first)
	lineBase := 0
	if strings.HasPrefix(strings.ToLower(first), "sep=") && len(first) >= 5 {
		comma = rune(first[4])
		if _, err := br.ReadString('\n'); err != nil && err != io.EOF {
			return fmt.Errorf("memstat: reading %s: %w", im.name, err)
		}
		lineBase = 1
	}
	cr := csv.NewReader(br)
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes, cr.Comment = comma, -1, true, '#'
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%w: %s is empty", ErrNoData, im.name)
	}
	if err != nil {
		return fmt.Errorf("memstat: %s: header: %w", im.name, err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	next := func() ([]string, int, error) {
		for {
			rec, err := cr.Read()
			line := 0
			if err == nil && len(rec) > 0 {
				line, _ = cr.FieldPos(0) // the column is not needed
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				im.lineNote(pe.Line+lineBase, "unreadable CSV row: %v", pe.Err)
				continue
			}
			return rec, line + lineBase, err
		}
	}
	if im.isLong(header) {
		return im.readLong(header, next)
	}
	return im.readWide(header, next)
}

// detectComma picks the most frequent of ',', ';', tab outside quotes.
func detectComma(line string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// isTimeHeader recognises time column names.
func isTimeHeader(h string) bool {
	n := normalise(h)
	switch n {
	case "time", "timestamp", "date", "datetime", "ts", "epoch", "time_utc", "date_time", "unix_time":
		return true
	}
	return strings.HasSuffix(n, "_time") || strings.HasSuffix(n, "_timestamp") || strings.HasPrefix(n, "time_")
}

// timeIndex finds the time column by option, by name, or by content.
func (im *importer) timeIndex(header []string, firstRow []string) (int, error) {
	if im.opts.TimeColumn != "" {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), im.opts.TimeColumn) {
				return i, nil
			}
		}
		return -1, fmt.Errorf("%w: %s: no column %q (columns: %s)", ErrNoData, im.name, im.opts.TimeColumn, strings.Join(header, ", "))
	}
	for i, h := range header {
		if isTimeHeader(h) {
			return i, nil
		}
	}
	if len(firstRow) > 0 {
		if _, _, ok := parseTime(firstRow[0], im.opts.Location); ok {
			return 0, nil
		}
	}
	return -1, fmt.Errorf("%w: %s: no time column (columns: %s)", ErrNoData, im.name, cleanSnippet([]byte(strings.Join(header, ", ")), 200))
}

func (im *importer) readWide(header []string, next func() ([]string, int, error)) error {
	rec, line, err := next()
	if err != nil && err != io.EOF {
		return fmt.Errorf("memstat: %s line %d: %w", im.name, line, err)
	}
	ti, terr := im.timeIndex(header, rec)
	if terr != nil {
		return terr
	}
	if len(header) > maxColumns {
		return fmt.Errorf("%w: %s: %d columns, more than the bound of %d", ErrNoData, im.name, len(header), maxColumns)
	}
	im.set.note(NoteColumns, 0, time.Time{}, "time: column %q", header[ti])
	cols := make([]*column, len(header))
	var valueCols []int
	for i, h := range header {
		if i == ti {
			continue
		}
		valueCols = append(valueCols, i)
		cols[i] = im.useColumn(h, "")
	}
	if used := countUsed(cols); used == 0 && len(valueCols) == 1 {
		// rrdtool/Munin dumps name the data source "42": try the file name.
		cols[valueCols[0]] = im.fileNameColumn(header[valueCols[0]])
	}
	if countUsed(cols) == 0 {
		return fmt.Errorf("%w: %s: no Kamailio memory columns among %s", ErrNoData, im.name, cleanSnippet([]byte(strings.Join(header, ", ")), 200))
	}
	for ; err != io.EOF; rec, line, err = next() {
		if err != nil {
			return fmt.Errorf("memstat: %s line %d: %w", im.name, line, err)
		}
		if ti >= len(rec) {
			im.lineNote(line, "row has %d fields, no time", len(rec))
			continue
		}
		t, ok := im.time(rec[ti], line)
		if !ok {
			continue
		}
		if len(rec) < len(header) {
			im.lineNote(line, "row has %d of %d fields; the missing ones count as no value", len(rec), len(header))
		}
		for _, i := range valueCols {
			if cols[i] == nil {
				continue
			}
			cell := ""
			if i < len(rec) {
				cell = rec[i]
			}
			im.value(cols[i], t, cell, line)
		}
		if im.err != nil {
			return im.err
		}
	}
	return nil
}

// useColumn maps a header and notes the decision. It returns nil for an
// ignored column. suffix qualifies the note (long format: "series").
func (im *importer) useColumn(h, what string) *column {
	if what == "" {
		what = "column"
	}
	c, why, ok := mapColumn(h, im.opts.BinaryPrefixes)
	if !ok {
		im.set.note(NoteIgnored, 0, time.Time{}, "%s %q: %s", what, cleanSnippet([]byte(h), 80), why)
		return nil
	}
	if s, dup := im.series[c.key]; dup {
		im.set.note(NoteIgnored, 0, time.Time{}, "%s %q: same quantity (%s) as %q, which is used", what, cleanSnippet([]byte(h), 80), c.key, s.Label)
		return nil
	}
	im.series[c.key] = &Series{Key: c.key, Metric: c.metric, Scope: c.scope, Process: c.process, Label: c.label}
	unit := ""
	if c.mult != 1 {
		unit = fmt.Sprintf(", values x%.0f", c.mult)
	}
	im.set.note(NoteColumns, 0, time.Time{}, "%s %q -> %s (%s)%s", what, cleanSnippet([]byte(h), 80), c.metric, c.scope, unit)
	return &c
}

func countUsed(cols []*column) int {
	n := 0
	for _, c := range cols {
		if c != nil {
			n++
		}
	}
	return n
}

// fileField turns "host-kamailio_pkgmem_proxy-min_free-g.rrd.txt" into
// "host_kamailio_pkgmem_proxy_min_free": Munin's
// <host>-<plugin>-<field>-<type>.rrd naming.
func fileField(path string) string {
	base := filepath.Base(path)
	for {
		ext := filepath.Ext(base)
		if ext == "" || len(ext) > 5 {
			break
		}
		base = strings.TrimSuffix(base, ext)
	}
	n := normalise(base)
	for _, t := range []string{"_g", "_d", "_c", "_a"} { // GAUGE, DERIVE, COUNTER, ABSOLUTE
		n = strings.TrimSuffix(n, t)
	}
	return n
}

func (im *importer) time(cell string, line int) (time.Time, bool) {
	t, zoned, ok := parseTime(cell, im.opts.Location)
	if !ok {
		im.lineNote(line, "time %q not understood", cleanSnippet([]byte(cell), 40))
		return t, false
	}
	if !zoned {
		im.zonless = true
	}
	return t, true
}

func (im *importer) value(c *column, t time.Time, cell string, line int) {
	v, st := parseQuantity(cell, c.mult, im.opts.BinaryPrefixes)
	switch st {
	case cellMissing:
		im.missing[c.key]++ // no measurement at this time; counted, not an error
		return
	case cellBad:
		im.lineNote(line, "column %q: value %q is not a number of bytes", cleanSnippet([]byte(c.label), 60), cleanSnippet([]byte(cell), 40))
		return
	}
	if why := implausible(c.metric, v); why != "" {
		im.rejected++
		im.lineNote(line, "column %q: value %q dropped: %s", cleanSnippet([]byte(c.label), 60), cleanSnippet([]byte(cell), 40), why)
		return
	}
	if err := im.budget.take(1, line, im.bounded.Offset()); err != nil {
		im.err = err
		return
	}
	s := im.series[c.key]
	s.Points = append(s.Points, Point{Time: t, Value: v})
	im.points++
}

package memstat

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// longColumns finds the series-name and value columns of a long ("series
// as rows") export; ok is false for a wide export.
func longColumns(header []string) (series, value int, ok bool) {
	series, value = -1, -1
	rank := map[string]int{"series": 1, "metric": 2, "name": 4, "field": 5, "series_name": 1}
	best := 99
	for i, h := range header {
		n := strings.TrimLeft(normalise(h), "_")
		if n == "value" {
			value = i
		}
		if r, has := rank[n]; has && r < best {
			series, best = i, r
		}
	}
	return series, value, series >= 0 && value >= 0
}

func (im *importer) isLong(header []string) bool {
	_, _, ok := longColumns(header)
	return ok
}

func (im *importer) readLong(header []string, next func() ([]string, int, error)) error {
	si, vi, _ := longColumns(header)
	ti, err := im.timeIndex(header, nil)
	if err != nil {
		return err
	}
	im.set.note(NoteColumns, 0, time.Time{}, "long format: series names in %q, times in %q, values in %q", header[si], header[ti], header[vi])
	cols := map[string]*column{}
	for {
		rec, line, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("memstat: %s line %d: %w", im.name, line, err)
		}
		if si >= len(rec) || ti >= len(rec) {
			im.lineNote(line, "row has %d fields, too few for series and time", len(rec))
			continue
		}
		name := rec[si]
		c, seen := cols[name]
		if !seen {
			if len(cols) >= maxColumns { // hostile inputs can invent names per row
				im.lineNote(line, "more than %d distinct series names: row ignored", maxColumns)
				continue
			}
			c = im.useColumn(name, "series")
			cols[name] = c
		}
		if c == nil {
			continue
		}
		t, ok := im.time(rec[ti], line)
		if !ok {
			continue
		}
		cell := ""
		if vi < len(rec) {
			cell = rec[vi]
		}
		im.value(c, t, cell, line)
		if im.err != nil {
			return im.err
		}
	}
	if len(im.series) == 0 {
		return fmt.Errorf("%w: %s: no Kamailio memory series among %d names", ErrNoData, im.name, len(cols))
	}
	return nil
}

// fileNameColumn maps the only column of an export from the Munin file
// name (rrdtool names Munin's data source "42"); nil when the name says
// nothing either.
func (im *importer) fileNameColumn(h string) *column {
	c, _, ok := mapColumn(fileField(im.name), im.opts.BinaryPrefixes)
	if !ok {
		return nil
	}
	c.label = cleanSnippet([]byte(h), 80) + " (field from file name)"
	im.series[c.key] = &Series{Key: c.key, Metric: c.metric, Scope: c.scope, Process: c.process, Label: c.label}
	im.set.note(NoteColumns, 0, time.Time{}, "%q -> %s (%s), field taken from the file name", cleanSnippet([]byte(h), 80), c.metric, c.scope)
	return &c
}

// isRRDFetch recognises `rrdtool fetch` output: a line of data source
// names, then "<epoch>: <value> ..." lines.
func isRRDFetch(first, second string) bool {
	if strings.ContainsAny(first, ",;\t:") {
		return false
	}
	epoch, _, ok := strings.Cut(second, ":")
	return ok && epoch != "" && strings.Trim(epoch, "0123456789") == ""
}

func (im *importer) readRRD(br *bufio.Reader) error {
	var header []string
	lineNo := 0
	next := func() ([]string, int, error) {
		for {
			lineNo++
			line, _, err := readLine(br, im.lim.MaxLine)
			if err != nil && (err != io.EOF || len(line) == 0) {
				return nil, lineNo, err
			}
			if line == nil {
				im.lineNote(lineNo, "line longer than %d bytes", im.lim.MaxLine)
				continue
			}
			t := strings.TrimSpace(string(line))
			if t == "" {
				continue
			}
			epoch, rest, ok := strings.Cut(t, ":")
			if !ok {
				im.lineNote(lineNo, "not an rrdtool data line: %q", cleanSnippet([]byte(t), 60))
				continue
			}
			return append([]string{epoch}, strings.Fields(rest)...), lineNo, nil
		}
	}
	for header == nil {
		lineNo++
		line, _, err := readLine(br, im.lim.MaxLine)
		if err != nil && (err != io.EOF || len(line) == 0) {
			return fmt.Errorf("%w: %s: no rrdtool header", ErrNoData, im.name)
		}
		if t := strings.TrimSpace(string(line)); t != "" {
			header = append([]string{"time"}, strings.Fields(t)...)
		}
	}
	im.set.note(NoteInfo, 0, time.Time{}, "rrdtool fetch output with data sources %s", strings.Join(header[1:], ", "))
	return im.readWide(header, next)
}

// finish orders points, drops duplicate times, summarises suppressed
// notes, and infers restarts.
func (im *importer) finish() (*Set, error) {
	if im.more > 0 {
		im.set.note(NoteSkipped, 0, time.Time{}, "%d more unusable rows or cells not listed", im.more)
	}
	if im.zonless {
		im.set.note(NoteInfo, 0, time.Time{}, "times carry no zone: read as %s (set the location for exports in local time)", im.opts.Location)
	}
	if im.points == 0 {
		first := ""
		for _, n := range im.set.Notes {
			if n.Kind == NoteSkipped {
				first = "; first problem: " + n.String()
				break
			}
		}
		return nil, fmt.Errorf("%w: %s: no usable values%s", ErrNoData, im.name, first)
	}
	keys := make([]string, 0, len(im.series))
	for k := range im.series {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic note order
	for _, k := range keys {
		s := im.series[k]
		if n := im.missing[s.Key]; n > 0 {
			im.set.note(NoteInfo, 0, time.Time{}, "%q: %d empty or NaN cells (no measurement at those times)", s.Label, n)
		}
		if len(s.Points) == 0 {
			im.set.note(NoteIgnored, 0, time.Time{}, "column %q has no values", s.Label)
			continue
		}
		if !sort.SliceIsSorted(s.Points, func(i, j int) bool { return s.Points[i].Time.Before(s.Points[j].Time) }) {
			sort.SliceStable(s.Points, func(i, j int) bool { return s.Points[i].Time.Before(s.Points[j].Time) })
			im.set.note(NoteInfo, 0, time.Time{}, "%q: rows were not in time order; sorted", s.Label)
		}
		out, dups := s.Points[:1], 0
		for _, p := range s.Points[1:] {
			if p.Time.Equal(out[len(out)-1].Time) {
				dups++
				continue
			}
			out = append(out, p)
		}
		if dups > 0 {
			im.set.note(NoteSkipped, 0, time.Time{}, "%q: %d values with an already seen time: kept the first", s.Label, dups)
		}
		s.Points = out
		im.set.Series = append(im.set.Series, s)
	}
	im.set.Sort()
	dropAboveTotal(im.set)
	if len(im.set.Series) == 0 {
		return nil, fmt.Errorf("%w: %s: no usable values (every value is above its pool size)", ErrNoData, im.name)
	}
	if im.rejected > 0 {
		im.set.note(NoteSkipped, 0, time.Time{}, "%d values dropped as impossible (negative, not finite or above 1 PiB)", im.rejected)
	}
	deriveRealUsed(im.set)
	SplitRestarts(im.set, im.opts.Split)
	im.set.closeNotes()
	return im.set, nil
}

package report

import (
	"io"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sipcorr/sipcorr/correlate"
)

// The analyze CSV is streamed like the JSON (render_json.go): one record
// per UA, appended into a buffer written out whenever it fills, with the
// bytes encoding/csv.Writer wrote for the same records
// (TestStreamedWritersMatchLegacy).

// csvHeader is the header row of the analyze CSV, one row per UA after it.
var csvHeader = []string{"ua", "ua_present", "messages", "requests", "responses", "malformed",
	"core_drops", "rules", "first_failures", "methods", "response_codes", "sources",
	"first_seen", "last_seen"}

func writeCSV(w io.Writer, a *Analysis) error {
	lc := newLogCSV(a) // log cross-check columns and rows (logs_render.go); nil without
	buf := appendCSVRecord(make([]byte, 0, flushSize+flushSize/4), lc.header(csvHeader))
	if a.Inventory != nil {
		uas := a.Inventory.UAs()
		lc.markUsed(uas)
		var err error
		if buf, err = streamUAs(w, buf, uas, &csvRows{top: a.TopSources, lc: lc}); err != nil {
			return err
		}
	}
	for _, rec := range lc.extra(len(csvHeader)) {
		buf = appendCSVRecord(buf, rec)
	}
	for _, rec := range inputErrorRows(a, len(lc.header(csvHeader))) {
		buf = appendCSVRecord(buf, rec)
	}
	_, err := w.Write(buf)
	return err
}

// inputErrorRows are the rows of the inputs that failed (a capture that
// ended in an error, a log file or Elasticsearch that could not be read):
// the CSV is the whole report for whoever reads only it, so what it does
// not cover must show (issue 16). The first cell is "(input error) " and
// the error naming file and offset; the other cells are empty.
func inputErrorRows(a *Analysis, width int) [][]string {
	var errs []string
	for _, f := range a.Files {
		if f.Error != "" {
			errs = append(errs, f.Error)
		}
	}
	if a.Logs != nil {
		for _, in := range a.Logs.Inputs {
			if in.Error != "" {
				errs = append(errs, in.Kind+" "+in.Name+": "+in.Error)
			}
		}
	}
	rows := make([][]string, 0, len(errs))
	for _, e := range errs {
		rec := make([]string, width)
		rec[0] = csvSafe(TerminalSafe("(input error) " + e))
		rows = append(rows, rec)
	}
	return rows
}

// csvRows appends the UA records; cell and list are scratch space for the
// cell being built, reused from one cell to the next.
type csvRows struct {
	top             int     // Analysis.TopSources
	lc              *logCSV // nil without log columns
	row             uaRow
	buf, cell, list []byte
}

// appendUA appends the record of s, log columns included.
func (c *csvRows) appendUA(dst []byte, _ int, s *correlate.UAStats) ([]byte, error) {
	r := &c.row
	r.reset(s)
	c.buf = dst
	c.ua(r)
	c.buf = c.lc.appendCells(c.buf, r.ua, r.present, r.other)
	return append(c.buf, '\n'), nil
}

// ua appends r's cells, without the line end: the log columns follow.
// Wire strings (UA, methods) go through TerminalSafe, as CSV files end up
// in terminals; JSON keeps the raw bytes.
func (c *csvRows) ua(r *uaRow) {
	ua := r.ua
	if r.other {
		ua = "(other)"
	}
	c.cell = csvSafeTail(appendTerminalSafe(c.cell[:0], ua), 0)
	c.buf = appendCSVField(c.buf, c.cell)
	c.buf = append(c.buf, ',')
	c.buf = strconv.AppendBool(c.buf, r.present)
	for _, n := range [...]uint64{r.messages, r.requests, r.responses, r.malformed, r.coreDrops} {
		c.buf = strconv.AppendUint(append(c.buf, ','), n, 10)
	}
	c.field(appendRules(c.cell[:0], r, false))
	c.field(appendRules(c.cell[:0], r, true))
	c.list = appendMethodList(c.list[:0], r)
	c.field(appendTerminalSafe(c.cell[:0], c.list))
	c.field(appendCodeList(c.cell[:0], r))
	c.field(appendSourceList(c.cell[:0], r, c.top))
	c.field(r.first.AppendFormat(c.cell[:0], time.RFC3339Nano))
	c.field(r.last.AppendFormat(c.cell[:0], time.RFC3339Nano))
}

// field appends a cell built in c.cell after a comma.
func (c *csvRows) field(cell []byte) {
	c.cell = cell
	c.buf = appendCSVField(append(c.buf, ','), cell)
}

// csvSafeTail applies csvSafe to the cell dst[from:], in place.
func csvSafeTail(dst []byte, from int) []byte {
	if len(dst) > from {
		switch dst[from] {
		case '=', '+', '-', '@', '\t', '\r':
			dst = append(dst, 0)
			copy(dst[from+1:], dst[from:])
			dst[from] = '\''
		}
	}
	return dst
}

// appendRules appends rulesList: "name(bit):n" joined by ";", n each
// rule's messages, or with first the messages it is the reported failure of.
func appendRules(dst []byte, r *uaRow, first bool) []byte {
	sep := false
	for _, rr := range r.rules {
		n := rr.messages
		if first {
			n = rr.first
		}
		if n == 0 {
			continue
		}
		if sep {
			dst = append(dst, ';')
		}
		sep = true
		dst = append(append(dst, r.names.name(rr.bit)...), '(')
		dst = strconv.AppendUint(dst, uint64(rr.bit), 10)
		dst = strconv.AppendUint(append(dst, "):"...), n, 10)
	}
	return dst
}

// appendMethodList appends mapList(uaDoc.Methods): "key:n" joined by ";".
func appendMethodList(dst []byte, r *uaRow) []byte {
	for i, m := range r.methods {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = strconv.AppendUint(append(append(dst, m.Key...), ':'), m.Messages, 10)
	}
	return dst
}

// appendCodeList appends mapList(uaDoc.ResponseCodes).
func appendCodeList(dst []byte, r *uaRow) []byte {
	for i := range r.codes {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = strconv.AppendUint(append(append(dst, r.codes[i].keyBytes()...), ':'), r.codes[i].messages, 10)
	}
	return dst
}

// appendSourceList appends sourcesList: the first top sources (all when
// top is 0) as "addr:n", then the rest and the uncounted as "other:n".
func appendSourceList(dst []byte, r *uaRow, top int) []byte {
	other, sep := r.otherSources, false
	for i, s := range r.sources {
		if top > 0 && i >= top {
			other += s.Messages
			continue
		}
		if sep {
			dst = append(dst, ';')
		}
		sep = true
		dst = s.Key.AppendTo(dst) // addrString: "" for an invalid address
		dst = strconv.AppendUint(append(dst, ':'), s.Messages, 10)
	}
	if other > 0 {
		if sep {
			dst = append(dst, ';')
		}
		dst = strconv.AppendUint(append(dst, "other:"...), other, 10)
	}
	return dst
}

// appendCSVRecord appends rec as csv.Writer.Write does (comma, LF).
func appendCSVRecord(dst []byte, rec []string) []byte {
	for i, f := range rec {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCSVField(dst, f)
	}
	return append(dst, '\n')
}

// appendCSVField appends one field as csv.Writer does: quoted when it
// holds a comma, quote, CR or LF, begins with a space, or is `\.`; quotes
// doubled inside.
func appendCSVField[S ~string | ~[]byte](dst []byte, f S) []byte {
	if !csvNeedsQuotes(f) {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, f[i])
	}
	return append(dst, '"')
}

func csvNeedsQuotes[S ~string | ~[]byte](f S) bool {
	if len(f) == 0 {
		return false
	}
	if string(f) == `\.` {
		return true
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; c == '\n' || c == '\r' || c == '"' || c == ',' {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(string(f[:min(len(f), utf8.UTFMax)]))
	return unicode.IsSpace(r)
}

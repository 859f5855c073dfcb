package report

// Frozen copies of the analyze writers as they were before they streamed
// (git show 1c5d506:report/render.go, table.go, logs_render.go,
// sanitize.go), renamed legacy*: the oracle the streaming writers must
// match byte for byte (stream_diff_test.go). Do not "fix" them; they are
// the definition of the output. Only what streaming rewrote is frozen here:
// the pieces it left alone (table head and foot, the cross-check rows, the
// log columns' header and log-only rows, mapList, sourcesList, crossCells,
// isPlain, Truncate) are called, not copied. TerminalSafe, which those
// pieces call, is held to legacyTerminalSafe by FuzzAppendSanitizers.
// Because those pieces are the code under test, TestStreamedWritersGolden
// (stream_golden_test.go) also holds every case to frozen bytes in
// testdata/stream.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

func legacyWriteJSON(w io.Writer, a *Analysis) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(newAnalyzeDoc(a))
}

func legacyWriteCSV(w io.Writer, a *Analysis) error {
	cw := csv.NewWriter(w)
	lc := newLegacyLogCSV(a) // log cross-check columns and rows (logs_render.go); nil without
	if err := cw.Write(lc.header(csvHeader)); err != nil {
		return err
	}
	d := newAnalyzeDoc(a)
	for _, u := range d.UAs {
		ua := u.UA
		if u.Other {
			ua = "(other)"
		}
		rec := []string{
			csvSafe(legacyTerminalSafe(ua)), strconv.FormatBool(u.Present), itoa(u.Messages), itoa(u.Requests),
			itoa(u.Responses), itoa(u.Malformed), itoa(u.CoreDrops),
			legacyRulesList(u.Rules, false), legacyRulesList(u.Rules, true),
			legacyTerminalSafe(mapList(u.Methods)), mapList(u.ResponseCodes), sourcesList(u.Sources, a.TopSources, u.OtherSources),
			u.FirstSeen.Format(time.RFC3339Nano), u.LastSeen.Format(time.RFC3339Nano),
		}
		if err := cw.Write(lc.cells(rec, u.UA, u.Present, u.Other)); err != nil {
			return err
		}
	}
	for _, rec := range lc.extra(len(csvHeader)) {
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	for _, rec := range inputErrorRows(a, len((*logCSV)(lc).header(csvHeader))) {
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func legacyRulesList(rules []ruleDoc, first bool) string {
	var parts []string
	for _, r := range rules {
		n := r.Messages
		if first {
			n = r.First
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s(%d):%d", r.Name, r.Bit, n))
		}
	}
	return strings.Join(parts, ";")
}

func legacyWriteTable(w io.Writer, a *Analysis) error {
	d := newAnalyzeDoc(a)
	ew := &errWriter{w: w}
	writeTableHead(ew, &d) // unchanged by streaming

	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USER-AGENT\tMSGS\tREQ\tRESP\tMALFORMED\tFAILED CHECKS\tMETHODS\tCODES\tSOURCES\tFIRST SEEN\tLAST SEEN")
	for _, u := range d.UAs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			legacyUACell(u), u.Messages, u.Requests, u.Responses, u.Malformed,
			Truncate(legacyTerminalSafe(legacyRulesCell(u.Rules)), tableListWidth),
			Truncate(legacyTerminalSafe(mapList(u.Methods)), tableListWidth),
			Truncate(mapList(u.ResponseCodes), tableListWidth),
			Truncate(sourcesList(u.Sources, topOr(a.TopSources, 2), u.OtherSources), tableListWidth),
			u.FirstSeen.Format(tableTimeLayout), u.LastSeen.Format(tableTimeLayout))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeTableFoot(ew, a, &d) // unchanged by streaming
	return ew.err
}

func legacyUACell(u uaDoc) string {
	switch {
	case u.Other:
		return "(other UAs, beyond the cap)"
	case !u.Present:
		return "(no User-Agent)"
	}
	return Truncate(legacyTerminalSafe(u.UA), tableUAWidth)
}

func legacyRulesCell(rules []ruleDoc) string {
	if len(rules) == 0 {
		return "-"
	}
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = fmt.Sprintf("%d:%d", r.Bit, r.Messages)
	}
	return strings.Join(parts, " ")
}

// legacyLogCSV is the log columns before the rows streamed. Only cells,
// one record at a time, was rewritten (logCSV.appendCells); the header,
// the rows only the logs have (extra) and the row index are logCSV's own.
type legacyLogCSV logCSV

func newLegacyLogCSV(a *Analysis) *legacyLogCSV {
	return (*legacyLogCSV)(newLogCSV(a))
}

func (c *legacyLogCSV) header(h []string) []string { return (*logCSV)(c).header(h) }

func (c *legacyLogCSV) extra(width int) [][]string { return (*logCSV)(c).extra(width) }

func (c *legacyLogCSV) cells(rec []string, ua string, present, other bool) []string {
	if c == nil {
		return rec
	}
	k := csvKey{ua, present}
	r, ok := c.rows[k]
	if other || !ok {
		return append(rec, "", "", "", "")
	}
	c.used[k] = true
	return append(rec, crossCells(r)...)
}

func legacyTerminalSafe(s string) string {
	if isPlain(s) { // unchanged by the rewrite
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			legacyWriteHexByte(&b, s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			legacyWriteHexByte(&b, byte(r))
		case unicode.Is(unicode.Cf, r):
			b.WriteString(`\u{`)
			b.WriteString(strings.ToUpper(legacyStrconvHex(uint32(r))))
			b.WriteString(`}`)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// hexDigits as sanitize.go had them (the code now lives in internal/textsafe).
const hexDigits = "0123456789abcdef"

func legacyWriteHexByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

func legacyStrconvHex(v uint32) string {
	var buf [8]byte
	i := len(buf)
	for {
		i--
		buf[i] = hexDigits[v&0xf]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return string(buf[i:])
}

// legacyWriteOffendersJSON is WriteOffenders' JSON before it streamed: the
// whole document, the analysis's UAs included, through json.Encoder.
func legacyWriteOffendersJSON(w io.Writer, o *Offenders) error {
	d := newOffenderDoc(o)
	if o.Analysis != nil {
		a := newAnalyzeDoc(o.Analysis)
		d.Analysis = &a
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is an output format of the analyze report.
type Format string

// The formats every report supports.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatCSV   Format = "csv"
)

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatJSON, FormatCSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want table, json or csv)", s)
}

// WriteAnalysis renders a in the given format.
func WriteAnalysis(w io.Writer, f Format, a *Analysis) error {
	switch f {
	case FormatJSON:
		return writeJSON(w, a)
	case FormatCSV:
		return writeCSV(w, a)
	case FormatTable:
		return writeTable(w, a)
	}
	return fmt.Errorf("unknown format %q", f)
}

// CSVHeader is the header row of the analyze CSV, one row per UA after it.
var csvHeader = []string{"ua", "ua_present", "messages", "requests", "responses", "malformed",
	"core_drops", "rules", "first_failures", "methods", "response_codes", "sources",
	"first_seen", "last_seen"}

func writeCSV(w io.Writer, a *Analysis) error {
	cw := csv.NewWriter(w)
	lc := newLogCSV(a) // log cross-check columns and rows (logs_render.go); nil without
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
			csvSafe(TerminalSafe(ua)), strconv.FormatBool(u.Present), itoa(u.Messages), itoa(u.Requests),
			itoa(u.Responses), itoa(u.Malformed), itoa(u.CoreDrops),
			rulesList(u.Rules, false), rulesList(u.Rules, true),
			TerminalSafe(mapList(u.Methods)), mapList(u.ResponseCodes), sourcesList(u.Sources, a.TopSources, u.OtherSources),
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
	cw.Flush()
	return cw.Error()
}

// CSV cells from the wire also go through TerminalSafe: CSV files end up in
// terminals (cat, less -R) and a UA may carry escape sequences. JSON keeps
// the raw bytes.

// csvSafe keeps spreadsheets from executing a cell: a UA is attacker-chosen
// and "=HYPERLINK(...)" is a valid User-Agent.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func rulesList(rules []ruleDoc, first bool) string {
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

func mapList(m map[string]uint64) string {
	type kv struct {
		k string
		v uint64
	}
	var kvs []kv
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
	}
	sortKV(kvs, func(a, b kv) bool { return a.v > b.v || (a.v == b.v && a.k < b.k) })
	parts := make([]string, len(kvs))
	for i, e := range kvs {
		parts[i] = e.k + ":" + itoa(e.v)
	}
	return strings.Join(parts, ";")
}

func sourcesList(srcs []sourceDoc, top int, other uint64) string {
	var parts []string
	for i, s := range srcs {
		if top > 0 && i >= top {
			other += s.Messages
			continue
		}
		parts = append(parts, s.Addr+":"+itoa(s.Messages))
	}
	if other > 0 {
		parts = append(parts, "other:"+itoa(other))
	}
	return strings.Join(parts, ";")
}

package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
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

// mapList is m as key:count joined by ";", most messages first, ties by
// key. The HTML page's cells; the CSV and table append the same from a
// uaRow (appendMethodList, appendCodeList).
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

// sourcesList is the first top sources (every one when top is 0) as
// addr:count, then the rest as other:count. The HTML page's cells; the CSV
// and table use appendSourceList.
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

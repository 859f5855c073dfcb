package report

import (
	"fmt"
	"io"
	"time"
)

// Widths of the free-text columns of the terminal table.
const (
	tableUAWidth    = 44
	tableListWidth  = 36
	tableTimeLayout = "2006-01-02 15:04:05"
)

// writeTable renders the report for a terminal. Everything from the wire goes
// through TerminalSafe: a User-Agent may carry escape sequences.
func writeTable(w io.Writer, a *Analysis) error {
	d := newAnalyzeFrame(a) // the UA rows are streamed (table_rows.go)
	ew := &errWriter{w: w}
	writeTableHead(ew, &d)
	if err := writeUATable(ew, a); err != nil {
		return err
	}
	writeTableFoot(ew, a, &d)
	return ew.err
}

// writeTableHead writes the run summary above the UA table.
func writeTableHead(ew *errWriter, d *analyzeDoc) {
	s := d.Summary
	ew.printf("sipcorr analyze: %d file(s), %d packets (%s), %d SIP messages (%d requests, %d responses)",
		len(s.Files), s.Packets, humanBytes(s.Bytes), s.SIPMessages, s.Requests, s.Responses)
	if s.FromServer > 0 {
		ew.printf(", %d sent by the server (not judged)", s.FromServer)
	}
	ew.printf(", %d malformed\n", s.Malformed)
	if s.FirstSeen != nil {
		ew.printf("time span: %s → %s UTC (%s)\n", s.FirstSeen.Format(tableTimeLayout),
			s.LastSeen.Format(tableTimeLayout), s.LastSeen.Sub(*s.FirstSeen).Round(time.Second))
	}
	ew.printf("judged as Kamailio %s sanity: checks %d, uri_checks %d, proxy_require %s (%s)\n\n",
		d.Sanity.KamailioVersion, d.Sanity.Checks, d.Sanity.URIChecks, listOrEmpty(d.Sanity.ProxyRequire), d.Sanity.From)
}

// writeTableFoot writes what follows the UA table: known defects, what was
// decoded, what was not and why, notes, and the log cross-check.
func writeTableFoot(ew *errWriter, a *Analysis, d *analyzeDoc) {
	s := d.Summary
	if len(d.KnownDefects) > 0 {
		ew.printf("\nknown Kamailio defects triggered by this traffic:\n")
		for _, k := range d.KnownDefects {
			fixed := "not fixed yet"
			if k.FixedIn != "" {
				fixed = "fixed in " + k.FixedIn
			}
			ew.printf("  %s: %s\n    %d messages; %s; %s (%s)\n", k.ID, k.Title, k.Messages, k.Effect, fixed, k.Ref)
		}
	}
	ew.printf("\ndecoded:\n")
	for _, c := range a.Counters {
		if c.Value > 0 && !c.Skip {
			ew.printf("  %-48s %d\n", c.Name, c.Value)
		}
	}
	ew.printf("\nnot analysed, and why:\n")
	written := false
	for _, c := range a.Counters {
		if c.Value > 0 && c.Skip {
			ew.printf("  %-48s %d\n", c.Name, c.Value)
			written = true
		}
	}
	if s.Incomplete > 0 {
		ew.printf("  %-48s %d\n", "SIP messages only partly captured (not judged)", s.Incomplete)
		written = true
	}
	if s.Unparsable > 0 {
		ew.printf("  %-48s %d\n", "SIP-like payloads the parser rejected", s.Unparsable)
		written = true
	}
	for _, f := range s.Files {
		if f.Error != "" {
			ew.printf("  input error: %s\n", TerminalSafe(f.Error))
			written = true
		}
	}
	if !written {
		ew.printf("  nothing: every packet was decoded\n")
	}
	for _, n := range d.Notes {
		ew.printf("note: %s\n", TerminalSafe(n))
	}
	writeLogTable(ew, d.logDocs)
}

func listOrEmpty(l []string) string {
	if len(l) == 0 {
		return "(empty list)"
	}
	return fmt.Sprintf("%q", l)
}

func topOr(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// errWriter keeps the first write error so rendering code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}

package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// logDocs are the keys the log signal adds to the analyze document
// (SCHEMA.md, "Log signal"); all are absent when the run read no logs.
type logDocs struct {
	Logs   *logsDoc   `json:"logs,omitempty"`
	Cross  *crossDoc  `json:"log_crosscheck,omitempty"`
	Export *exportDoc `json:"es_export,omitempty"`
}

type logsDoc struct {
	Inputs    []logInputDoc `json:"inputs"`
	From      *time.Time    `json:"from,omitempty"`
	To        *time.Time    `json:"to,omitempty"`
	Hits      uint64        `json:"hits"`
	UAs       []logUADoc    `json:"uas"`
	OtherUAs  int           `json:"other_uas"`
	OtherHits uint64        `json:"other_hits"`
	Notes     []string      `json:"notes"`
}

type logInputDoc struct {
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Lines      int64    `json:"lines,omitempty"`
	Hits       int64    `json:"hits"`
	Outside    int64    `json:"outside_window,omitempty"`
	Other      int64    `json:"other_lines,omitempty"`
	Bad        int64    `json:"bad_lines,omitempty"`
	Unparsed   int64    `json:"unparsed"`
	Aggregated int64    `json:"aggregated,omitempty"`
	Paged      int64    `json:"paged,omitempty"`
	Mode       string   `json:"mode,omitempty"`
	Error      string   `json:"error,omitempty"`
	Examples   []string `json:"bad_line_examples,omitempty"`
}

type logUADoc struct {
	UA         string     `json:"ua"`
	Present    bool       `json:"ua_present"`
	Unknown    bool       `json:"unknown,omitempty"`
	Source     string     `json:"source,omitempty"`
	Hits       uint64     `json:"hits"`
	Attributed uint64     `json:"attributed_by_source"`
	First      *time.Time `json:"first,omitempty"`
	Last       *time.Time `json:"last,omitempty"`
}

type crossDoc struct {
	Start            time.Time     `json:"start"`
	End              time.Time     `json:"end"`
	BucketSeconds    float64       `json:"bucket_s"`
	LogHits          uint64        `json:"log_hits"`
	CaptureMalformed uint64        `json:"capture_malformed"`
	Ratio            *float64      `json:"ratio"`
	Tolerance        string        `json:"tolerance"`
	Both             int           `json:"uas_in_both"`
	OnlyLogs         int           `json:"uas_only_in_logs"`
	OnlyCapture      int           `json:"uas_only_in_capture"`
	Agree            int           `json:"uas_agreeing"`
	Rows             []crossRowDoc `json:"uas"`
	OtherRows        int           `json:"other_uas"`
	OtherLogHits     uint64        `json:"other_log_hits"`
	OtherCapture     uint64        `json:"other_capture_malformed"`
}

type crossRowDoc struct {
	UA      string   `json:"ua"`
	Present bool     `json:"ua_present"`
	Unknown bool     `json:"unknown,omitempty"`
	Source  string   `json:"source,omitempty"`
	Status  string   `json:"status"`
	LogHits uint64   `json:"log_hits"`
	Capture uint64   `json:"capture_malformed"`
	Ratio   *float64 `json:"ratio"`
	Agree   bool     `json:"agree"`
	// noCapture marks CSV rows of a run without a capture to compare.
	noCapture bool
}

type exportDoc struct {
	Index      string           `json:"index"`
	Agent      string           `json:"agent"`
	Messages   int64            `json:"messages"`
	NotAdded   int64            `json:"not_added"`
	Verdicts   int64            `json:"verdicts_stored"`
	Rollups    int64            `json:"rollups_stored"`
	Updated    int64            `json:"updated"`
	Retries    int64            `json:"retries"`
	Rejected   int64            `json:"rejected"`
	Unsent     int64            `json:"unsent"`
	Late       int64            `json:"late_verdicts"`
	Rejections map[string]int64 `json:"rejections"`
	Error      string           `json:"error,omitempty"`
}

func newLogDocs(s *LogSignal) logDocs {
	if s == nil {
		return logDocs{}
	}
	var d logDocs
	if len(s.Inputs) > 0 {
		l := &logsDoc{Inputs: []logInputDoc{}, From: timePtr(s.From), To: timePtr(s.To), Hits: s.Hits,
			UAs: []logUADoc{}, OtherUAs: s.OtherUAs, OtherHits: s.OtherHits, Notes: nonNil(s.Notes)}
		for _, in := range s.Inputs {
			l.Inputs = append(l.Inputs, logInputDoc(in))
		}
		for _, u := range s.UAs {
			l.UAs = append(l.UAs, logUADoc{UA: u.UA, Present: u.Present, Unknown: u.Unknown, Source: u.Source,
				Hits: u.Hits, Attributed: u.Attributed, First: timePtr(u.First), Last: timePtr(u.Last)})
		}
		d.Logs = l
	}
	if c := s.Cross; c != nil {
		x := &crossDoc{Start: c.Start.UTC(), End: c.End.UTC(), BucketSeconds: c.Bucket.Seconds(), LogHits: c.LogHits,
			CaptureMalformed: c.CaptureMalformed, Ratio: ratioPtr(c.Ratio, c.CaptureMalformed), Tolerance: c.Tolerance,
			Both: c.Both, OnlyLogs: c.OnlyLogs, OnlyCapture: c.OnlyCapture, Agree: c.Agree, Rows: []crossRowDoc{},
			OtherRows: c.OtherRows, OtherLogHits: c.OtherLogHits, OtherCapture: c.OtherCaptureMsgs}
		for _, r := range c.Rows {
			x.Rows = append(x.Rows, crossRowDoc{UA: r.UA, Present: r.Present, Unknown: r.Unknown, Source: r.Source,
				Status: r.Status, LogHits: r.LogHits, Capture: r.Capture, Ratio: ratioPtr(r.Ratio, r.Capture), Agree: r.Agree})
		}
		d.Cross = x
	}
	if e := s.Export; e != nil {
		rej := map[string]int64{}
		for k, v := range e.Rejections {
			rej[k] = v
		}
		d.Export = &exportDoc{Index: e.Index, Agent: e.Agent, Messages: e.Messages, NotAdded: e.NotAdded,
			Verdicts: e.Verdicts, Rollups: e.Rollups, Updated: e.Updated, Retries: e.Retries, Rejected: e.Rejected,
			Unsent: e.Unsent, Late: e.Late, Rejections: rej, Error: e.Error}
	}
	return d
}

// ratioPtr is nil when the ratio is undefined (no capture messages), and
// keeps JSON finite.
func ratioPtr(r float64, den uint64) *float64 {
	if den == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return nil
	}
	v := math.Round(r*10000) / 10000
	return &v
}

// logUAName is a log or cross-check row's UA for people.
func logUAName(ua string, present, unknown bool, src string) string {
	switch {
	case unknown && src != "":
		return "(unknown UA from " + src + ")"
	case unknown:
		return "(unknown UA, no source logged)"
	case !present:
		return "(no User-Agent)"
	}
	return TerminalSafe(ua)
}

// writeLogTable renders the log sections of the terminal table.
func writeLogTable(ew *errWriter, d logDocs) {
	if l := d.Logs; l != nil {
		for _, in := range l.Inputs {
			if in.Kind == "verdicts" {
				ew.printf("\nexported verdicts %s: %d malformed messages", TerminalSafe(in.Name), in.Hits)
				if in.Error != "" {
					ew.printf("; stopped: %s", TerminalSafe(in.Error))
				}
				ew.printf("\n")
			}
		}
		if l.Hits > 0 || hasLogInput(l.Inputs) {
			ew.printf("\nserver log lines (\"Malformed SIP\"):")
			if l.From != nil {
				ew.printf(" %s → %s UTC", l.From.Format(tableTimeLayout), l.To.Format(tableTimeLayout))
			}
			ew.printf(", %d hits\n", l.Hits)
		}
		for _, in := range l.Inputs {
			if in.Kind == "verdicts" {
				continue
			}
			ew.printf("  %s %s: %d hits", in.Kind, TerminalSafe(in.Name), in.Hits)
			if in.Kind == "file" {
				ew.printf(" of %d lines (%d outside the window, %d bad, %d without UA or source)", in.Lines, in.Outside, in.Bad, in.Unparsed)
			} else if in.Mode != "" {
				ew.printf(" (%s: %d aggregated, %d paged)", in.Mode, in.Aggregated, in.Paged)
			}
			if in.Error != "" {
				ew.printf("; stopped: %s", TerminalSafe(in.Error))
			}
			ew.printf("\n")
			for _, x := range in.Examples {
				ew.printf("    %s\n", TerminalSafe(x))
			}
		}
		if len(l.UAs) > 0 {
			tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  USER-AGENT (LOG)\tHITS\tBY SOURCE\tFIRST\tLAST")
			for _, u := range l.UAs {
				fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", Truncate(logUAName(u.UA, u.Present, u.Unknown, u.Source), tableUAWidth),
					u.Hits, u.Attributed, fmtTime(u.First), fmtTime(u.Last))
			}
			if tw.Flush() != nil {
				return
			}
		}
		if l.OtherUAs > 0 {
			ew.printf("  %d more UAs with %d hits\n", l.OtherUAs, l.OtherHits)
		}
		for _, n := range l.Notes {
			ew.printf("  note: %s\n", TerminalSafe(n))
		}
	}
	if c := d.Cross; c != nil {
		ew.printf("\nlogs vs capture, %s → %s UTC: %d log hits, %d malformed messages captured", c.Start.Format(tableTimeLayout),
			c.End.Format(tableTimeLayout), c.LogHits, c.CaptureMalformed)
		if c.Ratio != nil {
			ew.printf(", ratio %.2f", *c.Ratio)
		}
		ew.printf("\n  %d UAs in both (%d agree: %s), %d only in the logs, %d only in the capture\n", c.Both, c.Agree,
			c.Tolerance, c.OnlyLogs, c.OnlyCapture)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  USER-AGENT\tSTATUS\tLOG HITS\tCAPTURED\tRATIO\tAGREE")
		for _, r := range c.Rows {
			ratio := "-"
			if r.Ratio != nil {
				ratio = strconv.FormatFloat(*r.Ratio, 'f', 2, 64)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%s\n", Truncate(logUAName(r.UA, r.Present, r.Unknown, r.Source), tableUAWidth),
				r.Status, r.LogHits, r.Capture, ratio, yesNo(r.Agree))
		}
		if tw.Flush() != nil {
			return
		}
		if c.OtherRows > 0 {
			ew.printf("  %d more UAs: %d log hits, %d captured\n", c.OtherRows, c.OtherLogHits, c.OtherCapture)
		}
	}
	if x := d.Export; x != nil {
		ew.printf("\nexport to Elasticsearch index %s (agent %s): %d malformed messages, %d verdicts and %d rollups stored",
			TerminalSafe(x.Index), TerminalSafe(x.Agent), x.Messages, x.Verdicts, x.Rollups)
		if x.Updated > 0 {
			ew.printf(" (%d overwrote an earlier export)", x.Updated)
		}
		ew.printf(", %d retried, %d rejected, %d unsent, %d not added\n", x.Retries, x.Rejected, x.Unsent, x.NotAdded)
		keys := make([]string, 0, len(x.Rejections))
		for k := range x.Rejections {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ew.printf("  rejected %d× %s\n", x.Rejections[k], TerminalSafe(k))
		}
		if x.Error != "" {
			ew.printf("  export error: %s\n", TerminalSafe(x.Error))
		}
	}
}

func hasLogInput(ins []logInputDoc) bool {
	for _, in := range ins {
		if in.Kind != "verdicts" {
			return true
		}
	}
	return false
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(tableTimeLayout)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// logCSVHeader are the columns the cross-check adds to the analyze CSV.
var logCSVHeader = []string{"log_status", "log_hits", "capture_malformed_in_overlap", "log_capture_ratio"}

// logCSV joins the cross-check rows to the analyze CSV's per-UA rows;
// UAs only in the logs get rows of their own after them. Without a
// capture, the log's per-UA counts are the rows (status "log"). Nil (no
// columns) when the run read no log lines.
type logCSV struct {
	rows map[csvKey]crossRowDoc
	used map[csvKey]bool
	all  []crossRowDoc
}

type csvKey struct {
	ua      string
	present bool
}

func newLogCSV(a *Analysis) *logCSV {
	rows, ok := logCSVRows(a)
	if !ok {
		return nil
	}
	return &logCSV{rows: indexCrossRows(rows), used: map[csvKey]bool{}, all: rows}
}

// logCSVRows are the rows the CSV's log columns come from: the
// cross-check's, or without a capture to compare with the log's own per-UA
// counts (status "log", capture columns empty). ok is false when the run
// read no log lines.
func logCSVRows(a *Analysis) (rows []crossRowDoc, ok bool) {
	d := newLogDocs(a.Logs)
	switch {
	case d.Cross != nil:
		return d.Cross.Rows, true
	case d.Logs != nil && len(d.Logs.UAs) > 0:
		for _, u := range d.Logs.UAs {
			rows = append(rows, crossRowDoc{UA: u.UA, Present: u.Present, Unknown: u.Unknown, Source: u.Source,
				Status: "log", LogHits: u.Hits, noCapture: true})
		}
		return rows, true
	}
	return nil, false
}

// indexCrossRows keys the rows of known UAs by (UA, present).
func indexCrossRows(rows []crossRowDoc) map[csvKey]crossRowDoc {
	m := map[csvKey]crossRowDoc{}
	for _, r := range rows {
		if !r.Unknown {
			m[csvKey{r.UA, r.Present}] = r
		}
	}
	return m
}

func (c *logCSV) header(h []string) []string {
	if c == nil {
		return h
	}
	return append(append([]string(nil), h...), logCSVHeader...)
}

// markUsed marks the cross-check rows the capture's UAs carry, so that
// extra leaves them out.
func (c *logCSV) markUsed(uas []*correlate.UAStats) {
	if c == nil {
		return
	}
	for _, s := range uas {
		k := csvKey{s.UA, s.Present}
		if _, ok := c.rows[k]; ok && s.UA != correlate.OtherUA {
			c.used[k] = true
		}
	}
}

// appendCells appends the log columns of the UA's row to its CSV record,
// each after a comma.
func (c *logCSV) appendCells(dst []byte, ua string, present, other bool) []byte {
	if c == nil {
		return dst
	}
	r, ok := c.rows[csvKey{ua, present}]
	if other || !ok {
		return append(dst, ",,,,"...)
	}
	for _, f := range crossCells(r) {
		dst = appendCSVField(append(dst, ','), f)
	}
	return dst
}

// extra returns rows for the cross-check UAs no capture row carried: UAs
// only in the logs (and unknown sources), with the capture columns empty.
func (c *logCSV) extra(width int) [][]string {
	if c == nil {
		return nil
	}
	var out [][]string
	for _, r := range c.all {
		if !r.Unknown && c.used[csvKey{r.UA, r.Present}] {
			continue
		}
		rec := make([]string, width)
		rec[0] = csvSafe(TerminalSafe(r.UA))
		if r.Unknown {
			rec[0] = csvSafe(logUAName(r.UA, r.Present, r.Unknown, r.Source))
		}
		rec[1] = strconv.FormatBool(r.Present)
		out = append(out, append(rec, crossCells(r)...))
	}
	return out
}

func crossCells(r crossRowDoc) []string {
	ratio := ""
	if r.Ratio != nil {
		ratio = strconv.FormatFloat(*r.Ratio, 'f', 4, 64)
	}
	capture := itoa(r.Capture)
	if r.noCapture {
		capture = ""
	}
	return []string{r.Status, itoa(r.LogHits), capture, ratio}
}

package report

import (
	"time"
)

// LogSignal is what a run learned from the SIP server's own "Malformed SIP
// received" log lines (--logs files, --es queries) and from verdicts other
// agents exported (--from-es), and what it exported itself (--es-export).
// cmd/sipcorr computes every number; the renderers only show them.
type LogSignal struct {
	Inputs []LogInput
	// From and To bound the time the log inputs cover: the query window,
	// or the first and last malformed-SIP line of the files.
	From, To time.Time
	// Hits is every malformed-SIP log line counted; UAs the per-UA counts,
	// most hits first, at most the first few hundred (the rest in
	// OtherUAs/OtherHits).
	Hits      uint64
	UAs       []LogUA
	OtherUAs  int
	OtherHits uint64
	// Cross compares the logs with the capture over the time both cover;
	// nil without a capture.
	Cross  *LogCrossCheck
	Export *ExportSummary
	Notes  []string
}

// LogInput is one log source: a file, an Elasticsearch query or an index of
// exported verdicts.
type LogInput struct {
	Kind string // "file", "elasticsearch" or "verdicts"
	Name string // file path, or index pattern @ server (never credentials)
	// Files: Lines = Hits + Outside + Other + Bad.
	Lines, Hits, Outside, Other, Bad, Unparsed int64
	// Elasticsearch: documents counted server-side and paged through.
	Aggregated, Paged int64
	Mode              string // what the query did ("aggregate+hits", "hits")
	Error             string // why reading stopped; counts cover what was read
	Examples          []string
}

// LogUA is one User-Agent's log lines. A line without a UA is attributed to
// the UA the capture saw from its source address (Attributed), or stays
// unknown (UA empty, Unknown true) with its source address.
type LogUA struct {
	UA         string // raw, hostile; "" with Present false: "<null>" in the log
	Present    bool
	Unknown    bool
	Source     string // for Unknown: the address the lines came from ("" if none)
	Hits       uint64
	Attributed uint64 // of Hits, lines without UA attributed by source address
	First      time.Time
	Last       time.Time
}

// LogCrossCheck compares, per User-Agent, the log lines with the capture's
// malformed messages over the time both cover.
type LogCrossCheck struct {
	Start, End time.Time // the overlap, cut to whole buckets
	Bucket     time.Duration
	// LogHits and CaptureMalformed are the totals over the overlap;
	// Ratio = LogHits / CaptureMalformed (0 when the capture has none).
	LogHits, CaptureMalformed uint64
	Ratio                     float64
	// Tolerance is the rule a row must meet to agree, in words.
	Tolerance                      string
	Rows                           []CrossRow
	Both, OnlyLogs, OnlyCapture    int
	Agree                          int
	OtherRows                      int // rows beyond the listed ones
	OtherLogHits, OtherCaptureMsgs uint64
}

// CrossRow is one User-Agent in the cross-check.
type CrossRow struct {
	UA      string // raw; "" with Present false: no User-Agent header / "<null>"
	Present bool
	Unknown bool   // log lines with neither UA nor a source the capture knows
	Source  string // for Unknown rows: their source address
	Status  string // "both", "logs_only" or "capture_only"
	LogHits uint64
	Capture uint64 // malformed messages in the capture
	// Ratio = LogHits / Capture (0 when Capture is 0); Agree says whether
	// the two counts meet the check's tolerance.
	Ratio float64
	Agree bool
}

// ExportSummary is what --es-export stored.
type ExportSummary struct {
	Index, Agent string
	Messages     int64 // malformed messages handed to the exporter
	NotAdded     int64 // not handed over because the export had already stopped
	Verdicts     int64 // stored
	Rollups      int64
	Updated      int64 // overwrote documents of an earlier export (same ids)
	Retries      int64
	Rejected     int64
	Unsent       int64
	Late         int64
	Rejections   map[string]int64
	Error        string
}

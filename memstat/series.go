// Package memstat gives the memory of a Kamailio SIP server over time.
//
// It polls Kamailio's JSON-RPC interface (kex pkg.stats, stats.get_statistics
// shmem:, core.shmmem, core.version), records those polls to an append-only
// JSONL file, and imports recordings, files of raw JSON-RPC answers (a
// cron + curl loop), CSV exports (Munin, Grafana, Prometheus) and rrdtool
// fetch / xport output. Every source ends up as a Set of Series: plain, sorted,
// per-metric time series that the correlate package consumes. memstat never
// decides what growth means; it only says what was measured, where processes
// restarted, and what input it could not use.
package memstat

import (
	"fmt"
	"sort"
	"time"
)

// Metric names one memory quantity of a Kamailio memory pool.
type Metric uint8

// The metrics. Pkg metrics are per process (pkg.stats), Shm metrics are for
// the one shared pool (core.shmmem, stats shmem:). All are bytes except the
// fragment counts, which count free fragments (q_malloc semantics).
const (
	MetricUnknown Metric = iota
	PkgUsed              // pkg.stats used: sum of allocated fragment sizes
	PkgFree              // pkg.stats free = total_size - real_used
	PkgRealUsed          // pkg.stats real_used: used plus fragment overhead
	PkgTotal             // pkg.stats total_size: the pool size (-M)
	PkgFragments         // pkg.stats total_frags: number of free fragments
	ShmUsed              // shmem:used_size / core.shmmem used
	ShmFree              // shmem:free_size / core.shmmem free
	ShmRealUsed          // shmem:real_used_size / core.shmmem real_used
	ShmTotal             // shmem:total_size / core.shmmem total
	ShmMaxUsed           // shmem:max_used_size: peak real_used
	ShmFragments         // shmem:fragments: number of free fragments
	metricEnd
)

var metricNames = [metricEnd]string{
	MetricUnknown: "unknown",
	PkgUsed:       "pkg.used",
	PkgFree:       "pkg.free",
	PkgRealUsed:   "pkg.real_used",
	PkgTotal:      "pkg.total_size",
	PkgFragments:  "pkg.total_frags",
	ShmUsed:       "shm.used",
	ShmFree:       "shm.free",
	ShmRealUsed:   "shm.real_used",
	ShmTotal:      "shm.total",
	ShmMaxUsed:    "shm.max_used",
	ShmFragments:  "shm.fragments",
}

// String returns the stable name used in recordings, notes and reports,
// e.g. "pkg.real_used" or "shm.free".
func (m Metric) String() string {
	if m < metricEnd {
		return metricNames[m]
	}
	return fmt.Sprintf("metric(%d)", uint8(m))
}

// ParseMetric is the inverse of Metric.String.
func ParseMetric(s string) (Metric, bool) {
	for m := PkgUsed; m < metricEnd; m++ {
		if metricNames[m] == s {
			return m, true
		}
	}
	return MetricUnknown, false
}

// IsPkg reports whether m belongs to a per-process (private) pool.
func (m Metric) IsPkg() bool { return m >= PkgUsed && m <= PkgFragments }

// IsShm reports whether m belongs to the shared pool.
func (m Metric) IsShm() bool { return m >= ShmUsed && m <= ShmFragments }

// IsBytes reports whether values of m are bytes (false for fragment counts).
func (m Metric) IsBytes() bool { return m != PkgFragments && m != ShmFragments && m != MetricUnknown }

// Grows reports whether the metric rises as memory is consumed (used,
// real_used, max_used) as opposed to falling (free). Totals and fragment
// counts neither grow nor fall with use; Grows is false for them.
func (m Metric) Grows() bool {
	switch m {
	case PkgUsed, PkgRealUsed, ShmUsed, ShmRealUsed, ShmMaxUsed:
		return true
	}
	return false
}

// Scope says what a series describes.
type Scope uint8

const (
	// ScopeShared is the whole server's shared memory pool.
	ScopeShared Scope = iota
	// ScopeProcess is one Kamailio process (one pkg.stats entry). Its
	// Process field identifies it; CSV columns of unknown process leave
	// Process zero except Entry = -1.
	ScopeProcess
	// ScopeWeakest is, at each sample, the process with the least pkg free
	// memory (the compass-monitoring/Munin min_free and min_used fields).
	// Which process that is may change from one point to the next.
	ScopeWeakest
	// ScopeUDPReceivers is the sum over the UDP receiver (SIP worker)
	// processes at each sample; see IsUDPReceiver.
	ScopeUDPReceivers
)

var scopeNames = [...]string{"shared", "process", "weakest", "udp-receivers"}

// String returns "shared", "process", "weakest" or "udp-receivers".
func (s Scope) String() string {
	if int(s) < len(scopeNames) {
		return scopeNames[s]
	}
	return fmt.Sprintf("scope(%d)", uint8(s))
}

// Process identifies a Kamailio process as pkg.stats reports it.
// It is the zero value for shared-memory series and aggregates.
type Process struct {
	Entry int    // index in Kamailio's process table; -1 when unknown (CSV)
	PID   int    // 0 when unknown
	Rank  int    // child rank: 0 main, 1..N SIP workers, -1 timer, -2 RPC, -4 TCP main, -128 no child init
	Desc  string // e.g. "udp receiver child=0 sock=127.0.0.1:5060"; empty before Kamailio 5.4
}

// String describes the process for humans, e.g.
// "entry 1 pid 4242 rank 1 (udp receiver child=0 sock=127.0.0.1:5060)".
func (p Process) String() string {
	if p.Entry < 0 {
		return "unknown process"
	}
	s := fmt.Sprintf("entry %d pid %d rank %d", p.Entry, p.PID, p.Rank)
	if p.Desc != "" {
		s += " (" + p.Desc + ")"
	}
	return s
}

// Point is one measurement. Value is bytes, or a count for fragment metrics.
type Point struct {
	Time  time.Time
	Value float64
}

// Series is one metric of one scope (and process) between two restarts.
//
// Key identifies the quantity across restarts, e.g. "pkg.free/entry=3" or
// "shm.real_used"; the restart split gives the pieces consecutive Segment
// numbers (0, 1, ...), and a Process's PID may differ between segments.
// Points are sorted by time and never share a timestamp.
type Series struct {
	Key     string
	Metric  Metric
	Scope   Scope
	Process Process
	Label   string // source-side name: CSV column, or the process description
	Segment int
	Points  []Point
}

// First returns the first point; ok is false for an empty series.
func (s *Series) First() (p Point, ok bool) {
	if len(s.Points) == 0 {
		return Point{}, false
	}
	return s.Points[0], true
}

// Last returns the last point; ok is false for an empty series.
func (s *Series) Last() (p Point, ok bool) {
	if len(s.Points) == 0 {
		return Point{}, false
	}
	return s.Points[len(s.Points)-1], true
}

// Min returns the point with the smallest value (the earliest on ties).
func (s *Series) Min() (p Point, ok bool) {
	for i, q := range s.Points {
		if i == 0 || q.Value < p.Value {
			p = q
		}
	}
	return p, len(s.Points) > 0
}

// NoteKind classifies a Note.
type NoteKind uint8

const (
	NoteInfo    NoteKind = iota // anything else worth telling
	NoteColumns                 // which input columns were used, and how
	NoteIgnored                 // input columns or fields that were not used
	NoteSkipped                 // a row or line that could not be used
	NoteGap                     // the server did not answer a poll
	NoteRestart                 // a process or the server restarted: new segment
	NotePartial                 // a truncated last line (e.g. a crash mid-write)
)

var noteKindNames = [...]string{"info", "columns", "ignored", "skipped", "gap", "restart", "partial"}

// String returns the kind's lower-case name.
func (k NoteKind) String() string {
	if int(k) < len(noteKindNames) {
		return noteKindNames[k]
	}
	return fmt.Sprintf("note(%d)", uint8(k))
}

// Note is something a reader wants the operator to know about the input.
// Line is the 1-based input line (0 when not tied to a line); Time is the
// sample time (zero when unknown).
type Note struct {
	Kind NoteKind
	Line int
	Time time.Time
	Text string
}

// String formats the note as "line 12: skipped: ..." for logs and reports.
func (n Note) String() string {
	s := n.Kind.String() + ": " + n.Text
	if !n.Time.IsZero() {
		s = n.Time.UTC().Format(time.RFC3339) + " " + s
	}
	if n.Line > 0 {
		s = fmt.Sprintf("line %d: %s", n.Line, s)
	}
	return s
}

// Set is everything memstat read from one source: a recording, a CSV export
// or a live poll history. Series are sorted by (Metric, Scope, Key, Segment).
type Set struct {
	Source  string // file name or RPC URL
	Version string // Kamailio core.version when known, e.g. "kamailio 5.6.3 (x86_64/linux)"
	Series  []*Series
	// Averaged is true when each point is the mean over the interval
	// before its time rather than a reading at that instant: CSV and
	// rrdtool exports (rrdtool's AVERAGE rows, Munin's graphs, Grafana's
	// consolidated points). A recording of polls (memwatch, RPC) is not.
	Averaged bool
	Notes    []Note
	// OmittedNotes counts notes beyond the bound of maxNotes per Set
	// (restart and column notes are always kept): a file of a million
	// broken lines costs a count, not a million notes.
	OmittedNotes int
	listed       int // notes subject to the bound
}

// maxNotes bounds the notes of one Set other than restarts and columns.
const maxNotes = 1000

// Sort puts Series in the documented order. Readers call it; callers who
// append series themselves should too.
func (s *Set) Sort() {
	sort.SliceStable(s.Series, func(i, j int) bool {
		a, b := s.Series[i], s.Series[j]
		if a.Metric != b.Metric {
			return a.Metric < b.Metric
		}
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.Segment < b.Segment
	})
}

// Select returns the series of metric m and scope sc, in Set order
// (so the segments of one Key are consecutive and ascending).
func (s *Set) Select(m Metric, sc Scope) []*Series {
	var out []*Series
	for _, x := range s.Series {
		if x.Metric == m && x.Scope == sc {
			out = append(out, x)
		}
	}
	return out
}

// Shm returns the segments of the shared-memory series of metric m.
func (s *Set) Shm(m Metric) []*Series { return s.Select(m, ScopeShared) }

// Pkg returns the per-process series of pkg metric m, all processes and
// segments.
func (s *Set) Pkg(m Metric) []*Series { return s.Select(m, ScopeProcess) }

// UDPReceivers returns the segments of the summed UDP-receiver series of
// pkg metric m (present for recordings; CSV exports rarely carry it).
func (s *Set) UDPReceivers(m Metric) []*Series { return s.Select(m, ScopeUDPReceivers) }

// Restarts returns the times of the restart notes, in order.
func (s *Set) Restarts() []time.Time {
	var out []time.Time
	for _, n := range s.Notes {
		if n.Kind == NoteRestart && !n.Time.IsZero() {
			out = append(out, n.Time)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// note appends a note; a helper so that readers stay terse.
func (s *Set) note(k NoteKind, line int, t time.Time, format string, args ...any) {
	if k != NoteRestart && k != NoteColumns {
		if s.listed >= maxNotes {
			s.OmittedNotes++
			return
		}
		s.listed++
	}
	s.Notes = append(s.Notes, Note{Kind: k, Line: line, Time: t, Text: fmt.Sprintf(format, args...)})
}

// closeNotes adds the count of omitted notes, once, at the end of a read.
func (s *Set) closeNotes() {
	if s.OmittedNotes > 0 {
		s.Notes = append(s.Notes, Note{Kind: NoteSkipped, Text: fmt.Sprintf("%d more notes not listed (bound of %d notes per input)", s.OmittedNotes, maxNotes)})
	}
}

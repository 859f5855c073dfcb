// Package report renders sipcorr's findings for people and programs: a
// terminal table, JSON with a versioned schema, and CSV. It computes nothing:
// every number comes from the correlate package or from the run's counters.
package report

import (
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// AnalyzeSchema names the version of the JSON document written for
// `sipcorr analyze`. It changes whenever a field changes meaning or goes away;
// adding fields keeps it. See SCHEMA.md.
const AnalyzeSchema = "sipcorr.analyze/v1"

// Analysis is everything `sipcorr analyze` reports about one run.
type Analysis struct {
	Files     []FileSummary
	Counters  []Counter // run counters in display order (packets, bytes, skipped by reason, ...)
	Totals    Totals
	Sanity    SanityConfig
	Inventory *correlate.Inventory
	Defects   []KnownDefect // known Kamailio defects that the observed failures trigger
	Notes     []string      // data-quality notes: folded UAs, unreadable files, ...
	// TopSources is how many source addresses per UA the table and CSV show;
	// JSON always lists every counted source.
	TopSources int
	// Logs is the server-log signal and export of the run (logs*.go); nil
	// when the run read no logs and exported nothing.
	Logs *LogSignal
}

// FileSummary is one input of the run.
type FileSummary struct {
	Path    string
	Packets uint64
	Error   string // one-line error that stopped reading this input, if any
}

// Counter is one run counter. Key is stable (JSON/CSV); Name is for people.
type Counter struct {
	Key   string
	Name  string
	Value uint64
	// Skip marks counters of things not analysed (skipped, broken, expired,
	// repaired); the others describe what was decoded.
	Skip bool
}

// Totals are the headline numbers of the run.
type Totals struct {
	Packets     uint64
	Bytes       uint64
	SIPMessages uint64
	Requests    uint64
	Responses   uint64
	Malformed   uint64 // messages Kamailio would reject (core drop or failed check)
	CoreDrops   uint64
	Unparsable  uint64 // payloads framed as SIP that the parser could not read at all
	Incomplete  uint64 // SIP messages only partly captured (snaplen, TCP gap): counted, not judged
	FromServer  uint64 // SIP messages sent by the server itself: counted, not judged
	First, Last time.Time
}

// SanityConfig is the Kamailio configuration the verdicts were computed for.
type SanityConfig struct {
	Version      string
	Checks       uint32
	URIChecks    uint8
	ProxyRequire []string
	From         string // where the configuration came from: "defaults", "flags", a kamailio.cfg path
}

// KnownDefect is a Kamailio defect that the observed traffic triggers on the
// configured version (from the sipparse knowledge base).
type KnownDefect struct {
	ID       string // e.g. "GH-1990"
	Title    string
	Rule     uint32 // sanity bit involved, 0 for core defects
	Messages uint64 // messages in this run that trigger it
	FixedIn  string
	Ref      string
	Effect   string // "pkg leak ~128 B real_used per message", "worker crash", ...
}

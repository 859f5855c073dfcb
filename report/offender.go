package report

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// OffenderSchema names the version of the JSON document written by
// `sipcorr analyze --memory`. Like AnalyzeSchema it changes only when a
// field changes meaning or goes away. See SCHEMA-offender.md.
const OffenderSchema = "sipcorr.offenders/v1"

// Offenders is the offender report of one run: which User-Agents' malformed
// traffic makes the server's memory grow (correlate's attribution), with the
// memory input it was computed from and the run's per-UA inventory.
type Offenders struct {
	Attribution *correlate.Report
	Memory      MemoryInput
	// Analysis is the per-UA inventory of the same run; the JSON embeds it
	// as a complete sipcorr.analyze/v1 document.
	Analysis *Analysis
	// Notes are data-quality notes about the inputs that correlate does not
	// see (memory reader notes, version source), shown with its notes.
	Notes []Note
	// PoolSizeHint, shown when no series has a known pool size, tells
	// the reader how to get one in the caller's terms (sipcorr: "give
	// --rpc to read the pool sizes from the server"); this package knows
	// no flags. Empty: only the fact is stated.
	PoolSizeHint string
}

// Note is a data-quality note with a kind: "gap", "restart", "coverage",
// "memory", "version", ... (correlate's kinds plus the memory reader's).
type Note struct {
	Kind string
	Text string
}

// MemoryInput describes the memory series the attribution used.
type MemoryInput struct {
	Source  string // file name or RPC URL (without credentials)
	Kind    string // "recording", "csv" (what memstat detected)
	Version string // Kamailio's core.version, when the input carries it
	// Samples is the number of distinct sample times; First and Last bound
	// them.
	Samples     int
	First, Last time.Time
	Series      []string // the series given to correlate, e.g. "shm real_used"
	Restarts    int
	Gaps        int
}

// WriteOffenders renders o in the given format.
func WriteOffenders(w io.Writer, f Format, o *Offenders) error {
	if o.Attribution == nil {
		return fmt.Errorf("report: offender report without an attribution")
	}
	switch f {
	case FormatJSON:
		return writeOffenderJSON(w, o)
	case FormatCSV:
		return writeOffenderCSV(w, o)
	case FormatTable:
		return writeOffenderTable(w, o)
	}
	return fmt.Errorf("unknown format %q", f)
}

// The *Doc types below are the JSON document of SCHEMA-offender.md.

type offenderDoc struct {
	Schema      string          `json:"schema"`
	Window      windowDoc       `json:"window"`
	Memory      memoryDoc       `json:"memory"`
	Suspects    []suspectDoc    `json:"suspects"`
	Bystanders  []bystanderDoc  `json:"malformed_without_impact"`
	Remediation []string        `json:"remediation"`
	Steps       []remedyDoc     `json:"remediation_steps"`
	Projections []projectionDoc `json:"projections"`
	Weakest     *int            `json:"weakest_projection"`
	Targets     []targetDoc     `json:"targets"`
	Windows     []growthDoc     `json:"growth_windows"`
	Notes       []noteDoc       `json:"notes"`
	Analysis    *analyzeDoc     `json:"analysis,omitempty"`
}

type windowDoc struct {
	Start         *time.Time `json:"start,omitempty"`
	End           *time.Time `json:"end,omitempty"`
	BucketSeconds float64    `json:"bucket_s"`
	Buckets       int        `json:"buckets"`
	Source        string     `json:"source"`
}

type memoryDoc struct {
	Source   string     `json:"source"`
	Kind     string     `json:"kind"`
	Version  string     `json:"kamailio_version"`
	Samples  int        `json:"samples"`
	First    *time.Time `json:"first,omitempty"`
	Last     *time.Time `json:"last,omitempty"`
	Series   []string   `json:"series"`
	Restarts int        `json:"restarts"`
	Gaps     int        `json:"gaps"`
}

type intervalDoc struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

type exampleDoc struct {
	Packet uint64     `json:"packet,omitempty"`
	Time   *time.Time `json:"time,omitempty"`
	Header string     `json:"header"`
}

type deviceDoc struct {
	Vendor   string `json:"vendor,omitempty"`
	Model    string `json:"model,omitempty"`
	Firmware string `json:"firmware,omitempty"`
	Scanner  bool   `json:"scanner,omitempty"`
	Folded   bool   `json:"folded,omitempty"`
}

type countDoc struct {
	Addr     string `json:"addr"`
	Messages uint64 `json:"messages"`
}

type suspectDoc struct {
	Rank              int          `json:"rank"`
	UA                string       `json:"ua"`
	Device            deviceDoc    `json:"device"`
	Rules             []uint32     `json:"rules"`
	RuleNames         []string     `json:"rule_names"`
	FirstRule         uint32       `json:"first_rule"`
	FirstRuleName     string       `json:"first_rule_name"`
	Messages          uint64       `json:"messages"`
	MessagesCapture   uint64       `json:"messages_capture"`
	MessagesLog       uint64       `json:"messages_log"`
	Sources           []countDoc   `json:"sources"`
	Series            string       `json:"series"`
	Pool              string       `json:"pool"`
	BytesPerMessage   float64      `json:"bytes_per_message"`
	CI                intervalDoc  `json:"bytes_per_message_ci95"`
	PValue            float64      `json:"p_value"`
	R2                float64      `json:"r2"`
	PartialR2         float64      `json:"partial_r2"`
	Share             float64      `json:"share_of_growth"`
	Lift              float64      `json:"lift"`
	LagBuckets        int          `json:"lag_buckets"`
	LeakRate          float64      `json:"leak_bytes_s"`
	Exhaustion        *float64     `json:"time_to_exhaustion_s"`
	ExhaustedAt       *time.Time   `json:"exhausted_at"`
	ProjectionSeries  string       `json:"projection_series"`
	ShareOfPoolGrowth float64      `json:"share_of_pool_growth"`
	Indistinguishable []string     `json:"indistinguishable"`
	KnownDefect       *defectMatch `json:"known_defect"`
	Tokens            []tokenDoc   `json:"proxy_require_tokens"`
	Example           exampleDoc   `json:"example"`
	Evidence          string       `json:"evidence"`
}

type defectMatch struct {
	ID             string `json:"id"`
	Affected       bool   `json:"affected"`
	VersionKnown   bool   `json:"version_known"`
	SizeConsistent bool   `json:"size_consistent"`
	Expected       string `json:"expected"`
	FixedIn        string `json:"fixed_in"`
	Summary        string `json:"summary"`
}

type tokenDoc struct {
	Token    string `json:"token"`
	Messages uint64 `json:"messages"`
}

type bystanderDoc struct {
	UA              string       `json:"ua"`
	Device          deviceDoc    `json:"device"`
	Rules           []uint32     `json:"rules"`
	RuleNames       []string     `json:"rule_names"`
	Messages        uint64       `json:"messages"`
	Sources         []countDoc   `json:"sources"`
	Tested          bool         `json:"tested"`
	BytesPerMessage *float64     `json:"bytes_per_message"`
	CI              *intervalDoc `json:"bytes_per_message_ci95"`
	Lift            float64      `json:"lift"`
	Reason          string       `json:"reason"`
	Example         exampleDoc   `json:"example"`
}

type remedyDoc struct {
	Kind        string   `json:"kind"`
	Lines       []string `json:"lines"`
	Upgrade     string   `json:"upgrade,omitempty"`
	Alternative bool     `json:"alternative"`
	UAs         []string `json:"uas"`
	Why         string   `json:"why"`
}

type projectionDoc struct {
	Series     string     `json:"series"`
	Pool       string     `json:"pool"`
	Total      float64    `json:"total_bytes"`
	Used       float64    `json:"used_bytes"`
	Free       float64    `json:"free_bytes"`
	Slope      float64    `json:"slope_bytes_s"`
	Attributed float64    `json:"attributed_bytes_s"`
	Exhaustion *float64   `json:"time_to_exhaustion_s"`
	At         *time.Time `json:"exhausted_at"`
}

type targetDoc struct {
	Series     string  `json:"series"`
	Pool       string  `json:"pool"`
	Metric     string  `json:"metric"`
	Members    int     `json:"members"`
	Rows       int     `json:"rows"`
	LagBuckets int     `json:"lag_buckets"`
	R2         float64 `json:"r2"`
	Drift      float64 `json:"drift_bytes_per_bucket"`
	Noise      float64 `json:"noise_bytes"`
	Growth     float64 `json:"growth_bytes"`
	InGrowth   int     `json:"buckets_in_growth"`
}

type growthDoc struct {
	Series string    `json:"series"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Rise   float64   `json:"rise_bytes"`
	Rate   float64   `json:"rate_bytes_s"`
}

type noteDoc struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

func newOffenderDoc(o *Offenders) offenderDoc {
	r := o.Attribution
	d := offenderDoc{
		Schema: OffenderSchema,
		Window: windowDoc{Start: timePtr(r.Start), End: timePtr(r.End), BucketSeconds: r.Bucket.Seconds(),
			Buckets: r.Buckets, Source: r.Source},
		Memory: memoryDoc{Source: o.Memory.Source, Kind: o.Memory.Kind, Version: o.Memory.Version,
			Samples: o.Memory.Samples, First: timePtr(o.Memory.First), Last: timePtr(o.Memory.Last),
			Series: nonNil(o.Memory.Series), Restarts: o.Memory.Restarts, Gaps: o.Memory.Gaps},
		Suspects: []suspectDoc{}, Bystanders: []bystanderDoc{}, Remediation: r.CfgLines(),
		Steps: []remedyDoc{}, Projections: []projectionDoc{}, Targets: []targetDoc{},
		Windows: []growthDoc{}, Notes: []noteDoc{},
	}
	for i, s := range r.Suspects {
		d.Suspects = append(d.Suspects, newSuspectDoc(i+1, &s))
	}
	for _, b := range r.MalformedWithoutImpact {
		bd := bystanderDoc{UA: b.UA, Device: newDeviceDoc(b.Device), Rules: ruleBits(b.Rules), RuleNames: ruleNames(b.Rules),
			Messages: b.Count, Sources: countDocs(b.Sources), Tested: b.Tested, Lift: b.Lift, Reason: b.Reason,
			Example: newExampleDoc(b.Example)}
		if b.Tested {
			bpm := b.BytesPerMessage
			bd.BytesPerMessage, bd.CI = &bpm, &intervalDoc{b.CI.Low, b.CI.High}
		}
		d.Bystanders = append(d.Bystanders, bd)
	}
	for _, s := range r.Remediation {
		d.Steps = append(d.Steps, remedyDoc{Kind: s.Kind, Lines: nonNil(s.Lines), Upgrade: s.Upgrade,
			Alternative: s.Alternative, UAs: nonNil(s.UAs), Why: s.Why})
	}
	for _, p := range r.Projections {
		pd := projectionDoc{Series: p.Series, Pool: p.Pool, Total: p.Total, Used: p.Used, Free: p.Free,
			Slope: p.Slope, Attributed: p.Attributed, Exhaustion: seconds(p.Exhaustion)}
		if p.Exhaustion > 0 {
			pd.At = timePtr(p.At)
		}
		d.Projections = append(d.Projections, pd)
	}
	if r.Weakest >= 0 && r.Weakest < len(r.Projections) {
		w := r.Weakest
		d.Weakest = &w
	}
	for _, t := range r.Targets {
		d.Targets = append(d.Targets, targetDoc{Series: t.Series, Pool: t.Pool, Metric: t.Metric, Members: t.Members,
			Rows: t.Rows, LagBuckets: t.Lag, R2: t.R2, Drift: t.Drift, Noise: t.Noise, Growth: t.Growth, InGrowth: t.Windowed})
	}
	for _, w := range r.Windows {
		d.Windows = append(d.Windows, growthDoc{Series: w.Series, Start: w.Start.UTC(), End: w.End.UTC(), Rise: w.Rise, Rate: w.Rate})
	}
	for _, n := range allNotes(o) {
		d.Notes = append(d.Notes, noteDoc(n))
	}
	if o.Analysis != nil {
		// Without its UAs: only the JSON writer shows them, and it
		// streams them (writeOffenderJSON).
		a := newAnalyzeFrame(o.Analysis)
		d.Analysis = &a
	}
	return d
}

// writeOffenderJSON writes the document with the embedded analysis's UAs
// streamed, as the analyze JSON (render_json.go).
func writeOffenderJSON(w io.Writer, o *Offenders) error {
	var inv *correlate.Inventory
	if o.Analysis != nil {
		inv = o.Analysis.Inventory
	}
	full := func() any {
		d := newOffenderDoc(o)
		if o.Analysis != nil {
			a := newAnalyzeDoc(o.Analysis)
			d.Analysis = &a
		}
		return d
	}
	return writeJSONWithUAs(w, newOffenderDoc(o), full, inv, []byte("\n  \"analysis\": {"), "    ")
}

func newSuspectDoc(rank int, s *correlate.Suspect) suspectDoc {
	sd := suspectDoc{Rank: rank, UA: s.UA, Device: newDeviceDoc(s.Device), Rules: ruleBits(s.Rules), RuleNames: ruleNames(s.Rules),
		FirstRule: s.First, FirstRuleName: ruleName(s.First), Messages: s.Count, MessagesCapture: s.CountCapture,
		MessagesLog: s.CountLog, Sources: countDocs(s.Sources), Series: s.Target, Pool: s.Pool,
		BytesPerMessage: s.BytesPerMessage, CI: intervalDoc{s.CI.Low, s.CI.High}, PValue: s.PValue, R2: s.R2,
		PartialR2: s.PartialR2, Share: s.Share, Lift: s.Lift, LagBuckets: s.Lag, LeakRate: s.Rate,
		Exhaustion: seconds(s.Projection), ProjectionSeries: s.PoolSeries, ShareOfPoolGrowth: s.PoolShare,
		Indistinguishable: nonNil(s.Indistinguishable),
		Tokens:            []tokenDoc{}, Example: newExampleDoc(s.Example), Evidence: s.Evidence}
	if s.Projection > 0 {
		sd.ExhaustedAt = timePtr(s.ProjectionAt)
	}
	for _, t := range s.Tokens {
		sd.Tokens = append(sd.Tokens, tokenDoc{t.Token, t.Count})
	}
	if k := s.Defect; k != nil {
		sd.KnownDefect = &defectMatch{ID: k.ID, Affected: k.Affected, VersionKnown: k.VersionKnown,
			SizeConsistent: k.Consistent, Expected: k.Expected, FixedIn: k.FixedIn, Summary: k.Summary}
	}
	return sd
}

// allNotes is correlate's notes after the input notes, in that order.
func allNotes(o *Offenders) []Note {
	out := append([]Note(nil), o.Notes...)
	for _, n := range o.Attribution.Notes {
		out = append(out, Note{Kind: n.Kind, Text: n.Text})
	}
	return out
}

func newDeviceDoc(u correlate.UAInfo) deviceDoc {
	return deviceDoc{Vendor: u.Vendor, Model: u.Model, Firmware: u.Firmware, Scanner: u.Scanner, Folded: u.Folded}
}

func newExampleDoc(e correlate.Example) exampleDoc {
	return exampleDoc{Packet: e.Ref, Time: timePtr(e.Time), Header: e.Header}
}

func countDocs(s []correlate.SourceCount) []countDoc {
	out := []countDoc{}
	for _, c := range s {
		out = append(out, countDoc{Addr: addrString(c.Addr), Messages: c.Count})
	}
	return out
}

// ruleBits splits a rule mask into its bits, lowest first; the pseudo rules
// of correlate (core drop, unknown) keep their values.
func ruleBits(mask uint32) []uint32 {
	out := []uint32{}
	for m := mask; m != 0; m &= m - 1 {
		out = append(out, m&-m)
	}
	return out
}

func ruleNames(mask uint32) []string {
	out := []string{}
	for _, b := range ruleBits(mask) {
		out = append(out, ruleName(b))
	}
	return out
}

// ruleName names a sanity bit or one of correlate's pseudo rules.
func ruleName(bit uint32) string { return sipparse.RuleName(bit) }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// seconds turns a correlate duration (0: unknown / never) into seconds.
func seconds(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	s := math.Round(d.Seconds()*1000) / 1000
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

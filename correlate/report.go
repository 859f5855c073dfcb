package correlate

import (
	"encoding/json"
	"time"
)

// Report is the result of Attribute: what package report renders. Every
// float is finite, so the report marshals to JSON as is.
type Report struct {
	// Start and End bound the analysis window: the part of the memory
	// series covered by events of the chosen Source, cut to whole buckets.
	Start   time.Time     `json:"start"`
	End     time.Time     `json:"end"`
	Bucket  time.Duration `json:"bucket_ns"`
	Buckets int           `json:"buckets"`
	Source  string        `json:"source"` // "capture" or "log": whose counts were regressed
	// Targets are the memory series regressed (each shm series, the sum of
	// the pkg processes, each aggregate pkg series) with their fit.
	Targets []TargetFit `json:"targets"`
	// Suspects are the (UA, rule) whose malformed messages significantly
	// move memory, most likely first.
	Suspects []Suspect `json:"suspects"`
	// MalformedWithoutImpact are the UAs that sent malformed SIP but are not
	// suspects, most messages first, each with the reason.
	MalformedWithoutImpact []Bystander `json:"malformed_without_impact"`
	// Windows are the growth windows of every input series.
	Windows []Window `json:"growth_windows"`
	// Projections give, per series with a known pool size, the time until
	// it runs out; Weakest indexes the soonest (-1: none runs out).
	Projections []Projection  `json:"projections"`
	Weakest     int           `json:"weakest"`
	Remediation []Remediation `json:"remediation_steps"`
	Notes       []Note        `json:"notes"`
}

// MarshalJSON adds "remediation", the kamailio.cfg lines of CfgLines, to
// the fields: the minimal schema (suspects, malformed_without_impact,
// remediation as lines) holds for the Report as marshalled.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report // no methods: no recursion
	return json.Marshal(struct {
		plain
		Remediation []string `json:"remediation"`
	}{plain(r), r.CfgLines()})
}

// CfgLines returns the kamailio.cfg lines of every remediation step, in
// order and without duplicates.
func (r *Report) CfgLines() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range r.Remediation {
		for _, l := range s.Lines {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out
}

// TargetFit is the regression of one memory series.
type TargetFit struct {
	Series string `json:"series"`
	Pool   string `json:"pool"`
	Metric string `json:"metric,omitempty"`
	// Members is the number of process series summed into it (1 otherwise).
	Members int `json:"members"`
	Rows    int `json:"rows"` // buckets with a valid memory step
	// Lag is the common delay, in buckets, between messages and the memory
	// step that fits best (pkg values refresh only when a process allocates).
	Lag      int     `json:"lag_buckets"`
	R2       float64 `json:"r2"`        // variance of the steps explained
	Drift    float64 `json:"drift"`     // fitted intercept, bytes per bucket
	Noise    float64 `json:"noise"`     // robust σ of a bucket step, bytes
	Growth   float64 `json:"growth"`    // total rise over valid buckets, bytes
	Windowed int     `json:"in_growth"` // buckets inside growth windows
}

// Interval is a two-sided 95 % confidence interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Suspect is a (UA, rule) whose malformed messages move memory.
type Suspect struct {
	UA     string `json:"ua"` // raw User-Agent
	Device UAInfo `json:"device"`
	// Rules is the union of failed sanity bits; First the reported check
	// the messages were counted under (RuleUnknown for log-only counts).
	Rules uint32 `json:"rules"`
	First uint32 `json:"first_rule"`
	// Count is the malformed messages in the analysis window; CountCapture
	// and CountLog what each source saw over the whole timeline.
	Count        uint64        `json:"count"`
	CountCapture uint64        `json:"count_capture"`
	CountLog     uint64        `json:"count_log"`
	Sources      []SourceCount `json:"sources"`
	Target       string        `json:"series"` // memory series it moves
	Pool         string        `json:"pool"`
	// BytesPerMessage is the NNLS coefficient; CI its 95 % moving-block
	// bootstrap percentile interval.
	BytesPerMessage float64  `json:"bytes_per_message"`
	CI              Interval `json:"bytes_per_message_ci95"`
	PValue          float64  `json:"p_value"`    // one-sided, bootstrap SE
	PartialR2       float64  `json:"partial_r2"` // fit lost when it is left out
	R2              float64  `json:"r2"`         // of the whole model
	// Share is the part of the series' growth it accounts for (0..1+).
	Share float64 `json:"share_of_growth"`
	// Lift is its malformed rate inside growth windows over the rate
	// outside (add-½ smoothed); 0 when there is no window or no baseline.
	Lift float64 `json:"lift"`
	Lag  int     `json:"lag_buckets"`
	// Rate is the growth it causes at its observed message rate, bytes/s,
	// over the whole server (LoadSpread "unknown": in the process seen).
	Rate float64 `json:"leak_bytes_s"`
	// LoadSpread says how BytesPerMessage relates to the server: "server"
	// (the series sees every message: shm, the sum of the pkg processes),
	// "scaled" (a series of one process at a time, Munin's least-free
	// process, whose estimate PerProcessBytes was multiplied by Receivers)
	// or "unknown" (such a series, but how many processes share the load is
	// not known: BytesPerMessage is the per-process figure, and
	// IfSpreadBytes gives the server's if the load is spread over
	// AssumedReceivers, Kamailio's default children=8).
	LoadSpread       string  `json:"load_spread"`
	PerProcessBytes  float64 `json:"bytes_per_message_per_process,omitempty"`
	Receivers        int     `json:"receivers,omitempty"`
	ReceiversFrom    string  `json:"receivers_from,omitempty"`
	IfSpreadBytes    float64 `json:"bytes_per_message_if_spread,omitempty"`
	AssumedReceivers int     `json:"assumed_receivers,omitempty"`
	// ProcessRate is, for pkg, the growth it causes in one receiving
	// process (its share of the messages), bytes/s: what brings the first
	// process to its end.
	ProcessRate float64 `json:"process_leak_bytes_s,omitempty"`
	// PoolSeries is the series of its pool that runs out first (the
	// projection the report gives for the pool); PoolShare the part of that
	// series' observed growth rate this suspect explains (0..1; the
	// suspects of one series add up to at most 1).
	PoolSeries string  `json:"pool_series,omitempty"`
	PoolShare  float64 `json:"pool_share_of_rate"`
	// Indistinguishable lists other UAs whose counts are collinear with
	// this one's: the estimate belongs to the group, not to one device.
	Indistinguishable []string     `json:"indistinguishable,omitempty"`
	Defect            *DefectMatch `json:"known_defect,omitempty"`
	Tokens            []TokenCount `json:"proxy_require_tokens,omitempty"`
	Example           Example      `json:"example"`
	Evidence          string       `json:"evidence"`
	// Projection is the pool's time to exhaustion (PoolSeries at its
	// observed growth, the same figure as the projection); 0 unknown.
	Projection time.Duration `json:"time_to_exhaustion_ns,omitempty"`
	// ProjectionAt is when that is.
	ProjectionAt time.Time `json:"exhausted_at,omitzero"`
}

// Bystander is a UA that sent malformed SIP without a significant memory
// effect.
type Bystander struct {
	UA      string        `json:"ua"`
	Device  UAInfo        `json:"device"`
	Rules   uint32        `json:"rules"`
	Count   uint64        `json:"count"`
	Sources []SourceCount `json:"sources"`
	// Tested is true when the UA was a regression candidate; the estimate
	// and interval (of its largest rule, best series) are then filled.
	Tested          bool     `json:"tested"`
	BytesPerMessage float64  `json:"bytes_per_message"`
	CI              Interval `json:"bytes_per_message_ci95"`
	Lift            float64  `json:"lift"`
	Reason          string   `json:"reason"`
	Example         Example  `json:"example"`
}

// DefectMatch links a suspect to a known Kamailio defect.
type DefectMatch struct {
	ID string `json:"id"`
	// Affected is true when the configured version is in the affected
	// range, false when it is not, and the match is by rule only when the
	// version is unknown (VersionKnown false).
	Affected     bool   `json:"affected"`
	VersionKnown bool   `json:"version_known"`
	Consistent   bool   `json:"size_consistent"` // the CI contains n × the known leak size, n = 1..4
	Expected     string `json:"expected"`        // the size compared, e.g. "24 B used per token"
	FixedIn      string `json:"fixed_in,omitempty"`
	Summary      string `json:"summary"`
}

// Projection is the time until one memory series runs out.
type Projection struct {
	Series string  `json:"series"`
	Pool   string  `json:"pool"`
	Total  float64 `json:"total"`
	Used   float64 `json:"used"` // last sample
	Free   float64 `json:"free"`
	// Slope is the observed growth over the last segment (robust, bytes/s);
	// Attributed the growth the suspects explain at their observed message
	// rates (bytes/s; only for series that were regressed).
	Slope      float64       `json:"slope_bytes_s"`
	Attributed float64       `json:"attributed_bytes_s"`
	Exhaustion time.Duration `json:"time_to_exhaustion_ns"` // at Slope; 0 when not growing
	At         time.Time     `json:"exhausted_at"`          // last sample + Exhaustion
}

// Note is a data-quality remark: gaps, restarts, coverage, caps.
type Note struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

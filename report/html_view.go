package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// htmlView is the data of the HTML template. Strings from the wire are kept
// as strings (html/template escapes them) after TerminalSafe, so control
// characters and bidi overrides show as visible escapes, not as effects.
type htmlView struct {
	Title     string
	Zone      string
	Span      string
	Files     []string
	Totals    []kv
	Sanity    string
	Headline  []string
	Offenders bool
	Memory    []kv
	Window    string
	TimeChart *svgChart
	RuleChart *svgChart
	Suspects  []suspectView
	Projs     []projView
	PoolHint  string // Offenders.PoolSizeHint
	Steps     []remedyView
	CfgLines  string
	Bystander []bystanderView
	UAs       []uaView
	Defects   []defectView
	Decoded   []kv
	Skipped   []kv
	Notes     []kv
	Evidence  string
}

type kv struct{ K, V string }

type suspectView struct {
	Rank        int
	Anchor      string
	Colour      string
	UA          string
	Device      []kv
	Scanner     bool
	Sources     []string
	Rule        string
	AllRules    string
	Reply       string
	Messages    string
	Series      string
	BPM         string
	CI          string
	PValue      string
	Share       string
	Lift        string
	Rate        string
	Exhaustion  string
	Group       []string
	Defect      *defectView
	DefectMatch string
	Tokens      []string
	Example     exampleView
	CfgLines    string
}

type exampleView struct {
	Where  string
	Lines  []exampleLine
	Header string // the offending header when no whole message was kept
	Reply  string
}

type exampleLine struct {
	Text string
	Mark bool
}

type projView struct {
	Series, Pool, Used, Total, Free, Slope, Attributed, Exhaustion, At string
	Weakest                                                            bool
}

type remedyView struct {
	Kind, Why, Upgrade string
	Lines              string
	UAs                []string
	Alternative        bool
}

type bystanderView struct {
	UA, Device, Rules, Messages, BPM, Lift, Reason, Example string
}

type uaView struct {
	UA, Messages, Requests, Responses, Malformed, Rules, Methods, Codes, First, Last string
	Sources                                                                          []string
	Malicious                                                                        bool
}

type defectView struct {
	ID, Title, Effect, Fixed, Ref, Messages string
	// Link is Ref when it is a web address (the template links it), else "".
	Link string
}

// webLink returns ref when it is an http(s) address, for an <a href>;
// references like "kamailio/kamailio#1990" stay text.
func webLink(ref string) string {
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		return ref
	}
	return ""
}

// maxPlottedSuspects is how many suspects get a line in the rate panel.
const maxPlottedSuspects = 5

func newHTMLView(r *HTMLReport) *htmlView {
	loc := r.Location
	if loc == nil {
		loc = time.Local
	}
	a := r.Analysis
	d := newAnalyzeDoc(a)
	v := &htmlView{Title: "sipcorr report"}
	ref := a.Totals.First
	if r.Offenders != nil && !r.Offenders.Attribution.Start.IsZero() {
		ref = r.Offenders.Attribution.Start
	}
	v.Zone = zoneLabel(ref, loc)
	if !a.Totals.First.IsZero() {
		v.Span = fmt.Sprintf("%s → %s (%s)", a.Totals.First.In(loc).Format(tableTimeLayout),
			a.Totals.Last.In(loc).Format(tableTimeLayout), a.Totals.Last.Sub(a.Totals.First).Round(time.Second))
	}
	for _, f := range a.Files {
		s := TerminalSafe(f.Path) + fmt.Sprintf(": %d packets", f.Packets)
		if f.Error != "" {
			s += " — stopped: " + TerminalSafe(f.Error)
		}
		v.Files = append(v.Files, s)
	}
	t := a.Totals
	v.Totals = []kv{{"packets", fmt.Sprintf("%d (%s)", t.Packets, humanBytes(t.Bytes))},
		{"SIP messages", fmt.Sprintf("%d (%d requests, %d responses)", t.SIPMessages, t.Requests, t.Responses)},
		{"malformed", fmt.Sprintf("%d (%s of the judged messages)", t.Malformed, pct(float64(t.Malformed), float64(t.SIPMessages-t.FromServer)))},
		{"core drops", fmt.Sprintf("%d", t.CoreDrops)}}
	if t.FromServer > 0 {
		v.Totals = append(v.Totals, kv{"sent by the server (not judged)", fmt.Sprintf("%d", t.FromServer)})
	}
	v.Sanity = fmt.Sprintf("Kamailio %s sanity: checks %d, uri_checks %d, proxy_require %s (%s)",
		d.Sanity.KamailioVersion, d.Sanity.Checks, d.Sanity.URIChecks, listOrEmpty(d.Sanity.ProxyRequire), TerminalSafe(d.Sanity.From))
	for _, c := range a.Counters {
		if c.Value == 0 {
			continue
		}
		if c.Skip {
			v.Skipped = append(v.Skipped, kv{c.Name, fmt.Sprint(c.Value)})
		} else {
			v.Decoded = append(v.Decoded, kv{c.Name, fmt.Sprint(c.Value)})
		}
	}
	if t.Incomplete > 0 {
		v.Skipped = append(v.Skipped, kv{"SIP messages only partly captured (not judged)", fmt.Sprint(t.Incomplete)})
	}
	if t.Unparsable > 0 {
		v.Skipped = append(v.Skipped, kv{"SIP-like payloads the parser rejected", fmt.Sprint(t.Unparsable)})
	}
	// Within one local day the date is in the header; the table shows times.
	layout := tableTimeLayout
	if f, l := a.Totals.First.In(loc), a.Totals.Last.In(loc); f.YearDay() == l.YearDay() && f.Year() == l.Year() {
		layout = "15:04:05"
	}
	for _, u := range d.UAs {
		v.UAs = append(v.UAs, newUAView(u, a.TopSources, loc, layout))
	}
	defRef := map[string]string{}
	for _, k := range d.KnownDefects {
		dv := defectView{ID: k.ID, Title: k.Title, Effect: k.Effect, Fixed: fixedText(k.FixedIn), Ref: k.Ref,
			Messages: fmt.Sprint(k.Messages), Link: webLink(k.Ref)}
		v.Defects = append(v.Defects, dv)
		defRef[k.ID] = k.Ref
	}
	v.RuleChart = ruleChart(d.UAs)
	for _, n := range d.Notes {
		v.Notes = append(v.Notes, kv{"note", TerminalSafe(n)})
	}
	if r.Offenders != nil {
		addOffenders(v, r, loc, defRef)
	}
	if r.Evidence != "" {
		v.Evidence = TerminalSafe(r.Evidence)
	}
	return v
}

// ruleChart is the per-rule breakdown: malformed messages by the check
// Kamailio reports for them (each message counted once).
func ruleChart(uas []uaDoc) *svgChart {
	type acc struct {
		bit uint32
		n   uint64
	}
	var rows []acc
	var core uint64
	for _, u := range uas {
		core += u.CoreDrops
		for _, r := range u.Rules {
			if r.First == 0 {
				continue
			}
			found := false
			for i := range rows {
				if rows[i].bit == r.Bit {
					rows[i].n += r.First
					found = true
				}
			}
			if !found {
				rows = append(rows, acc{r.Bit, r.First})
			}
		}
	}
	sortKV(rows, func(a, b acc) bool { return a.n > b.n || (a.n == b.n && a.bit < b.bit) })
	var bars []barRow
	for _, r := range rows {
		bars = append(bars, barRow{Label: fmt.Sprintf("%s (%d)", RuleName(r.bit), r.bit), Value: r.n})
	}
	if core > 0 {
		bars = append(bars, barRow{Label: "core drop (before sanity)", Value: core})
	}
	if len(bars) == 0 {
		return nil
	}
	c := barChart("rules-chart", bars, "messages")
	c.Title = "Malformed messages per failed check"
	c.Desc = "Horizontal bars: for each Kamailio sanity check, the number of messages for which it is the failure Kamailio reports."
	for _, b := range bars {
		c.Desc += fmt.Sprintf(" %s: %d.", b.Label, b.Value)
	}
	return c
}

func newUAView(u uaDoc, top int, loc *time.Location, layout string) uaView {
	name := TerminalSafe(u.UA)
	switch {
	case u.Other:
		name = "(other UAs, beyond the cap)"
	case !u.Present:
		name = "(no User-Agent)"
	}
	return uaView{UA: name, Messages: fmt.Sprint(u.Messages), Requests: fmt.Sprint(u.Requests),
		Responses: fmt.Sprint(u.Responses), Malformed: fmt.Sprint(u.Malformed), Rules: ruleListText(u.Rules),
		Methods: strings.ReplaceAll(TerminalSafe(mapList(u.Methods)), ";", "; "),
		Codes:   strings.ReplaceAll(mapList(u.ResponseCodes), ";", "; "),
		Sources: sourceCells(sourcesList(u.Sources, topOr(top, 3), u.OtherSources)),
		First:   u.FirstSeen.In(loc).Format(layout), Last: u.LastSeen.In(loc).Format(layout),
		Malicious: u.Malformed > 0}
}

func ruleListText(rules []ruleDoc) string {
	var parts []string
	for _, r := range rules {
		parts = append(parts, fmt.Sprintf("%s (%d): %d", r.Name, r.Bit, r.Messages))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "; ")
}

func fixedText(v string) string {
	if v == "" {
		return "not fixed yet"
	}
	return "fixed in " + v
}

func pct(a, b float64) string {
	if b <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f %%", 100*a/b)
}

// bytesText prints a byte count per message: whole bytes from 10 up.
func bytesText(b float64) string {
	if math.Abs(b) >= 10 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f B", b)
}

// durationText is a duration for people: minutes, hours or days.
func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Hour:
		return fmt.Sprintf("%.0f min", d.Minutes())
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

func deviceKVs(u correlate.UAInfo) []kv {
	var out []kv
	for _, p := range []kv{{"vendor", u.Vendor}, {"model", u.Model}, {"firmware", u.Firmware}} {
		if p.V != "" {
			out = append(out, kv{p.K, TerminalSafe(p.V)})
		}
	}
	return out
}

// sourceCells turns the CSV's "addr:n;other:m" list into "addr (n)" cells.
func sourceCells(list string) []string {
	if list == "" {
		return nil
	}
	var out []string
	for _, e := range strings.Split(list, ";") {
		if i := strings.LastIndexByte(e, ':'); i > 0 {
			e = e[:i] + " (" + e[i+1:] + ")"
		}
		out = append(out, e)
	}
	return out
}

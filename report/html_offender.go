package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// addOffenders fills the offender sections of the HTML view: headline,
// memory and rate plot, suspects, projection, remediation, bystanders.
func addOffenders(v *htmlView, r *HTMLReport, loc *time.Location, defRef map[string]string) {
	o := r.Offenders
	rep := o.Attribution
	d := newOffenderDoc(o)
	v.Offenders = true
	m := o.Memory
	v.Memory = []kv{{"source", TerminalSafe(m.Source) + " (" + TerminalSafe(m.Kind) + ")"}}
	if m.Version != "" {
		v.Memory = append(v.Memory, kv{"Kamailio", TerminalSafe(m.Version)})
	}
	samples := fmt.Sprintf("%d", m.Samples)
	if !m.First.IsZero() {
		samples += fmt.Sprintf(", %s → %s", m.First.In(loc).Format(tableTimeLayout), m.Last.In(loc).Format(tableTimeLayout))
	}
	v.Memory = append(v.Memory, kv{"samples", samples}, kv{"series", TerminalSafe(strings.Join(m.Series, "; "))},
		kv{"restarts, failed polls", fmt.Sprintf("%d, %d", m.Restarts, m.Gaps)})
	if !rep.Start.IsZero() {
		v.Window = fmt.Sprintf("%s → %s, %d buckets of %s, message counts from the %s", rep.Start.In(loc).Format(tableTimeLayout),
			rep.End.In(loc).Format(tableTimeLayout), rep.Buckets, rep.Bucket, rep.Source)
	}

	cfgFor := map[string][]string{} // UA → cfg lines of the steps naming it
	for _, s := range d.Steps {
		v.Steps = append(v.Steps, remedyView{Kind: s.Kind, Why: s.Why, Upgrade: s.Upgrade, Lines: strings.Join(s.Lines, "\n"),
			UAs: safeAll(s.UAs), Alternative: s.Alternative})
		lines := s.Lines
		if s.Alternative && len(lines) > 0 {
			lines = append([]string{"# or instead (" + s.Kind + "):"}, lines...)
		}
		for _, ua := range s.UAs {
			cfgFor[ua] = append(cfgFor[ua], lines...)
		}
	}
	v.CfgLines = strings.Join(d.Remediation, "\n")

	for i, s := range rep.Suspects {
		sv := newSuspectView(i, &s, d.Suspects[i], r.Examples, loc)
		if k := d.Suspects[i].KnownDefect; k != nil {
			sv.Defect = &defectView{ID: k.ID, Title: k.Summary, Fixed: fixedText(k.FixedIn), Ref: defRef[k.ID], Link: webLink(defRef[k.ID])}
			sv.DefectMatch = defectMatchText(k)
		}
		sv.CfgLines = strings.Join(dedup(cfgFor[s.UA]), "\n")
		v.Suspects = append(v.Suspects, sv)
	}
	for _, b := range d.Bystanders {
		bv := bystanderView{UA: uaName(b.UA, b.Device), Device: deviceText(b.Device), Rules: strings.Join(b.RuleNames, ", "),
			Messages: fmt.Sprint(b.Messages), BPM: "not tested", Lift: liftText(b.Lift), Reason: b.Reason,
			Example: TerminalSafe(b.Example.Header)}
		if b.BytesPerMessage != nil {
			bv.BPM = fmt.Sprintf("%s [%s, %s]", bytesText(*b.BytesPerMessage), bytesText(b.CI.Low), bytesText(b.CI.High))
		}
		v.Bystander = append(v.Bystander, bv)
	}
	for i, p := range rep.Projections {
		pv := projView{Series: TerminalSafe(p.Series), Pool: p.Pool, Used: humanBytes(uint64(math.Max(p.Used, 0))),
			Total: humanBytes(uint64(math.Max(p.Total, 0))), Free: humanBytes(uint64(math.Max(p.Free, 0))),
			Slope: signedBytes(p.Slope) + "/s", Attributed: "—", Exhaustion: "not growing", Weakest: i == rep.Weakest}
		if p.Attributed > 0 {
			pv.Attributed = signedBytes(p.Attributed) + "/s"
		}
		if p.Exhaustion > 0 {
			pv.Exhaustion = durationText(p.Exhaustion)
			pv.At = p.At.In(loc).Format(tableTimeLayout)
		}
		v.Projs = append(v.Projs, pv)
	}
	v.PoolHint = o.PoolSizeHint
	for _, n := range allNotes(o) {
		v.Notes = append(v.Notes, kv{TerminalSafe(n.Kind), TerminalSafe(n.Text)})
	}
	v.Headline = headline(rep, loc)
	v.TimeChart = offenderChart(r, loc)
	for i := range v.Suspects {
		if v.TimeChart != nil && i < maxPlottedSuspects && r.Timeline != nil {
			v.Suspects[i].Colour = rateColour(i)
		}
	}
}

func newSuspectView(i int, s *correlate.Suspect, sd suspectDoc, examples []ExampleMessage, loc *time.Location) suspectView {
	sv := suspectView{Rank: i + 1, Anchor: fmt.Sprintf("suspect-%d", i+1), UA: uaName(s.UA, sd.Device),
		Device: deviceKVs(s.Device), Scanner: s.Device.Scanner,
		Rule: fmt.Sprintf("%s (%d)", sd.FirstRuleName, sd.FirstRule), AllRules: strings.Join(sd.RuleNames, ", "),
		Messages: fmt.Sprintf("%d in the window (capture %d, log %d)", s.Count, s.CountCapture, s.CountLog),
		Series:   TerminalSafe(s.Target), BPM: bytesText(s.BytesPerMessage),
		CI:     fmt.Sprintf("[%s, %s]", bytesText(s.CI.Low), bytesText(s.CI.High)),
		PValue: pValueText(s.PValue), Share: pct(s.Share, 1), Lift: liftText(s.Lift),
		Rate: signedBytes(s.Rate) + "/s", Exhaustion: durationText(s.Projection), Group: safeAll(s.Indistinguishable)}
	if sv.AllRules == sd.FirstRuleName {
		sv.AllRules = "" // nothing else failed
	}
	for _, c := range sd.Sources {
		sv.Sources = append(sv.Sources, fmt.Sprintf("%s (%d)", c.Addr, c.Messages))
	}
	for _, t := range s.Tokens {
		sv.Tokens = append(sv.Tokens, fmt.Sprintf("%s (%d)", TerminalSafe(t.Token), t.Count))
	}
	ex := exampleView{Header: TerminalSafe(s.Example.Header), Reply: "not kept (see the evidence file)"}
	if s.Example.Ref != 0 || !s.Example.Time.IsZero() {
		ex.Where = fmt.Sprintf("packet %d at %s", s.Example.Ref, s.Example.Time.In(loc).Format(offenderTimeMs))
	}
	for _, e := range examples {
		if e.UA != s.UA || e.Rule != s.First {
			continue
		}
		ex.Where = fmt.Sprintf("packet %d at %s", e.Packet, e.Time.In(loc).Format(offenderTimeMs))
		ex.Lines = markedLines(e.Message, e.Line, e.Header)
		ex.Reply = replyText(e)
		break
	}
	sv.Reply = ex.Reply
	sv.Example = ex
	return sv
}

// markedLines splits a message into lines (made terminal-safe, so tabs and
// escapes show) and marks the offending header's line: line number line
// (1-based), or without one the first line starting with header.
func markedLines(msg string, line int, header string) []exampleLine {
	var out []exampleLine
	marked := false
	for i, l := range strings.Split(strings.TrimRight(msg, "\r\n"), "\n") {
		l = strings.TrimSuffix(l, "\r")
		mark := i+1 == line || (line <= 0 && !marked && header != "" && strings.HasPrefix(l, header))
		marked = marked || mark
		out = append(out, exampleLine{Text: TerminalSafe(l), Mark: mark})
	}
	return out
}

func replyText(e ExampleMessage) string {
	switch {
	case e.Drop != "":
		return "none: the core drops it (" + e.Drop + ")"
	case e.Code != 0:
		return fmt.Sprintf("%d %s", e.Code, e.Reason)
	}
	return "none (Kamailio does not reply to this message)"
}

func headline(rep *correlate.Report, loc *time.Location) []string {
	var out []string
	if len(rep.Suspects) == 0 {
		out = append(out, "No User-Agent's malformed traffic explains the memory growth (see the notes).")
	}
	for i, s := range rep.Suspects {
		if i == 3 {
			out = append(out, fmt.Sprintf("… and %d more suspects below.", len(rep.Suspects)-3))
			break
		}
		out = append(out, fmt.Sprintf("#%d %s: %s, %s per message [%s, %s], %s of the growth of %s.", i+1,
			uaName(s.UA, newDeviceDoc(s.Device)), ruleName(s.First), bytesText(s.BytesPerMessage), bytesText(s.CI.Low),
			bytesText(s.CI.High), pct(s.Share, 1), TerminalSafe(s.Target)))
	}
	if w := rep.Weakest; w >= 0 && w < len(rep.Projections) {
		p := rep.Projections[w]
		out = append(out, fmt.Sprintf("%s runs out in %s (at %s) at the growth observed.", TerminalSafe(p.Series),
			durationText(p.Exhaustion), p.At.In(loc).Format(tableTimeLayout)))
	}
	return out
}

// offenderChart plots the weakest pkg process and shm with their growth
// windows, and the top suspects' malformed rates, on one time axis.
func offenderChart(r *HTMLReport, loc *time.Location) *svgChart {
	rep := r.Offenders.Attribution
	from, to := rep.Start, rep.End
	for _, s := range r.Memory {
		for _, p := range s.Points {
			if from.IsZero() || p.Time.Before(from) {
				from = p.Time
			}
			if p.Time.After(to) {
				to = p.Time
			}
		}
	}
	if !to.After(from) {
		return nil
	}
	var panels []memPanel
	if w := weakestPkg(r.Memory, rep); w >= 0 {
		s := r.Memory[w]
		title := "pkg memory of the weakest process: " + TerminalSafe(s.Name)
		if s.Total > 0 {
			title += " (pool " + humanBytes(uint64(s.Total)) + ")"
		}
		panels = append(panels, memPanel{Title: title, Series: []correlate.MemSeries{s}, Windows: windowsOf(rep, s.Name)})
	}
	var shm memPanel
	for _, s := range r.Memory {
		if s.Pool == correlate.PoolShm {
			shm.Series = append(shm.Series, s)
			shm.Windows = append(shm.Windows, windowsOf(rep, s.Name)...)
		}
	}
	if len(shm.Series) > 0 {
		shm.Title = "shared memory (shm)"
		if t := shm.Series[0].Total; t > 0 {
			shm.Title += " (pool " + humanBytes(uint64(t)) + ")"
		}
		panels = append(panels, shm)
	}
	var rates []rateLine
	src := correlate.SourceCapture // the counts the attribution regressed
	if rep.Source == correlate.SourceLog.String() {
		src = correlate.SourceLog
	}
	if r.Timeline != nil {
		step := niceDuration(to.Sub(from)/120, r.Timeline.Bucket())
		start := from.Truncate(step)
		n := int((to.Sub(start) + step - 1) / step)
		for i, s := range rep.Suspects {
			if i == maxPlottedSuspects {
				break
			}
			rates = append(rates, rateLine{Label: fmt.Sprintf("#%d %s — %s", i+1, uaName(s.UA, newDeviceDoc(s.Device)), ruleName(s.First)),
				Start: start, Step: step, Counts: r.Timeline.Counts(s.UA, s.First, src, start, step, n)})
		}
	}
	if len(panels) == 0 && len(rates) == 0 {
		return nil
	}
	c := timeChart("time-chart", panels, rates, from, to, loc)
	c.Title = "Memory of the SIP server and malformed messages of the top suspects over time"
	c.Desc = fmt.Sprintf("%d panels on one time axis from %s to %s (%s).", len(c.Panels),
		from.In(loc).Format(tableTimeLayout), to.In(loc).Format(tableTimeLayout), zoneLabel(from, loc))
	for _, p := range c.Panels {
		c.Desc += fmt.Sprintf(" %s, in %s: %d line(s), %d growth window(s).", p.Title, p.YUnit, len(p.Lines), len(p.Bands))
	}
	if len(rates) > 0 {
		c.Caption = fmt.Sprintf("Message rates (%s) are counted per %s and shown per minute.", src, rates[0].Step)
	}
	return c
}

// weakestPkg picks the pkg series to plot: the weakest projection's when
// it is a pkg series, else the one with the least free memory (or, without
// pool sizes, the most used); -1 without pkg series.
func weakestPkg(mem []correlate.MemSeries, rep *correlate.Report) int {
	if w := rep.Weakest; w >= 0 && w < len(rep.Projections) && rep.Projections[w].Pool == correlate.PoolPkg.String() {
		for i, s := range mem {
			if s.Name == rep.Projections[w].Series {
				return i
			}
		}
	}
	best, bestFree, bestUsed := -1, math.Inf(1), math.Inf(-1)
	for i, s := range mem {
		if s.Pool != correlate.PoolPkg || len(s.Points) == 0 {
			continue
		}
		last := s.Points[len(s.Points)-1].Used
		free := math.Inf(1)
		if s.Total > 0 {
			free = s.Total - last
		}
		if free < bestFree || (free == bestFree && last > bestUsed) {
			best, bestFree, bestUsed = i, free, last
		}
	}
	return best
}

func windowsOf(rep *correlate.Report, series string) []correlate.Window {
	var out []correlate.Window
	for _, w := range rep.Windows {
		if w.Series == series {
			out = append(out, w)
		}
	}
	return out
}

func uaName(ua string, d deviceDoc) string {
	switch {
	case d.Folded:
		return "(folded UAs beyond the cap)"
	case ua == "":
		return "(no User-Agent)"
	}
	return TerminalSafe(ua)
}

func deviceText(d deviceDoc) string {
	var parts []string
	for _, p := range []string{d.Vendor, d.Model, d.Firmware} {
		if p != "" {
			parts = append(parts, TerminalSafe(p))
		}
	}
	if d.Scanner {
		parts = append(parts, "(scanner)")
	}
	return strings.Join(parts, " · ")
}

func liftText(l float64) string {
	if l <= 0 {
		return "—"
	}
	return fmt.Sprintf("×%.1f", l)
}

func defectMatchText(k *defectMatch) string {
	var parts []string
	switch {
	case !k.VersionKnown:
		parts = append(parts, "matched by rule (Kamailio version unknown)")
	case k.Affected:
		parts = append(parts, "the running version is affected")
	default:
		parts = append(parts, "the running version is not in the affected range")
	}
	if k.SizeConsistent {
		parts = append(parts, "the estimate is consistent with "+k.Expected)
	} else if k.Expected != "" {
		parts = append(parts, "the estimate does not match "+k.Expected)
	}
	return strings.Join(parts, "; ")
}

func safeAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = TerminalSafe(x)
	}
	return out
}

func dedup(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// pValueText prints a p-value; below 0.0001 only the bound (the bootstrap
// cannot resolve smaller values).
func pValueText(p float64) string {
	if p < 1e-4 {
		return "< 0.0001"
	}
	return fmt.Sprintf("= %.2g", p)
}

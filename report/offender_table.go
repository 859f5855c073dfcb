package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// Widths of the offender table's free-text cells.
const (
	offenderUAWidth   = 40
	offenderTextWidth = 100
	offenderTimeMs    = "2006-01-02 15:04:05.000"
	// offenderBystanders is how many UAs without impact the table lists;
	// the JSON and CSV have all (up to correlate's cap).
	offenderBystanders = 20
)

// writeOffenderTable renders the offender report for a terminal: suspects,
// projection, remediation, UAs without impact, data quality, then the per-UA
// traffic table of the run. Wire strings pass through TerminalSafe.
func writeOffenderTable(w io.Writer, o *Offenders) error {
	d := newOffenderDoc(o)
	ew := &errWriter{w: w}
	ew.printf("sipcorr offender report: which devices' malformed SIP makes the SIP server's memory grow\n")
	m := d.Memory
	ew.printf("memory: %s (%s", TerminalSafe(m.Source), m.Kind)
	if m.Version != "" {
		ew.printf(", %s", TerminalSafe(m.Version))
	}
	ew.printf("): %d samples", m.Samples)
	if m.First != nil {
		ew.printf(" %s → %s UTC", m.First.Format(tableTimeLayout), m.Last.Format(tableTimeLayout))
	}
	ew.printf("; %d restart(s), %d failed poll(s)\n", m.Restarts, m.Gaps)
	if d.Window.Start != nil {
		ew.printf("window: %s → %s UTC, %d buckets of %s, message counts from the %s\n",
			d.Window.Start.Format(tableTimeLayout), d.Window.End.Format(tableTimeLayout), d.Window.Buckets,
			time.Duration(d.Window.BucketSeconds*float64(time.Second)), d.Window.Source)
	}
	for _, t := range d.Targets {
		what := t.Series
		if t.Members > 1 && !strings.Contains(what, "sum") {
			what += fmt.Sprintf(" (sum of %d processes)", t.Members)
		} else if t.Members > 1 {
			what += fmt.Sprintf(" (%d processes)", t.Members)
		}
		ew.printf("  regressed %s: %d buckets, R² %.2f, lag %d, noise %s, growth %s\n", TerminalSafe(what), t.Rows, t.R2,
			t.LagBuckets, signedBytes(t.Noise), signedBytes(t.Growth))
	}

	ew.printf("\nSUSPECTS: malformed traffic that makes memory grow, most likely first\n")
	if len(d.Suspects) == 0 {
		ew.printf("  none: no User-Agent's malformed messages explain the memory growth (see the notes below)\n")
	} else {
		writeSuspectTable(ew, d.Suspects)
	}

	ew.printf("\nPROJECTION\n")
	writeProjections(ew, d, o.PoolSizeHint)

	ew.printf("\nREMEDIATION: kamailio.cfg\n")
	writeRemediation(ew, d.Steps, d.Suspects)

	ew.printf("\nMALFORMED SIP WITHOUT MEMORY IMPACT\n")
	if len(d.Bystanders) == 0 {
		ew.printf("  none\n")
	} else {
		writeBystanderTable(ew, d.Bystanders)
	}

	ew.printf("\nDATA QUALITY\n")
	if len(d.Notes) == 0 {
		ew.printf("  nothing to report: no gaps, restarts or coverage problems\n")
	}
	for _, n := range d.Notes {
		ew.printf("  %s: %s\n", TerminalSafe(n.Kind), TerminalSafe(n.Text))
	}
	if ew.err == nil && o.Analysis != nil {
		ew.printf("\nPER-UA TRAFFIC\n")
		if ew.err == nil {
			ew.err = writeTable(ew, o.Analysis)
		}
	}
	return ew.err
}

func writeSuspectTable(ew *errWriter, ss []suspectDoc) {
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tUSER-AGENT\tRULE\tMSGS\tSOURCES\tB/MSG\t95% CI\tLIFT\tLAG\tR²\tSERIES")
	for _, s := range ss {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%.1f\t[%.1f, %.1f]\t%s\t%d\t%.2f\t%s\n", s.Rank,
			Truncate(TerminalSafe(s.UA), offenderUAWidth), ruleCell(s.FirstRuleName, s.FirstRule), s.Messages,
			Truncate(countsCell(s.Sources, 2), tableListWidth), s.BytesPerMessage, s.CI.Low, s.CI.High,
			liftCell(s.Lift), s.LagBuckets, s.R2, TerminalSafe(s.Series))
	}
	if tw.Flush() != nil {
		return
	}
	for _, s := range ss {
		ew.printf("  #%d %s\n", s.Rank, Truncate(TerminalSafe(s.UA), offenderTextWidth))
		ew.printf("     example: %s\n", exampleText(s.Example))
		if len(s.Tokens) > 0 {
			var t []string
			for _, k := range s.Tokens {
				t = append(t, fmt.Sprintf("%s (%d)", k.Token, k.Messages))
			}
			ew.printf("     unsupported Proxy-Require option tags: %s\n", Truncate(TerminalSafe(strings.Join(t, ", ")), offenderTextWidth))
		}
		if k := s.KnownDefect; k != nil {
			ew.printf("     known defect %s: %s (%s%s)\n", TerminalSafe(k.ID), TerminalSafe(k.Summary), affectedText(k), consistentText(k))
		}
		if s.Exhaustion != nil {
			if s.ProjectionSeries != "" {
				ew.printf("     leaks %s/s, %.0f%% of the growth of %s, which runs out in %s", signedBytes(s.LeakRate),
					100*s.ShareOfPoolGrowth, TerminalSafe(s.ProjectionSeries), humanSeconds(*s.Exhaustion))
			} else {
				ew.printf("     leaks %s/s; its pool runs out in %s", signedBytes(s.LeakRate), humanSeconds(*s.Exhaustion))
			}
			if s.ExhaustedAt != nil {
				ew.printf(", at %s UTC", s.ExhaustedAt.Format(tableTimeLayout))
			}
			ew.printf(" (the projection's figure)\n")
		}
		if len(s.Indistinguishable) > 0 {
			ew.printf("     indistinguishable from: %s\n", Truncate(TerminalSafe(strings.Join(s.Indistinguishable, "; ")), offenderTextWidth))
		}
		ew.printf("     evidence: %s\n", TerminalSafe(s.Evidence))
	}
}

// writeProjections writes the projection table; hint is
// Offenders.PoolSizeHint, shown when no series has a pool size.
func writeProjections(ew *errWriter, d offenderDoc, hint string) {
	if len(d.Projections) == 0 {
		ew.printf("  no series with a known pool size")
		if hint != "" {
			ew.printf(" (%s)", TerminalSafe(hint))
		}
		ew.printf("\n")
		return
	}
	// The soonest to run out first, then shared memory and the pkg process
	// with the least free memory; the JSON has every process.
	order := make([]int, 0, len(d.Projections))
	if d.Weakest != nil {
		order = append(order, *d.Weakest)
	}
	least := -1
	for i, p := range d.Projections {
		if p.Pool == "pkg" && (least < 0 || p.Free < d.Projections[least].Free) {
			least = i
		}
	}
	for i, p := range d.Projections {
		if (p.Pool != "pkg" || i == least) && (d.Weakest == nil || i != *d.Weakest) {
			order = append(order, i)
		}
	}
	for k, i := range order {
		p := d.Projections[i]
		mark := " "
		if d.Weakest != nil && k == 0 {
			mark = "*"
		}
		ew.printf(" %s %s: %s of %s used, %s free, growing %s/s", mark, TerminalSafe(p.Series), signedBytes(p.Used),
			signedBytes(p.Total), signedBytes(p.Free), signedBytes(p.Slope))
		if p.Attributed > 0 {
			ew.printf(" (suspects explain %s/s)", signedBytes(p.Attributed))
		}
		if p.Exhaustion != nil {
			ew.printf(": runs out in %s, at %s UTC\n", humanSeconds(*p.Exhaustion), p.At.Format(tableTimeLayout))
		} else {
			ew.printf(": not growing\n")
		}
	}
	if d.Weakest != nil {
		ew.printf("  (* runs out first)\n")
	}
	if n := len(d.Projections) - len(order); n > 0 {
		ew.printf("  %d more process series, none closer to running out, in the JSON report\n", n)
	}
}

func writeRemediation(ew *errWriter, steps []remedyDoc, suspects []suspectDoc) {
	if len(steps) == 0 {
		ew.printf("  %s\n", noRemedyText(suspects))
		return
	}
	for _, s := range steps {
		switch {
		case s.Kind == "upgrade":
			ew.printf("  upgrade Kamailio to %s\n", TerminalSafe(s.Upgrade))
		case s.Alternative:
			ew.printf("  alternatively:\n")
		}
		for _, l := range s.Lines {
			ew.printf("  %s\n", TerminalSafe(l))
		}
		ew.printf("    # %s\n", TerminalSafe(s.Why))
	}
}

func writeBystanderTable(ew *errWriter, bs []bystanderDoc) {
	more := 0
	if len(bs) > offenderBystanders {
		more, bs = len(bs)-offenderBystanders, bs[:offenderBystanders]
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USER-AGENT\tRULES\tMSGS\tSOURCES\tB/MSG\t95% CI\tREASON")
	for _, b := range bs {
		est, ci := "-", "-"
		if b.BytesPerMessage != nil {
			est, ci = fmt.Sprintf("%.1f", *b.BytesPerMessage), fmt.Sprintf("[%.1f, %.1f]", b.CI.Low, b.CI.High)
		}
		names := make([]string, len(b.Rules))
		for i, r := range b.Rules {
			names[i] = ruleCell(b.RuleNames[i], r)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", Truncate(TerminalSafe(b.UA), offenderUAWidth),
			Truncate(strings.Join(names, " "), tableListWidth), b.Messages, Truncate(countsCell(b.Sources, 2), tableListWidth),
			est, ci, TerminalSafe(b.Reason))
	}
	if tw.Flush() != nil {
		return
	}
	for _, b := range bs {
		if b.Example.Header != "" {
			ew.printf("  %s: %s\n", Truncate(TerminalSafe(b.UA), offenderUAWidth), exampleText(b.Example))
		}
	}
	if more > 0 {
		ew.printf("  %d more User-Agents with fewer malformed messages in the JSON and CSV reports\n", more)
	}
}

// liftCell shows a lift; 0 means undefined (no growth window, or no
// baseline bucket to compare with).
func liftCell(l float64) string {
	if l == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", l)
}

func ruleCell(name string, bit uint32) string {
	if name == sipparse.RuleNameCoreDrop || name == sipparse.RuleNameUnknown {
		return name
	}
	return fmt.Sprintf("%s(%d)", name, bit)
}

func countsCell(cs []countDoc, top int) string {
	var parts []string
	var other uint64
	for i, c := range cs {
		if i >= top {
			other += c.Messages
			continue
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", c.Addr, c.Messages))
	}
	if other > 0 {
		parts = append(parts, fmt.Sprintf("+%d", other))
	}
	return strings.Join(parts, " ")
}

func exampleText(e exampleDoc) string {
	var b strings.Builder
	if e.Packet > 0 {
		fmt.Fprintf(&b, "packet %d ", e.Packet)
	}
	if e.Time != nil {
		fmt.Fprintf(&b, "at %s UTC ", e.Time.Format(offenderTimeMs))
	}
	if e.Header == "" {
		b.WriteString("(no offending header: the rule concerns the message as a whole)")
	} else {
		b.WriteString(Truncate(TerminalSafe(e.Header), offenderTextWidth))
	}
	return b.String()
}

func affectedText(k *defectMatch) string {
	switch {
	case !k.VersionKnown:
		return "running version unknown"
	case k.Affected:
		return "the running version is affected"
	}
	return "the running version is not affected"
}

func consistentText(k *defectMatch) string {
	if k.SizeConsistent {
		return "; the estimate matches " + k.Expected
	}
	if k.Expected != "" {
		return "; the estimate does not match " + k.Expected
	}
	return ""
}

// signedBytes formats a byte amount (or rate) with binary prefixes.
func signedBytes(v float64) string {
	if v < 0 {
		return "-" + signedBytes(-v)
	}
	if v < 1024 {
		return fmt.Sprintf("%.1f B", v)
	}
	return humanBytes(uint64(v + 0.5))
}

// humanSeconds is a duration for people: "57d 3h", "4h 12m", "3m 20s".
func humanSeconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h := int(d / time.Hour)
	mn := int((d % time.Hour) / time.Minute)
	sec := int((d % time.Minute) / time.Second)
	switch {
	case days >= 365*10:
		return "more than 10 years"
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, mn)
	case mn > 0:
		return fmt.Sprintf("%dm %ds", mn, sec)
	}
	return fmt.Sprintf("%.1fs", s)
}

// noRemedyText says why there is no kamailio.cfg step: no suspect, or
// suspects whose rule no sanity setting reaches.
func noRemedyText(suspects []suspectDoc) string {
	if len(suspects) == 0 {
		return "nothing to change: no suspect"
	}
	unknown, core := 0, 0
	for _, s := range suspects {
		switch {
		case s.FirstRule&correlate.RuleUnknown != 0:
			unknown++
		case s.FirstRule&correlate.RuleCoreDrop != 0:
			core++
		}
	}
	switch {
	case unknown == len(suspects):
		return fmt.Sprintf("no change derived for %d suspect(s): their log lines do not say which sanity check failed; "+
			"judge a capture of their traffic (sipcorr analyze) to name the rule and the modparam that stops it", len(suspects))
	case unknown+core == len(suspects):
		return fmt.Sprintf("no change derived for %d suspect(s): the core drops their messages before sanity runs "+
			"(or the log does not name the check); no sanity setting reaches them", len(suspects))
	}
	return fmt.Sprintf("no change derived for %d suspect(s): no sanity setting covers their rule", len(suspects))
}

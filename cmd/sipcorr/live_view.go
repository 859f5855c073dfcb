package main

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/internal/metrics"
	"github.com/sipcorr/sipcorr/report"
)

// liveOutputs does the periodic work of a capture: kernel counters, the
// terminal view or log lines, metrics, snapshots and attribution. It runs
// on the capture goroutine (see liveRun).
type liveOutputs struct {
	log      io.Writer // periodic lines and warnings (stderr)
	view     io.Writer // the terminal view, nil when stdout is not a terminal
	exporter *metrics.Exporter
	top      int

	refresh, logEvery, reportEvery, attributeEvery time.Duration
	snapshotPath                                   string

	nextStats, nextView, nextSnapshot, nextAttrib time.Time
	snapshots, snapshotFails                      uint64

	// the previous view, for rates
	prevAt       time.Time
	prevMessages uint64
	prevBytes    uint64
	prevDrops    uint64
	prevHEPDrops uint64 // HEP datagrams dropped (queue or socket) at the last warning
	prevUA       map[string]uint64
}

const statsEvery = time.Second

func (o *liveOutputs) start(now time.Time) {
	o.nextStats, o.nextView = now.Add(statsEvery), now.Add(o.viewEvery())
	if o.reportEvery > 0 {
		o.nextSnapshot = now.Add(o.reportEvery)
	}
	o.nextAttrib = now.Add(o.attributeEvery)
	o.prevAt = now
}

func (o *liveOutputs) viewEvery() time.Duration {
	if o.view != nil {
		return o.refresh
	}
	return o.logEvery
}

// tick runs whatever is due.
func (o *liveOutputs) tick(r *liveRun, now time.Time) {
	if now.Before(o.nextStats) {
		return // everything else is due less often
	}
	o.nextStats = now.Add(statsEvery)
	r.readStats()
	r.takeLogBatches()
	if d := r.srcStats.KernelDrops; d > o.prevDrops {
		fmt.Fprintf(o.log, "%s sipcorr capture: WARNING the kernel dropped %d packets (capture ring full; %d in all): raise --ring-size or lower the load\n",
			now.UTC().Format(time.RFC3339), d-o.prevDrops, d)
		o.prevDrops = d
	}
	if r.hep != nil {
		if d := r.hepLost(); d > o.prevHEPDrops {
			fmt.Fprintf(o.log, "%s sipcorr capture: WARNING %d HEP datagrams dropped (the pipeline fell behind; %d in all): their SIP was never judged\n",
				now.UTC().Format(time.RFC3339), d-o.prevHEPDrops, d)
			o.prevHEPDrops = d
		}
	}
	if o.attributeEvery > 0 && r.mem != nil && !now.Before(o.nextAttrib) {
		o.nextAttrib = now.Add(o.attributeEvery)
		r.attribute(now)
	}
	if o.exporter != nil {
		o.exporter.Publish(r.metricsSnapshot(o.top))
	}
	if o.reportEvery > 0 && !now.Before(o.nextSnapshot) {
		o.nextSnapshot = now.Add(o.reportEvery)
		o.snapshot(r)
	}
	if !now.Before(o.nextView) {
		o.nextView = now.Add(o.viewEvery())
		o.show(r, now)
	}
}

func (o *liveOutputs) snapshot(r *liveRun) {
	if err := r.writeSnapshot(o.snapshotPath); err != nil {
		o.snapshotFails++
		fmt.Fprintf(o.log, "sipcorr capture: %v\n", err)
		return
	}
	o.snapshots++
}

// show draws the view on a terminal, or writes one log line.
func (o *liveOutputs) show(r *liveRun, now time.Time) {
	t := r.p.totals
	st := r.p.decoder.Stats()
	dt := now.Sub(o.prevAt).Seconds()
	rate, mbps := 0.0, 0.0
	if dt > 0 {
		rate = float64(t.SIPMessages-o.prevMessages) / dt
		mbps = float64(st.Bytes-o.prevBytes) * 8 / dt / 1e6
	}
	if o.view == nil {
		line := fmt.Sprintf("%s capture %s: packets %d, SIP %d (%.0f/s, %.1f Mb/s), malformed %d, unparsable %d, incomplete %d, kernel drops %d, UAs %d",
			now.UTC().Format(time.RFC3339), report.TerminalSafe(r.src.Interface()), st.Packets, t.SIPMessages, rate, mbps,
			t.Malformed, t.Unparsable, t.Incomplete, r.srcStats.KernelDrops, r.inv.Len())
		if r.attrib != nil {
			line += fmt.Sprintf(", suspects %d", len(r.attrib.Suspects))
		}
		fmt.Fprintln(o.log, line)
	} else {
		o.draw(r, now, rate, mbps)
	}
	o.prevAt, o.prevMessages, o.prevBytes = now, t.SIPMessages, st.Bytes
}

// draw repaints the terminal: totals, memory, top UAs with rates, rules,
// suspects. UA strings are made terminal-safe.
func (o *liveOutputs) draw(r *liveRun, now time.Time, rate, mbps float64) {
	var b bytes.Buffer
	t := r.p.totals
	b.WriteString("\033[H\033[2J")
	fmt.Fprintf(&b, "sipcorr capture on %s   %s   up %v\n", report.TerminalSafe(r.src.Interface()),
		now.UTC().Format("15:04:05Z"), now.Sub(r.started).Round(time.Second))
	pct := 0.0
	if t.SIPMessages > 0 {
		pct = 100 * float64(t.Malformed) / float64(t.SIPMessages)
	}
	fmt.Fprintf(&b, "SIP %d (%.0f/s, %.1f Mb/s)   malformed %d (%.1f%%)   unparsable %d   incomplete %d   kernel drops %d\n",
		t.SIPMessages, rate, mbps, t.Malformed, pct, t.Unparsable, t.Incomplete, r.srcStats.KernelDrops)
	if r.mem != nil {
		m := r.mem.trend()
		switch {
		case m.ok:
			fmt.Fprintf(&b, "memory: shm %s of %s (%+.0f B/s)", humanSize(m.shmUsed), humanSize(m.shmTotal), m.shmSlope)
			if m.pkgName != "" {
				fmt.Fprintf(&b, "   least free pkg: %s free (%+.0f B/s used) %s", humanSize(m.pkgFree), m.pkgSlope, report.TerminalSafe(m.pkgName))
			}
			fmt.Fprintf(&b, "   polls %d, failed %d\n", m.polls, m.errs)
		default:
			fmt.Fprintf(&b, "memory: no sample yet (polls %d, failed %d) %s\n", m.polls, m.errs, report.TerminalSafe(m.lastErr))
		}
	}
	if r.es != nil {
		polls, errs := r.es.counts()
		fmt.Fprintf(&b, "server logs: %d malformed-SIP lines with a UA, %d without (polls %d, failed %d)\n", r.logs.hits, r.logs.unattributed, polls, errs)
	}
	fmt.Fprintf(&b, "\n%-44s %10s %8s %10s  %s\n", "User-Agent", "messages", "msg/s", "malformed", "first failure")
	uas := r.inv.UAs()
	next := map[string]uint64{}
	dt := now.Sub(o.prevAt).Seconds()
	for i, u := range uas {
		if i == o.top {
			fmt.Fprintf(&b, "... %d more User-Agents\n", len(uas)-o.top)
			break
		}
		name := report.Truncate(report.TerminalSafe(u.UA), 44)
		if u.UA == correlate.OtherUA {
			name = "(other: over the UA cap)"
		} else if !u.Present {
			name = "(no User-Agent)"
		}
		ur := 0.0
		if prev, ok := o.prevUA[u.UA]; ok && dt > 0 {
			ur = float64(u.Messages-prev) / dt
		}
		next[u.UA] = u.Messages
		first := ""
		if rules := u.Rules(true); len(rules) > 0 {
			first = ruleLabel(rules[0].Key)
		}
		fmt.Fprintf(&b, "%-44s %10d %8.0f %10d  %s\n", name, u.Messages, ur, u.Malformed, first)
	}
	o.prevUA = next
	if rules := r.topRules(); len(rules) > 0 {
		b.WriteString("\nrules (reported failure)\n")
		for _, c := range rules {
			fmt.Fprintf(&b, "  %-24s %d\n", c.Label, c.Value)
		}
	}
	if r.attrib != nil {
		b.WriteString("\n")
		writeSuspects(&b, r.attrib, 5)
	} else if r.mem == nil {
		b.WriteString("\nsuspects: need the server's memory (--rpc URL)\n")
	}
	if _, err := o.view.Write(b.Bytes()); err != nil {
		o.view = nil // the terminal went away: fall back to log lines
	}
}

func humanSize(v float64) string {
	switch {
	case v >= 1<<30:
		return fmt.Sprintf("%.1f GiB", v/(1<<30))
	case v >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

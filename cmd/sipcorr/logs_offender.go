package main

import (
	"flag"
	"fmt"
	"slices"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/report"
)

// offenders runs the offender report with the log signal: the logs' and the
// read-back verdicts' coverage are declared on the timeline, and when the
// logs cover more of the memory history than the capture (no capture at
// all, or a capture of a few minutes against days of logs), the attribution
// regresses the log counts instead of the capture's. Without a logRun it is
// in.offenders.
func (r *logRun) offenders(in *offenderInput, c *offenderCollector, a *report.Analysis, j *judge, sf *sanityFlags, fs *flag.FlagSet) *report.Offenders {
	if r == nil {
		return in.offenders(c, a, j, sf, fs)
	}
	if r.capEvents > 0 {
		c.tl.Cover(correlate.SourceCapture, r.capFrom, r.capTo)
	}
	if r.logEvents > 0 {
		c.tl.Cover(correlate.SourceLog, r.logFrom, r.logTo)
	}
	o := in.offenders(c, a, j, sf, fs)
	if r.logEvents == 0 {
		return o
	}
	mem := offenderSeries(in.set, in.live)
	spreadOf(in.flags.receivers, in.set, in.live, j.cfg).apply(mem)
	memFrom, memTo := correlate.MemSpan(mem)
	capCov := overlapOf(memFrom, memTo, r.capFrom, r.capTo)
	logCov := overlapOf(memFrom, memTo, r.logFrom, r.logTo)
	if logCov <= capCov {
		if capCov > 0 {
			o.Notes = append(o.Notes, report.Note{Kind: "source", Text: fmt.Sprintf("message counts from the capture (it covers %s of the memory history, the logs %s); the logs are compared with it in the log section", capCov.Round(time.Second), logCov.Round(time.Second))})
		}
		return o
	}
	// in.offenders regressed the capture's counts; the logs cover more.
	rep := correlate.Attribute(c.tl, mem, in.options(correlate.SourceLog, j, sf, fs))
	o.Attribution = &rep
	what := "there is no capture"
	if capCov > 0 {
		what = fmt.Sprintf("they cover %s of the memory history, the capture %s", logCov.Round(time.Second), capCov.Round(time.Second))
	}
	o.Notes = append(o.Notes, report.Note{Kind: "source", Text: "message counts from the server's \"Malformed SIP\" log lines: " + what +
		"; lines name no sanity check, so a UA's rule is the one the capture saw it fail, else unknown"})
	return o
}

// span is the time the memory history covers; zero without one.
func (in *offenderInput) span() (from, to time.Time) {
	if in == nil || in.set == nil {
		return time.Time{}, time.Time{}
	}
	return correlate.MemSpan(offenderSeries(in.set, nil))
}

// step is the memory history's median poll interval; 0 without one.
func (in *offenderInput) step() time.Duration {
	if in == nil || in.set == nil {
		return 0
	}
	var steps []time.Duration
	for _, s := range offenderSeries(in.set, nil) {
		for i := 1; i < len(s.Points); i++ {
			if d := s.Points[i].Time.Sub(s.Points[i-1].Time); d > 0 {
				steps = append(steps, d)
			}
		}
	}
	if len(steps) == 0 {
		return 0
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}

// overlapOf is the length of [a0, a1] ∩ [b0, b1]; 0 when either is unset.
func overlapOf(a0, a1, b0, b1 time.Time) time.Duration {
	if a0.IsZero() || b0.IsZero() {
		return 0
	}
	s, e := a0, a1
	if b0.After(s) {
		s = b0
	}
	if b1.Before(e) {
		e = b1
	}
	if e.Before(s) {
		return 0
	}
	return e.Sub(s)
}

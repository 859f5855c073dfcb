package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// analyzeExtras is what analyze adds around the report formats of package
// report: the HTML report (with whole example messages), the memory
// sparkline of the table report, and the --evidence pcapng.
type analyzeExtras struct {
	format   report.Format
	examples *exampleKeeper // HTML only
	evidence *evidencePlan  // --evidence only
}

func newAnalyzeExtras(f report.Format, evidencePath string, perRule int) *analyzeExtras {
	x := &analyzeExtras{format: f}
	if f == report.FormatHTML {
		x.examples = newExampleKeeper()
	}
	if evidencePath != "" {
		x.evidence = newEvidencePlan(evidencePath, perRule)
	}
	return x
}

// sink is what analyzeFiles hands every judged message to; nil when
// neither the HTML report nor --evidence needs them.
func (x *analyzeExtras) sink() judgedSink {
	if x.examples == nil && x.evidence == nil {
		return nil
	}
	return x.add
}

// add takes one judged message of input path.
func (x *analyzeExtras) add(path string, m *judged) {
	if m.parseErr != nil || (!m.verdict.CoreDrop && m.verdict.First == 0) {
		return
	}
	rule := uint32(m.verdict.First)
	if m.verdict.CoreDrop {
		rule = correlate.RuleCoreDrop
	}
	ua := m.ua
	if x.examples != nil {
		x.examples.add(ua, rule, m)
	}
	if x.evidence != nil {
		x.evidence.add(path, ua, rule, m)
	}
}

// finish writes the evidence file (a second pass over the inputs) and
// notes what it holds; faulty says whether writing it failed.
func (x *analyzeExtras) finish(ctx context.Context, e *env, a *report.Analysis) (faulty bool) {
	if x.evidence == nil {
		return false
	}
	note, err := x.evidence.write(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: --evidence: %s\n", report.TerminalSafe(err.Error()))
		a.Notes = append(a.Notes, "evidence file not complete: "+err.Error())
		return true
	}
	a.Notes = append(a.Notes, note)
	return false
}

// writer returns the function that writes the report: base (what the
// table/JSON/CSV wiring chose) or the HTML report, with the memory
// sparkline above the table when memory was given.
func (x *analyzeExtras) writer(base func(io.Writer) error, a *report.Analysis, o *report.Offenders,
	off *offenderCollector, in *offenderInput) func(io.Writer) error {
	var mem []correlate.MemSeries
	if in != nil {
		mem = offenderSeries(in.set, in.live)
	}
	switch x.format {
	case report.FormatHTML:
		r := &report.HTMLReport{Analysis: a, Offenders: o, Memory: mem, Location: time.Local}
		if off != nil {
			r.Timeline = off.tl
		}
		if x.examples != nil {
			r.Examples = x.examples.list()
		}
		if x.evidence != nil {
			r.Evidence = x.evidence.path
		}
		return func(w io.Writer) error { return report.WriteHTML(w, r) }
	case report.FormatTable:
		if len(mem) == 0 {
			return base
		}
		var rep *correlate.Report
		if o != nil {
			rep = o.Attribution
		}
		return func(w io.Writer) error {
			if err := report.WriteMemoryTrend(w, mem, rep); err != nil {
				return err
			}
			return base(w)
		}
	}
	return base
}

// Bounds of the examples kept for the HTML report.
const (
	maxExampleKeys  = 256     // (UA, rule) pairs
	maxExampleBytes = 4 << 10 // of one message
)

// exampleKeeper keeps the first whole message of every (UA, rule), bounded,
// so the HTML report can show it with the offending header marked and
// Kamailio's reply. Only the first message of a pair is copied.
type exampleKeeper struct {
	seen    map[string]map[uint32]bool
	keys    int
	items   []report.ExampleMessage
	dropped uint64 // pairs beyond maxExampleKeys
}

func newExampleKeeper() *exampleKeeper {
	return &exampleKeeper{seen: map[string]map[uint32]bool{}}
}

func (k *exampleKeeper) add(ua []byte, rule uint32, m *judged) {
	if len(ua) > correlate.DefaultTimelineUALen {
		ua = ua[:correlate.DefaultTimelineUALen] // the Timeline's key of the UA
	}
	rules := k.seen[string(ua)]
	if rules[rule] {
		return
	}
	if k.keys >= maxExampleKeys {
		k.dropped++
		return
	}
	if rules == nil {
		rules = map[uint32]bool{}
		k.seen[string(ua)] = rules
	}
	rules[rule] = true
	k.keys++
	raw := m.msg.Raw
	if len(raw) > maxExampleBytes {
		raw = raw[:maxExampleBytes]
	}
	v := m.verdict
	ex := report.ExampleMessage{UA: string(ua), Rule: rule, Packet: m.dg.Packet, Time: m.dg.Time,
		Message: string(raw), Line: offendingLine(m.msg, v), Code: v.Code, Reason: v.Reason}
	if v.CoreDrop {
		ex.Drop = v.CoreDropReason
	}
	k.items = append(k.items, ex)
}

func (k *exampleKeeper) list() []report.ExampleMessage { return k.items }

// offendingLine is the 1-based line of the header that made m fail
// v.First (as offendingHeader picks it), 1 for start-line checks and core
// drops, 0 when there is nothing to point at.
func offendingLine(m *sipparse.Message, v *sipparse.Verdict) int {
	switch i, start, none := offendingIndex(m, v); {
	case none:
		return 0
	case start:
		return 1
	case i < 0:
		return 0
	default:
		return m.Headers[i].Line
	}
}

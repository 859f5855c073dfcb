package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/report"
)

// judgedSink receives every judged message of analyzeFiles together with
// the input it came from.
type judgedSink func(path string, m *judged)

// logRun wires the server's "Malformed SIP" log lines (--logs, --es), the
// export of verdicts (--es-export) and the read-back of exported verdicts
// (--from-es) into one analyze run:
//
//   - before the captures: connect, start the exporter;
//   - per judged message (sink): export it, learn which UA each source
//     address speaks for, count it for the cross-check;
//   - after the captures: read the logs and the verdicts, turn them into
//     correlate events on the offender timeline, compare logs and capture.
type logRun struct {
	f      *logFlags
	e      *env
	cfg    esquery.Config
	client *esquery.Client
	exp    *exportSink
	// memStep is the memory history's poll interval (0 without one): log
	// buckets finer than it carry nothing the correlation can use.
	memStep time.Duration

	// tl receives the events: the offender collector's timeline, or one of
	// our own when only the cross-check needs them (nil when nothing does).
	tl    *correlate.Timeline
	ownTL bool
	ev    correlate.Event

	addrs  *addrMap
	uas    *logUAs
	ruleOf map[string]uint32 // the capture's one sanity rule per UA key, for log hits
	caps   []capUA           // the capture side's UAs with sanity failures

	// Coverage of each source for the cross-check and the attribution.
	logFrom, logTo time.Time
	capFrom, capTo time.Time
	logEvents      int64
	capEvents      int64 // --from-es verdicts added as capture events

	sig    *report.LogSignal
	faulty bool
	// where names the log line being added (file and line, or the index),
	// for the evidence of the first line of each UA.
	where, whereID string
}

// newLogRun returns nil when none of the log flags is in use.
func newLogRun(f *logFlags, e *env) *logRun {
	if !f.inputs() && f.esExport == "" {
		return nil
	}
	r := &logRun{f: f, e: e, cfg: f.config(os.Getenv), sig: &report.LogSignal{}}
	if len(f.logs) > 0 || f.queryLogs() {
		r.addrs = newAddrMap()
		r.uas = newLogUAs()
	}
	return r
}

// fail reports a failed input on stderr and in the report, and makes the
// run exit 1. Errors never carry credentials (esquery strips them).
func (r *logRun) fail(msg string) {
	r.faulty = true
	fmt.Fprintf(r.e.stderr, "sipcorr analyze: %s\n", report.TerminalSafe(msg))
	r.sig.Notes = append(r.sig.Notes, msg)
}

// connect reaches Elasticsearch once for the query, the export and the
// read-back.
func (r *logRun) connect(ctx context.Context) error {
	if r.client != nil {
		return nil
	}
	c, err := esquery.Connect(ctx, r.cfg)
	if err != nil {
		return err // names the server, never the credentials
	}
	r.client = c
	return nil
}

// close releases the connection.
func (r *logRun) close() {
	if r != nil && r.client != nil {
		r.client.Close()
	}
}

// begin runs before the captures: it starts the export, and picks the
// timeline the log events go to.
func (r *logRun) begin(ctx context.Context, off *offenderCollector, captures int) {
	if r == nil {
		return
	}
	if off != nil {
		r.tl = off.tl
	} else if r.addrs != nil && (captures > 0 || r.f.fromES != "") {
		r.tl, r.ownTL = correlate.NewTimeline(correlate.TimelineOptions{MaxUAs: r.f.timelineUAs}), true
	}
	if r.f.esExport == "" {
		return
	}
	if err := r.connect(ctx); err != nil {
		r.fail("--es-export: " + err.Error())
		r.sig.Export = &report.ExportSummary{Index: r.f.esExport, Agent: r.f.agent(), Error: err.Error()}
		return
	}
	exp, err := newExportSink(ctx, r.e, r.client, r.f.esExport, r.f.agent(), r.f.esRetries, r.f.exportForce)
	if err != nil {
		r.fail(fmt.Sprintf("--es-export %s: %v", r.f.esExport, err))
		r.sig.Export = &report.ExportSummary{Index: r.f.esExport, Agent: r.f.agent(), Error: err.Error()}
		return
	}
	r.exp = exp
}

// sink is what analyzeFiles hands every judged message to; nil when no
// flag needs the messages.
func (r *logRun) sink() judgedSink {
	if r == nil || (r.exp == nil && r.addrs == nil) {
		return nil
	}
	return r.add
}

func (r *logRun) add(path string, m *judged) {
	if m.parseErr != nil {
		return
	}
	if r.exp != nil {
		r.exp.add(path, m)
	}
	if r.addrs == nil {
		return
	}
	ua := m.ua
	r.addrs.add(m.dg.Src.Addr(), ua, ua != nil)
	if r.ownTL {
		v := m.verdict
		r.ev = correlate.Event{Time: m.dg.Time, UA: r.addrs.intern(ua), Src: m.dg.Src, Failed: uint32(v.Failed),
			First: uint32(v.First), CoreDrop: v.CoreDrop, Source: correlate.SourceCapture, Example: m.dg.Packet}
		r.tl.Add(&r.ev)
	}
}

// finish runs after the captures: it ends the export, reads the logs and
// the verdicts into the timeline, and compares logs and capture. memFrom,
// memTo bound the memory history (zero without one).
func (r *logRun) finish(ctx context.Context, a *report.Analysis, memFrom, memTo time.Time) {
	switch {
	case r.exp != nil:
		r.sig.Export = r.exp.close()
		if r.sig.Export.Error != "" {
			r.fail(fmt.Sprintf("--es-export %s: %s", r.f.esExport, r.sig.Export.Error))
		}
	case r.sig.Export != nil:
		// The export never started: none of the malformed messages is in
		// the index, and the report says how many.
		n := int64(a.Totals.Malformed)
		r.sig.Export.Messages, r.sig.Export.NotAdded = n, n
	}
	if !a.Totals.First.IsZero() {
		r.capFrom, r.capTo = a.Totals.First, a.Totals.Last
	}
	r.ruleOf = captureRules(a.Inventory)
	r.caps = captureUAs(a.Inventory)
	from, to, _ := r.f.window() // checked by logFlags.check
	if from.IsZero() {
		from = firstOf(memFrom, a.Totals.First)
	}
	if to.IsZero() {
		// The window is [from, to) in Elasticsearch's milliseconds: the
		// millisecond after the last sample or packet keeps it.
		if t := firstOf(memTo, a.Totals.Last); !t.IsZero() {
			to = t.Truncate(time.Millisecond).Add(time.Millisecond)
		}
	}
	if len(r.f.logs) > 0 && r.f.queryLogs() {
		r.sig.Notes = append(r.sig.Notes, "--logs and --es are both counted: if the files hold lines that are also in Elasticsearch, those count twice")
	}
	if r.f.fromES != "" {
		r.readVerdicts(ctx, from, to)
	}
	for _, path := range r.f.logs {
		r.readFile(path)
	}
	if r.f.queryLogs() {
		r.queryES(ctx, from, to)
	}
	if r.uas != nil {
		r.sig.From, r.sig.To = r.logFrom, r.logTo
		r.uas.fill(r.sig)
		if n := r.addrs.unlearned; n > 0 {
			more := ""
			if len(r.addrs.unlearnedAddrs) >= maxAddrs {
				more = " at least"
			}
			r.sig.Notes = append(r.sig.Notes, fmt.Sprintf("the capture's source addresses exceed the %d whose User-Agent is learned: %d messages from%s %d more addresses were not learned, so log lines without UA from them count as unknown UA",
				maxAddrs, n, more, len(r.addrs.unlearnedAddrs)))
		}
		if r.addrs.ambiguous > 0 {
			r.sig.Notes = append(r.sig.Notes, fmt.Sprintf("%d log lines without UA came from addresses that sent with several User-Agents: counted as unknown UA", r.addrs.ambiguous))
		}
		r.sig.Cross = r.crossCheck(r.caps)
	}
	if len(r.sig.Inputs) > 0 || r.sig.Export != nil || len(r.sig.Notes) > 0 {
		a.Logs = r.sig
	}
}

// firstOf returns the first non-zero time.
func firstOf(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// readFile reads one --logs file.
func (r *logRun) readFile(path string) {
	q := r.f.query()
	q.From, q.To, _ = r.f.window()
	loc, _ := r.f.location()
	st, err := esquery.ReadLogFile(path, q, esquery.FileOptions{Year: r.f.logsYear, Loc: loc}, func(h esquery.Hit) error {
		r.where, r.whereID = h.Index, h.ID
		r.addLog(h.Time, h.UA, h.HasUA, h.Src, 1)
		return nil
	})
	in := report.LogInput{Kind: "file", Name: path, Lines: st.Lines, Hits: st.Hits, Outside: st.Outside, Other: st.Other,
		Bad: st.Bad, Unparsed: st.Unparsed}
	for _, x := range st.Examples {
		in.Examples = append(in.Examples, x.Error())
	}
	if err != nil {
		in.Error = err.Error()
		r.fail("--logs " + err.Error())
	}
	if !q.From.IsZero() && !q.To.IsZero() {
		// The user declared the files' span; without it the first and last
		// hit stand for it.
		r.cover(q.From, q.To.Add(-time.Nanosecond))
	}
	r.sig.Inputs = append(r.sig.Inputs, in)
	r.sig.Hits += uint64(st.Hits)
	if st.BadSource > 0 {
		r.sig.Notes = append(r.sig.Notes, fmt.Sprintf("%s: %d lines named a source that is no address (e.g. <999.1.1.1:99999>): counted by their User-Agent, without source", path, st.BadSource))
	}
	if st.Hits == 0 && err == nil {
		r.sig.Notes = append(r.sig.Notes, fmt.Sprintf("%s: no malformed-SIP line (phrases %q)", path, phrasesOf(q)))
	}
}

func phrasesOf(q esquery.Query) []string {
	if len(q.Phrases) > 0 {
		return q.Phrases
	}
	return esquery.DefaultPhrases
}

// esBucket is the counting bucket of an Elasticsearch window: one second
// (the timeline's resolution) up to a day, coarser beyond, so that a query
// over weeks keeps at most ~100 000 buckets per UA in memory.
func esBucket(from, to time.Time) time.Duration {
	b := to.Sub(from) / 100000
	if b <= time.Second {
		return time.Second
	}
	return b.Truncate(time.Second) + time.Second
}

// queryES counts the log lines in Elasticsearch over [from, to).
func (r *logRun) queryES(ctx context.Context, from, to time.Time) {
	in := report.LogInput{Kind: "elasticsearch", Name: r.f.esIndex + " @ " + esName(r.cfg)}
	defer func() { r.sig.Inputs = append(r.sig.Inputs, in) }()
	if from.IsZero() || to.IsZero() {
		in.Error = "no time window: give --es-from and --es-to (or a capture or --memory to take it from)"
		r.fail("--es: " + in.Error)
		return
	}
	if err := r.connect(ctx); err != nil {
		in.Error = err.Error()
		r.fail("--es: " + err.Error())
		return
	}
	q := r.f.query()
	q.From, q.To = from, to
	q.Bucket = max(esBucket(from, to), r.memStep.Truncate(time.Second))
	q.TopUAs = r.f.timelineUAs
	q.Progress = esProgress(r.e, "Elasticsearch "+r.f.esIndex)
	t := &esquery.Tally{Bucket: q.Bucket}
	st, err := esquery.Collect(ctx, r.client, q, t)
	endProgress(r.e)
	in.Aggregated, in.Paged, in.Unparsed, in.Mode = st.Aggregated, st.Hits, st.Unparsed, st.Mode
	if err != nil {
		in.Error = esErrText(err)
		r.fail(fmt.Sprintf("--es %s: %s", r.f.esIndex, in.Error))
		return // a partial count would look like a drop in the logs
	}
	r.sig.Notes = append(r.sig.Notes, esNotes(st)...)
	if st.FoldedUAs > 0 {
		r.sig.Notes = append(r.sig.Notes, fmt.Sprintf("Elasticsearch %s: %d lighter UAs beyond the %d heaviest (--max-uas), %d hits, counted together per %v bucket, without their names",
			r.f.esIndex, st.FoldedUAs, q.TopUAs, st.FoldedHits, q.Bucket))
	}
	in.Hits = t.Total()
	r.sig.Hits += uint64(t.Total())
	r.where, r.whereID = "Elasticsearch "+r.f.esIndex, ""
	for _, b := range t.Buckets() {
		switch {
		case b.Overflow:
			r.addOverflow(b.Start, b.Count)
		default:
			r.addLog(b.Start, b.UA, b.HasUA, netip.AddrPortFrom(b.Src, 0), b.Count)
		}
	}
	r.sig.Notes = append(r.sig.Notes, tallyNotes(t, st)...)
	r.sig.Notes = append(r.sig.Notes, zeroNotes(ctx, r.client, q, t)...)
	// The query window is the logs' coverage, hits or not.
	r.cover(from, to.Add(-time.Nanosecond))
}

// cover extends the logs' coverage.
func (r *logRun) cover(from, to time.Time) {
	if r.logFrom.IsZero() || from.Before(r.logFrom) {
		r.logFrom = from
	}
	if to.After(r.logTo) {
		r.logTo = to
	}
}

// nullUA is what Kamailio's $ua prints for a message without User-Agent.
const nullUA = "<null>"

// addLog counts n log lines of one UA (or, without UA, of one source) at t
// into the log summary and as log events into the timeline.
func (r *logRun) addLog(t time.Time, ua string, hasUA bool, src netip.AddrPort, n int64) {
	if n <= 0 {
		return
	}
	k := logKey{present: true}
	attributed := false
	switch {
	case hasUA && (ua == "" || ua == nullUA):
		k.present = false
	case hasUA:
		k.ua = uaKey(ua)
	default:
		u, present, ok, ambiguous := r.addrs.lookup(src.Addr())
		if ambiguous {
			r.addrs.ambiguous += n
		}
		if ok {
			k.ua, k.present, attributed = u, present, true
		} else {
			k.unknown, k.present, k.src = true, false, src.Addr().Unmap()
		}
	}
	r.addKey(k, t, src, n, attributed)
}

// addKey counts n lines of k at t.
func (r *logRun) addKey(k logKey, t time.Time, src netip.AddrPort, n int64, attributed bool) {
	st := r.uas.add(k, t, n, attributed)
	r.cover(t, t)
	r.logEvents += n
	if r.tl == nil {
		return
	}
	rule := correlate.RuleUnknown
	if rl, ok := r.ruleOf[k.ruleKey()]; ok && !k.unknown {
		rule = rl
	}
	tlUA := ""
	if st != nil {
		tlUA = st.tlUA
	} else {
		tlUA = k.timelineUA()
	}
	r.ev = correlate.Event{Time: t, UA: tlUA, Failed: rule, First: rule, Source: correlate.SourceLog}
	if st != nil && st.hits == uint64(n) {
		// The key's first line: the example points at it.
		r.ev.Header = []byte(strings.TrimSpace("logged in " + r.where + " " + r.whereID))
	}
	if r.capFrom.IsZero() {
		// With a capture its sources are the evidence; the same address
		// again from the logs would count each message twice there.
		r.ev.Src = src
	}
	r.tl.AddN(&r.ev, uint64(n)) // one aggregated bucket: n identical events
}

// addOverflow counts log hits of UAs beyond the log tally's cap as one
// identity, so they still count (as a bystander or a suspect).
func (r *logRun) addOverflow(t time.Time, n int64) {
	r.addKey(logKey{unknown: true, overflow: true}, t, netip.AddrPort{}, n, false)
}

// captureRules maps each UA of the capture whose failures Kamailio reports
// under one sanity check to that check, so that its log lines (which do not
// name the check) are counted under the same rule and the remediation can
// name it. UAs with several rules, or none, are left out (RuleUnknown).
func captureRules(inv *correlate.Inventory) map[string]uint32 {
	out := map[string]uint32{}
	if inv == nil {
		return out
	}
	for _, s := range inv.UAs() {
		if s.UA == correlate.OtherUA {
			continue
		}
		var rule uint32
		n := 0
		for _, c := range s.Rules(true) {
			if c.Messages > 0 {
				rule, n = c.Key, n+1
			}
		}
		if n == 1 {
			out[ruleKeyOf(uaKey(s.UA), s.Present)] = rule
		}
	}
	return out
}

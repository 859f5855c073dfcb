package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/sipcorr/sipcorr/capture/live"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/internal/metrics"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// CaptureSchema names the version of the JSON document of `sipcorr
// capture` (snapshots and the final report). Its "analysis" member is the
// sipcorr.analyze/v1 document of report.WriteAnalysis.
const CaptureSchema = "sipcorr.capture/v1"

// captureDoc is the JSON snapshot and final report of a live capture.
type captureDoc struct {
	Schema      string            `json:"schema"`
	Time        time.Time         `json:"time"`
	Final       bool              `json:"final"`
	Capture     captureInfoDoc    `json:"capture"`
	Analysis    json.RawMessage   `json:"analysis"`
	Correlation *correlate.Report `json:"correlation,omitempty"`
}

type captureInfoDoc struct {
	Interface string     `json:"interface"`
	Source    string     `json:"source"`
	Filter    string     `json:"filter"`
	Started   time.Time  `json:"started"`
	Stopped   *time.Time `json:"stopped,omitempty"`
	Running   bool       `json:"running"`
	Error     string     `json:"error,omitempty"`
	live.Stats
	// Drops is every drop known: the kernel's and the HEP queue's.
	Drops uint64 `json:"drops"`
	// HEPListeners are the --hep listeners, with what they received and
	// dropped (queue full); the HEP decoder's counters are in the
	// analysis counters.
	HEPListeners  []string `json:"hep_listeners,omitempty"`
	HEPDatagrams  uint64   `json:"hep_datagrams,omitempty"`
	HEPDrops      uint64   `json:"hep_drops,omitempty"`
	StatsError    string   `json:"stats_error,omitempty"`
	Evidence      string   `json:"evidence_file,omitempty"`
	EvidenceKept  uint64   `json:"evidence_packets"`
	EvidenceSkip  uint64   `json:"evidence_skipped"`
	MemoryPolls   uint64   `json:"memory_polls"`
	MemoryErrors  uint64   `json:"memory_poll_errors"`
	LogHits       int64    `json:"log_hits"`
	LogUnattrib   int64    `json:"log_hits_unattributed"`
	ESPolls       uint64   `json:"es_polls"`
	ESErrors      uint64   `json:"es_poll_errors"`
	Generations   int      `json:"timeline_rotations"`
	WindowSeconds int64    `json:"correlation_window_s"`
}

// doc builds the capture document. final marks the report written at exit.
func (r *liveRun) doc(final bool) (*captureDoc, error) {
	var buf bytes.Buffer
	if err := report.WriteAnalysis(&buf, report.FormatJSON, r.analysis(final)); err != nil {
		return nil, err
	}
	d := &captureDoc{Schema: CaptureSchema, Time: time.Now().UTC(), Final: final, Analysis: buf.Bytes(), Correlation: r.attrib}
	c := &d.Capture
	c.Interface, c.Source, c.Filter = r.src.Interface(), r.cfg.sourceName, r.cfg.filterDesc
	c.Started, c.Running = r.started.UTC(), r.stopped.IsZero() && r.fatal == nil
	if !r.stopped.IsZero() {
		s := r.stopped.UTC()
		c.Stopped = &s
	}
	if r.fatal != nil {
		c.Error = r.fatal.Error()
	}
	c.Stats, c.Drops = r.srcStats, r.srcStats.Drops()
	if r.hep != nil {
		c.HEPListeners = r.hep.Listeners()
		c.HEPDatagrams, c.HEPDrops = r.hep.Stats().Datagrams, r.hepLost()
		c.Drops += c.HEPDrops
	}
	if r.statsErr != nil {
		c.StatsError = r.statsErr.Error()
	}
	if r.evid != nil {
		c.Evidence, c.EvidenceKept, c.EvidenceSkip = r.cfg.evidencePath, r.evid.Written, r.evid.Skipped
	}
	if r.mem != nil {
		c.MemoryPolls, c.MemoryErrors = r.mem.counts()
	}
	if r.es != nil {
		c.ESPolls, c.ESErrors = r.es.counts()
		c.LogHits, c.LogUnattrib = r.logs.hits, r.logs.unattributed
	}
	c.Generations, c.WindowSeconds = r.tl.rotations, int64(r.cfg.window/time.Second)
	return d, nil
}

// writeSnapshot replaces path atomically (temporary file and rename), so a
// reader never sees half a snapshot.
func (r *liveRun) writeSnapshot(path string) error {
	d, err := r.doc(false)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sipcorr-snapshot-*")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(tmp)
	enc.SetIndent("", "  ")
	err = enc.Encode(d)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	return nil
}

// writeFinal writes the final report in the chosen format.
func (r *liveRun) writeFinal(w io.Writer, f report.Format) error {
	switch f {
	case report.FormatJSON:
		d, err := r.doc(true)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	case report.FormatTable:
		if err := r.writeCaptureSummary(w); err != nil {
			return err
		}
	}
	return report.WriteAnalysis(w, f, r.analysis(true))
}

// writeCaptureSummary is the table report's head: interface, duration,
// drops, evidence, suspects.
func (r *liveRun) writeCaptureSummary(w io.Writer) error {
	st := r.srcStats
	dur := r.stopped.Sub(r.started).Round(time.Millisecond)
	var b bytes.Buffer
	fmt.Fprintf(&b, "live capture on %s (%s), %v\n", report.TerminalSafe(r.src.Interface()), r.cfg.sourceName, dur)
	if !r.hepOnly() {
		fmt.Fprintf(&b, "  packets read %d, accepted by the kernel filter %d, dropped by the kernel %d (ring freezes %d)\n",
			st.Received, st.KernelPackets, st.KernelDrops, st.QueueFreezes)
	}
	if r.hep != nil {
		fmt.Fprintf(&b, "  %s\n", r.hepNote())
	}
	if r.fatal != nil {
		fmt.Fprintf(&b, "  stopped early: %s\n", report.TerminalSafe(r.fatal.Error()))
	}
	if r.evid != nil {
		fmt.Fprintf(&b, "  evidence: %d packets in %s (%d more not kept: bounds)\n", r.evid.Written, report.TerminalSafe(r.cfg.evidencePath), r.evid.Skipped)
	}
	if r.attrib != nil {
		writeSuspects(&b, r.attrib, 10)
	}
	b.WriteString("\n")
	_, err := w.Write(b.Bytes())
	return err
}

// writeSuspects lists the suspects of an attribution run.
func writeSuspects(b *bytes.Buffer, rep *correlate.Report, max int) {
	if len(rep.Suspects) == 0 {
		fmt.Fprintf(b, "  suspects: none over %d buckets of %v\n", rep.Buckets, rep.Bucket)
		return
	}
	fmt.Fprintf(b, "  suspects (memory growth explained by malformed traffic):\n")
	for i, s := range rep.Suspects {
		if i == max {
			fmt.Fprintf(b, "    ... %d more\n", len(rep.Suspects)-max)
			break
		}
		fmt.Fprintf(b, "    %-40s %-16s %8.1f B/msg [%.1f, %.1f] on %s\n", report.Truncate(report.TerminalSafe(s.UA), 40),
			ruleLabel(s.First), s.BytesPerMessage, s.CI.Low, s.CI.High, report.TerminalSafe(s.Target))
	}
}

// attribute runs the correlation over the current window.
func (r *liveRun) attribute(now time.Time) {
	tl := r.tl.timeline()
	if r.mem == nil || tl == nil {
		return
	}
	mem := offenderSeries(r.mem.set(), nil)
	if len(mem) == 0 {
		return
	}
	cfg := r.p.judge.reqCfg
	src := correlate.SourceCapture
	if r.es != nil {
		src = 0 // whichever of capture and logs covers the memory window better
	}
	rep := correlate.Attribute(tl, mem, correlate.Options{
		Source:             src,
		Version:            r.p.judge.version.String(),
		MinBytesPerMessage: defaultMinLeak,
		Sanity: correlate.SanityConfig{DefaultChecks: uint32(cfg.Checks), URIChecks: uint32(cfg.URIChecks),
			ProxyRequire: cfg.ProxyRequire},
	})
	r.attrib, r.attribAt = &rep, now
}

// metricsSnapshot is what the exporter publishes.
func (r *liveRun) metricsSnapshot(top int) metrics.Snapshot {
	st := r.p.decoder.Stats()
	t := r.p.totals
	s := metrics.Snapshot{
		Interface: r.src.Interface(), Running: r.stopped.IsZero() && r.fatal == nil,
		Packets: st.Packets, Bytes: st.Bytes,
		KernelPackets: r.srcStats.KernelPackets, KernelDrops: r.srcStats.KernelDrops, QueueFreezes: r.srcStats.QueueFreezes,
		SIPMessages: t.SIPMessages, Malformed: t.Malformed, Unparsable: t.Unparsable, Incomplete: t.Incomplete,
		UAsFolded: r.inv.Folded.UAMessages, DistinctUAs: r.inv.Len(),
	}
	for _, c := range append(counters(st), r.hepCountersOf()...) {
		if c.Skip {
			s.Skipped = append(s.Skipped, metrics.Count{Label: c.Key, Value: c.Value})
		}
	}
	for i, n := range r.rules.first {
		if n > 0 {
			s.MalformedByRule = append(s.MalformedByRule, metrics.Count{Label: ruleLabel(1 << i), Value: n})
		}
	}
	if r.rules.coreDrop > 0 {
		s.MalformedByRule = append(s.MalformedByRule, metrics.Count{Label: sipparse.RuleNameCoreDrop, Value: r.rules.coreDrop})
	}
	for i, n := range r.rules.failed {
		if n > 0 {
			s.FailedByRule = append(s.FailedByRule, metrics.Count{Label: ruleLabel(1 << i), Value: n})
		}
	}
	for _, u := range r.inv.UAs() {
		if len(s.TopUAs) < top && u.UA != correlate.OtherUA {
			s.TopUAs = append(s.TopUAs, metrics.UACount{UA: u.UA, Messages: u.Messages, Malformed: u.Malformed})
			continue
		}
		s.Other.Messages += u.Messages
		s.Other.Malformed += u.Malformed
	}
	if r.attrib != nil {
		for _, x := range r.attrib.Suspects {
			s.Suspects = append(s.Suspects, metrics.Suspect{UA: x.UA, Rule: ruleLabel(x.First), BytesPerMessage: x.BytesPerMessage})
		}
	}
	if r.mem != nil {
		s.MemoryPolls, s.MemoryPollErrors = r.mem.counts()
	}
	if r.evid != nil {
		s.EvidenceWritten, s.EvidenceSkipped = r.evid.Written, r.evid.Skipped
	}
	s.SnapshotsWritten, s.SnapshotWriteFails = r.out.snapshots, r.out.snapshotFails
	return s
}

// topRules lists the reported rules by count, most first.
func (r *liveRun) topRules() []metrics.Count {
	var out []metrics.Count
	for i, n := range r.rules.first {
		if n > 0 {
			out = append(out, metrics.Count{Label: ruleLabel(1 << i), Value: n})
		}
	}
	if r.rules.coreDrop > 0 {
		out = append(out, metrics.Count{Label: sipparse.RuleNameCoreDrop, Value: r.rules.coreDrop})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	return out
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/capture/live"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/internal/evidence"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// liveRun is one live capture: a single goroutine reads the ring, runs the
// analyze pipeline on every frame and owns every accumulator, so nothing
// here is shared or locked. Periodic work (view, metrics, snapshots,
// attribution) runs on the same goroutine between packets; the kernel
// ring absorbs the pause.
type liveRun struct {
	cfg    liveConfig
	src    live.Source
	p      *pipeline
	inv    *correlate.Inventory
	limits correlate.InventoryLimits
	tl     *timelineWindow
	mem    *memPoller // nil without --rpc
	es     *esPoller  // nil without --es
	logs   logTally
	evid   *evidence.Writer
	evErr  error // first evidence write error; evidence stops after it
	evDone bool  // the evidence file is closed
	out    *liveOutputs

	defects   defectCounter
	rules     ruleTally
	obs       correlate.Observation
	ev        correlate.Event
	uaStrings *uaInterner // interned UA strings for Timeline events (the heaviest)

	// the frame being decoded, for evidence
	frame   []byte
	frameCI gopacket.CaptureInfo
	pktNo   uint64

	emit func(*capture.Datagram) // made once: the Decoder keeps it
	add  func(*judged)

	hep   *capture.HEPFeed // --hep listeners, nil without (live_hep.go)
	inHEP bool             // the message being judged came from HEP: no frame for evidence

	export    *exportSink           // --es-export, nil without (capture_export.go)
	exportSum *report.ExportSummary // its summary once closed

	started  time.Time
	stopped  time.Time
	srcStats live.Stats
	statsErr error
	fatal    error // why capture stopped early (interface down, ...)
	attrib   *correlate.Report
	attribAt time.Time
}

// ruleTally counts malformed messages by the rule Kamailio reports and
// failed checks by bit, for the metrics and the live view.
type ruleTally struct {
	first    [32]uint64 // by bit index of the reported check
	failed   [32]uint64
	coreDrop uint64
}

func newLiveRun(cfg liveConfig, src live.Source, j *judge) *liveRun {
	r := &liveRun{
		cfg:       cfg,
		src:       src,
		p:         newPipeline(capture.Options{Ports: cfg.ports}, j),
		limits:    correlate.InventoryLimits{MaxUAs: cfg.maxUAs},
		tl:        newTimelineWindow(cfg.window, correlate.TimelineOptions{Bucket: cfg.bucket, MaxUAs: cfg.timelineUAs}),
		uaStrings: newUAInterner(),
	}
	r.p.servers = cfg.servers
	r.inv = correlate.NewInventory(r.limits)
	r.emit = func(dg *capture.Datagram) { r.p.handle(dg, r.add) }
	r.add = r.judged
	return r
}

// judged takes one judged message: inventory, timeline, rules, evidence.
func (r *liveRun) judged(m *judged) {
	if m.parseErr != nil {
		return
	}
	toObservation(m, &r.obs)
	r.inv.Add(&r.obs)
	r.defects.add(r.p.judge.version, m)
	v := m.verdict
	if r.cfg.correlate {
		r.ev = correlate.Event{Time: m.dg.Time, UA: r.uaString(r.obs.UA), Src: m.dg.Src,
			Failed: uint32(v.Failed), First: uint32(v.First), CoreDrop: v.CoreDrop,
			Source: correlate.SourceCapture, Example: m.dg.Packet}
		if v.First == sipparse.CheckProxyRequire {
			r.ev.Header = m.msg.Get(sipparse.HdrProxyRequire)
		}
		r.tl.add(&r.ev)
	}
	if !r.obs.Malformed() {
		return
	}
	rule := uint32(v.First)
	if v.CoreDrop {
		r.rules.coreDrop++
		rule = correlate.RuleCoreDrop
	} else {
		r.rules.first[bitIndex(rule)]++
	}
	for f := uint32(v.Failed); f != 0; f &= f - 1 {
		r.rules.failed[bitIndex(f&-f)]++
	}
	if r.evid != nil && r.evErr == nil && !r.evDone && !r.inHEP {
		r.offerEvidence(m, rule)
	}
}

func (r *liveRun) offerEvidence(m *judged, rule uint32) {
	ua := r.obs.UA
	if !r.evid.Want(ua, rule) {
		r.evid.Skipped++
		return
	}
	name := ruleLabel(rule)
	detail := ""
	if m.verdict.CoreDrop {
		detail = m.verdict.CoreDropReason
	} else if m.verdict.Code != 0 {
		detail = fmt.Sprintf("Kamailio replies %d %s", m.verdict.Code, m.verdict.Reason)
	}
	if m.dg.Transport == capture.TransportTCP || m.dg.Packet != r.pktNo {
		detail += "; the message ends in this packet (TCP or reassembled)"
	}
	err := r.evid.Offer(ua, rule, r.frameCI, r.frame, evidence.Comment(name, rule, ua, r.pktNo, detail))
	if err != nil {
		r.evErr = err
		fmt.Fprintf(r.out.log, "sipcorr capture: %v (no more evidence is written)\n", err)
	}
}

// uaString returns ua as a string without allocating for UAs seen before.
func (r *liveRun) uaString(ua []byte) string {
	if len(ua) > correlate.DefaultTimelineUALen {
		return string(ua) // the Timeline cuts it, and counts the cut
	}
	return r.uaStrings.intern(ua)
}

func bitIndex(b uint32) int { return min(sipparse.RuleIndex(b), 31) }

// ruleLabel names a rule for metrics, comments and the view.
func ruleLabel(rule uint32) string { return sipparse.RuleName(rule) }

// frameIn decodes one captured frame.
func (r *liveRun) frameIn(data []byte, ci gopacket.CaptureInfo) {
	r.pktNo++
	r.frame, r.frameCI = data, ci
	r.p.decoder.Decode(ci, r.src.LinkType(), data, r.pktNo, r.emit)
	r.frame = nil
}

// loop reads until ctx is done, the duration passes or the source fails.
// tick runs the periodic work.
func (r *liveRun) loop(ctx context.Context, tick func(now time.Time)) {
	r.started = time.Now()
	var deadline time.Time
	if r.cfg.duration > 0 {
		deadline = r.started.Add(r.cfg.duration)
	}
	n := 0
	for {
		got := r.hepIn(checkEvery) // HEP queued while the interface was read
		data, ci, err := r.src.ReadPacket()
		if err == nil {
			r.frameIn(data, ci)
			got++
		} else if !errors.Is(err, live.ErrTimeout) {
			r.fatal = err
			break
		}
		if got > 0 {
			if n += got; n < checkEvery {
				continue
			}
			n = 0
		}
		now := time.Now()
		if ctx.Err() != nil || (!deadline.IsZero() && !now.Before(deadline)) {
			r.drain()
			break
		}
		tick(now)
	}
	r.p.flush(r.add)
	r.stopped = time.Now()
	r.readStats()
}

// drain reads what the ring still holds when the run is asked to stop, so
// that packets that reached the kernel before the stop are counted.
func (r *liveRun) drain() {
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		got := r.hepIn(checkEvery)
		data, ci, err := r.src.ReadPacket()
		switch {
		case err == nil:
			r.frameIn(data, ci)
		case !errors.Is(err, live.ErrTimeout):
			r.fatal = err
			return
		case got == 0 && r.hepIn(checkEvery) == 0:
			return // both empty
		}
	}
}

// checkEvery is how many packets or HEP datagrams the loop takes between
// looks at its context, clocks and periodic work.
const checkEvery = 256

// hepOnly says whether HEP listeners are the only input (no -i).
func (r *liveRun) hepOnly() bool {
	_, ok := r.src.(hepSource)
	return ok
}

func (r *liveRun) readStats() {
	st, err := r.src.Stats()
	if err != nil {
		r.statsErr = err
		return
	}
	r.srcStats = st
}

// analysis builds the analyze report of everything so far. It shares the
// inventory (read only by the caller, on this goroutine).
func (r *liveRun) analysis(final bool) *report.Analysis {
	st := r.p.decoder.Stats()
	a := &report.Analysis{Inventory: r.inv, Sanity: sanityConfig(r.p.judge), TopSources: r.cfg.topSources}
	a.Totals = r.p.totals
	a.Totals.Packets, a.Totals.Bytes = st.Packets, st.Bytes
	a.Counters = append(counters(st), r.hepCountersOf()...)
	a.Defects = r.defects.list()
	fs := report.FileSummary{Path: "live:" + r.src.Interface(), Packets: st.Packets}
	if r.fatal != nil {
		fs.Error = report.TerminalSafe(r.fatal.Error())
	}
	switch {
	case r.hepOnly():
		fs.Packets = r.hep.Stats().Datagrams
		a.Files = []report.FileSummary{fs}
	case r.hep != nil:
		a.Files = []report.FileSummary{fs, r.hepSummary()}
	default:
		a.Files = []report.FileSummary{fs}
	}
	a.Notes = append(a.Notes, r.captureNotes(final)...)
	a.Notes = append(a.Notes, foldNotes(r.inv, r.limits)...)
	if r.exportSum != nil {
		a.Logs = &report.LogSignal{Export: r.exportSum}
	}
	return a
}

// captureNotes never let a drop or a stop go unsaid.
func (r *liveRun) captureNotes(final bool) []string {
	var notes []string
	st := r.srcStats
	switch {
	case r.hepOnly(): // no kernel ring
	case r.statsErr != nil:
		notes = append(notes, fmt.Sprintf("kernel drop counters could not be read (%v): drops unknown", r.statsErr))
	case st.KernelDrops > 0:
		notes = append(notes, fmt.Sprintf("the kernel dropped %d of %d packets (capture ring full, %d freezes): their SIP was never seen, every count is a lower bound",
			st.KernelDrops, st.KernelPackets, st.QueueFreezes))
	default:
		notes = append(notes, fmt.Sprintf("no packet dropped by the kernel (%d accepted by the filter)", st.KernelPackets))
	}
	if r.hep != nil {
		notes = append(notes, r.hepNote())
		notes = append(notes, hepAgentsNote(r.hep.Agents())...)
	}
	if final && r.statsErr == nil && st.KernelPackets > st.KernelDrops+st.Received {
		notes = append(notes, fmt.Sprintf("%d packets reached the capture ring after the stop and were not analysed",
			st.KernelPackets-st.KernelDrops-st.Received))
	}
	if r.fatal != nil {
		notes = append(notes, "capture stopped early: "+report.TerminalSafe(r.fatal.Error()))
	} else if !final {
		notes = append(notes, "snapshot of a capture in progress")
	}
	if r.evErr != nil {
		notes = append(notes, "evidence file incomplete: "+r.evErr.Error())
	}
	if r.mem != nil {
		notes = append(notes, r.mem.notes()...)
	}
	if r.es != nil {
		notes = append(notes, r.es.notes()...)
		if r.logs.unattributed > 0 {
			notes = append(notes, fmt.Sprintf("%d malformed-SIP log lines carried no User-Agent (or were over the key cap): counted, not attributed", r.logs.unattributed))
		}
	}
	return notes
}

// closeEvidence ends the evidence file; an error goes to the log.
func (r *liveRun) closeEvidence(log io.Writer) {
	if r.evid == nil || r.evDone {
		return
	}
	r.evDone = true
	if err := r.evid.Close(); err != nil {
		fmt.Fprintf(log, "sipcorr capture: %v\n", err)
		if r.evErr == nil {
			r.evErr = err
		}
	}
}

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/report"
)

func runAnalyze(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet("analyze", e)
	var (
		sf         sanityFlags
		of         offenderFlags // offender report (offender*.go)
		lf         logFlags      // server logs, Elasticsearch export and read-back (esflags.go, logs*.go)
		hf         hepFlags      // HEP inside the captures (hepflags.go)
		format     = fs.String("format", "table", "output format: table, json, csv or html (one self-contained file with plots; use with -o)")
		out        = fs.String("o", "", "write the report to this file instead of stdout")
		ports      = fs.String("ports", "", "only SIP on these ports, e.g. 5060,5080 (default: any port)")
		maxUAs     = fs.Int("max-uas", correlate.DefaultMaxUAs, "distinct User-Agents kept apart (the heaviest, also on the offender timeline); the lightest are counted in an 'other' row")
		topSources = fs.Int("top-sources", 3, "source addresses shown per UA in table and CSV (JSON lists all)")
		server     = fs.String("server", "auto", "address(es) of the Kamailio whose verdicts are imitated; messages it sends are not judged. 'auto' finds it, 'none' judges everything")
		cpuProfile = fs.String("cpuprofile", "", "write a Go CPU profile to this file (for performance work)")
		// HTML report and evidence file (analyze_extras.go, analyze_evidence.go)
		evidencePath    = fs.String("evidence", "", "write the first offending packets of every User-Agent and rule to this pcapng file, with a comment naming the failed rule")
		evidencePerRule = fs.Int("evidence-per-rule", 5, "packets per User-Agent and rule in the --evidence file")
	)
	sf.register(fs)
	of.register(fs)
	lf.register(fs)
	hf.registerFile(fs)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: sipcorr analyze [flags] CAPTURE...\n       sipcorr analyze --logs FILE | --es URL | --from-es INDEX [--memory FILE] [flags] [CAPTURE...]\n\nReads pcap/pcapng files (gzip-compressed or not) and reports, per User-Agent,\nwhat it sent and which Kamailio sanity checks it failed. With --memory (a\n'sipcorr memwatch' recording or a CSV export) it also names the devices whose\nmalformed SIP makes the server's memory grow: the offender report.\n\nflags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if err := checkMaxUAs(*maxUAs); err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: %v\n", err)
		return exitUsage
	}
	if fs.NArg() == 0 && !lf.inputs() {
		fmt.Fprintln(e.stderr, "sipcorr analyze: no capture file given")
		fs.Usage()
		return exitUsage
	}
	if err := lf.check(fs, of.memory != ""); err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: %v\n", err)
		return exitUsage
	}
	f, err := report.ParseOutputFormat(*format)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: --format: %v\n", err)
		return exitUsage
	}
	portList, err := parsePorts(*ports)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: --ports: %v\n", err)
		return exitUsage
	}
	copts := capture.Options{Ports: portList}
	if err := hf.fileOptions(&copts); err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: %v\n", err)
		return exitUsage
	}
	// Offender report: the memory history is read first, so that the
	// version the server reported can set the judge's version.
	var offIn *offenderInput
	if of.enabled() {
		if offIn, err = loadOffenderInput(ctx, &of, &sf, e.stderr); err != nil {
			fmt.Fprintf(e.stderr, "sipcorr analyze: %v\n", err)
			return exitUsage
		}
	}
	j, err := sf.build(fs, e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: %v\n", err)
		return exitUsage
	}
	servers, autoServer, err := parseServerFlag(*server)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: --server: %v\n", err)
		return exitUsage
	}
	serverNote := "given with --server"
	if autoServer && fs.NArg() > 0 {
		servers, serverNote = guessServer(ctx, fs.Args(), copts)
	}

	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "sipcorr analyze: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer stopProfile()
	}
	// --max-uas governs the offender timeline too; without it the
	// timeline keeps its own (smaller, it stores time series) default.
	// Both keep the heaviest UAs.
	lf.timelineUAs = timelineUAs(fs, *maxUAs)
	var off *offenderCollector
	if offIn != nil {
		off = newOffenderCollector(correlate.TimelineOptions{MaxUAs: lf.timelineUAs})
	}
	lr := newLogRun(&lf, e) // nil without log flags
	defer lr.close()
	lr.begin(ctx, off, fs.NArg())
	extras := newAnalyzeExtras(f, *evidencePath, *evidencePerRule) // HTML, sparkline, --evidence
	a, faulty := analyzeFiles(ctx, e, fs.Args(), copts, j, servers,
		correlate.InventoryLimits{MaxUAs: *maxUAs}, off, lr.sink(), extras.sink())
	if fs.NArg() > 0 { // without captures there is no server to find
		a.Notes = append([]string{serverSummary(servers, serverNote, a.Totals.FromServer)}, a.Notes...)
	}
	a.TopSources = *topSources
	if lr != nil {
		memFrom, memTo := offIn.span()
		lr.memStep = offIn.step()
		lr.finish(ctx, a, memFrom, memTo)
		faulty = faulty || lr.faulty
	}
	faulty = extras.finish(ctx, e, a) || faulty
	write := func(w io.Writer) error { return report.WriteAnalysis(w, f, a) }
	var o *report.Offenders
	if offIn != nil {
		o = lr.offenders(offIn, off, a, j, &sf, fs)
		faulty = faulty || offIn.faulty
		write = func(w io.Writer) error { return report.WriteOffenders(w, f, o) }
	}
	write = extras.writer(write, a, o, off, offIn)
	if err := writeOutput(e, *out, write); err != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: %v\n", err)
		return exitInput
	}
	if ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "sipcorr analyze: interrupted (%s): %s; the report covers what was read before\n", interruptCause(ctx), report.TerminalSafe(stoppedAt(a)))
		return interruptCode(ctx)
	}
	if faulty {
		return exitInput
	}
	return exitOK
}

// stoppedAt says where an interrupted run stopped: the file, packet and
// offset of the interrupted read, else after which input.
func stoppedAt(a *report.Analysis) string {
	for i := len(a.Files) - 1; i >= 0; i-- {
		if strings.Contains(a.Files[i].Error, capture.ErrInterrupted.Error()) {
			return "stopped in " + a.Files[i].Error
		}
	}
	if n := len(a.Files); n > 0 {
		return "stopped after the capture " + a.Files[n-1].Path
	}
	return "stopped before any capture was analysed (--server auto reads the captures once first to find the server)"
}

// analyzeFiles runs every file through one pipeline and one inventory. A
// faulty file is reported and the run goes on; faulty says whether any was.
// off, when not nil, also collects every judged message for the offender
// report; sinks (nil ones skipped) get every judged message with its input.
// With more than one CPU, reading and judging run on two goroutines
// (pipeline_batch.go); the result is the same.
func analyzeFiles(ctx context.Context, e *env, paths []string, opts capture.Options, j *judge, servers serverSet, limits correlate.InventoryLimits, off *offenderCollector, sinks ...judgedSink) (a *report.Analysis, faulty bool) {
	// One CPU: everything on this goroutine. More: a judge goroutine per
	// CPU but the reader's, which helps them (pipeline_batch.go).
	judges := runtime.GOMAXPROCS(0) - 1
	return analyzeFilesOn(ctx, judges, e, paths, opts, j, servers, limits, off, sinks...)
}

// analyzeFilesOn is analyzeFiles with the file loop chosen: batched with
// that many judge goroutines, or with 0 all on the caller's goroutine.
func analyzeFilesOn(ctx context.Context, judges int, e *env, paths []string, opts capture.Options, j *judge, servers serverSet, limits correlate.InventoryLimits, off *offenderCollector, sinks ...judgedSink) (a *report.Analysis, faulty bool) {
	p := newPipeline(opts, j)
	p.servers = servers
	inv := correlate.NewInventory(limits)
	a = &report.Analysis{Inventory: inv, Sanity: sanityConfig(j)}
	var defects defectCounter
	prog := newProgress(e, len(paths))
	var obs correlate.Observation
	var cur string // the input being read, for the sinks
	add := func(path string, m *judged) {
		prog.message()
		if m.parseErr != nil {
			return
		}
		toObservation(m, &obs)
		inv.Add(&obs)
		defects.add(j.version, m)
		if off != nil {
			off.add(m)
		}
		for _, s := range sinks {
			if s != nil {
				s(path, m)
			}
		}
	}
	var bp *batchPipeline
	if judges > 0 {
		bp = newBatchPipelineN(p, add, judges)
		defer bp.close() // no-op unless a sink panicked
	}
	for _, path := range paths {
		if ctx.Err() != nil {
			a.Notes = append(a.Notes, "interrupted: inputs after "+path+" were not read")
			break
		}
		before := p.decoder.Stats().Packets
		prog.file(path)
		cur = path
		var err error
		if bp != nil {
			err = bp.readFile(ctx, path)
		} else {
			err = p.readFile(ctx, path, func(m *judged) { add(path, m) })
		}
		fsum := report.FileSummary{Path: path, Packets: p.decoder.Stats().Packets - before}
		if err != nil {
			faulty = true
			fsum.Error = fileError(path, err)
			fmt.Fprintf(e.stderr, "sipcorr: %s\n", report.TerminalSafe(fsum.Error))
		}
		a.Files = append(a.Files, fsum)
	}
	if bp != nil {
		bp.flush(cur)
		bp.close() // p.totals is complete from here on
	} else {
		p.flush(func(m *judged) { add(cur, m) })
	}
	prog.done()

	st := p.decoder.Stats()
	a.Totals = p.totals
	a.Totals.Packets, a.Totals.Bytes = st.Packets, st.Bytes
	a.Counters = append(counters(st), hepCounters(p.decoder.HEPStats())...)
	a.Defects = defects.list()
	a.Notes = append(a.Notes, foldNotes(inv, limits)...)
	a.Notes = append(a.Notes, hepAgentsNote(p.decoder.HEPAgents())...)
	return a, faulty
}

// foldNotes says what the inventory's bounds folded; analyze and capture
// share it.
func foldNotes(inv *correlate.Inventory, limits correlate.InventoryLimits) []string {
	var notes []string
	if inv.Folded.UAMessages > 0 {
		n, exact := inv.FoldedUAs()
		about := "about "
		if exact {
			about = ""
		}
		notes = append(notes, fmt.Sprintf("more than %d distinct User-Agents: the %d heaviest are kept apart; %d messages of %s%d lighter ones are counted in the 'other' row",
			limits.MaxUAs, limits.MaxUAs, inv.Folded.UAMessages, about, n))
	}
	if inv.Folded.TruncatedUAs > 0 {
		notes = append(notes, fmt.Sprintf("%d messages had a User-Agent longer than %d bytes; it was cut to that length",
			inv.Folded.TruncatedUAs, correlate.DefaultMaxUALen))
	}
	return notes
}

func serverSummary(servers serverSet, how string, sent uint64) string {
	if len(servers) == 0 {
		return how
	}
	return fmt.Sprintf("SIP server %s (%s): %d messages it sent are counted but not judged", servers, how, sent)
}

func toObservation(m *judged, o *correlate.Observation) {
	msg, v := m.msg, m.verdict
	*o = correlate.Observation{
		Time:     m.dg.Time,
		UA:       m.ua,
		Src:      m.dg.Src,
		Request:  msg.IsRequest,
		Method:   m.method,
		Status:   msg.StatusCode,
		Failed:   uint32(v.Failed),
		First:    uint32(v.First),
		CoreDrop: v.CoreDrop,
	}
}

func sanityConfig(j *judge) report.SanityConfig {
	return report.SanityConfig{
		Version:      j.version.String(),
		Checks:       uint32(j.reqCfg.Checks),
		URIChecks:    j.reqCfg.URIChecks,
		ProxyRequire: j.reqCfg.ProxyRequire,
		From:         j.from,
	}
}

func counters(st capture.Stats) []report.Counter {
	var out []report.Counter
	for _, c := range st.Counters() {
		out = append(out, report.Counter{Key: c.Name, Name: flagWords(c.Desc), Value: c.Value, Skip: c.Skip})
	}
	return out
}

func parsePorts(s string) ([]uint16, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []uint16
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a port number", f)
		}
		out = append(out, uint16(n))
	}
	return out, nil
}

// writeOutput writes to the -o file, or to stdout when path is empty or "-".
// Output is buffered; a write error (disk full, closed pipe) is returned.
func writeOutput(e *env, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		bw := bufio.NewWriter(e.stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// timelineUAs is the offender timeline's UA cap: --max-uas when given,
// else correlate.DefaultTimelineMaxUAs.
func timelineUAs(fs *flag.FlagSet, maxUAs int) int {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "max-uas" })
	if set && maxUAs > 0 {
		return maxUAs
	}
	return correlate.DefaultTimelineMaxUAs
}

// checkMaxUAs rejects a --max-uas that keeps no UA apart: 0 or less used
// to become the default (10000) silently.
func checkMaxUAs(n int) error {
	if n < 1 {
		return fmt.Errorf("--max-uas %d: must be at least 1 (the number of User-Agents kept apart; default %d)", n, correlate.DefaultMaxUAs)
	}
	return nil
}

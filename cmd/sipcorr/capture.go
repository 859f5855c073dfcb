package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/capture/live"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/internal/evidence"
	"github.com/sipcorr/sipcorr/internal/metrics"
	"github.com/sipcorr/sipcorr/memstat"
	"github.com/sipcorr/sipcorr/report"
)

// liveConfig is what the capture flags decide.
type liveConfig struct {
	ports        []uint16
	servers      serverSet
	maxUAs       int
	timelineUAs  int
	topSources   int
	window       time.Duration
	bucket       time.Duration
	duration     time.Duration
	sourceName   string
	filterDesc   string
	evidencePath string
	// correlate keeps the per-bucket timeline for attribution; only
	// worth its memory and CPU when the server's memory is polled.
	correlate bool
}

func runCapture(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet("capture", e)
	var (
		sf           sanityFlags
		ef           liveExportFlags
		hf           hepFlags // --hep listeners (live_hep.go)
		iface        = fs.String("i", "", "network interface to capture on (required unless --hep is given)")
		netns        = fs.String("netns", "", "capture inside this network namespace (a name under /run/netns, or a path)")
		sourceKind   = fs.String("source", "afpacket", "packet source: afpacket (Linux) or pcap (builds with -tags pcap)")
		ports        = fs.String("ports", "5060", "SIP ports for the kernel filter and the decoder; empty: any port")
		bpfFlag      = fs.String("bpf", "", "replace the default kernel `program`: the output of 'tcpdump -ddd EXPR' (or @FILE), 'none', or an expression (pcap builds)")
		tunnels      = fs.Bool("tunnels", false, "let IP-in-IP, GRE and GTP-U through the default filter (decapsulated by the decoder)")
		snaplen      = fs.Int("snaplen", live.DefaultSnaplen, "bytes kept per packet")
		ringMiB      = fs.Int("ring-size", live.DefaultRingSize>>20, "kernel ring size in MiB")
		promisc      = fs.Bool("promisc", false, "promiscuous mode (for a mirror port)")
		format       = fs.String("format", "table", "final report format: table, json or csv")
		out          = fs.String("o", "", "write the final report to this file instead of stdout")
		reportEvery  = fs.Duration("report-every", 0, "write a JSON snapshot this often (0: never)")
		snapshotPath = fs.String("snapshot", "sipcorr-capture.json", "file the --report-every snapshots replace")
		evidencePath = fs.String("write-evidence", "", "write offending packets to this pcapng file")
		evPerKey     = fs.Int("evidence-per-rule", 5, "evidence packets kept per User-Agent and rule")
		evTotal      = fs.Int("evidence-max", 20000, "evidence packets kept in all")
		metricsAddr  = fs.String("metrics", "", "serve Prometheus metrics on this address, e.g. :9102")
		rpcURL       = fs.String("rpc", "", "Kamailio JSON-RPC URL to poll memory from, e.g. http://127.0.0.1:5060/RPC")
		rpcInterval  = fs.Duration("rpc-interval", 10*time.Second, "memory poll interval")
		recordPath   = fs.String("record", "", "also append the memory polls to this recording (JSONL, as memwatch writes)")
		window       = fs.Duration("window", time.Hour, "correlation window: per-bucket history kept for attribution (older buckets roll up into the per-UA totals)")
		attribEvery  = fs.Duration("attribute-every", time.Minute, "how often suspects are recomputed (with --rpc)")
		refresh      = fs.Duration("refresh", 2*time.Second, "live view refresh when stdout is a terminal")
		logEvery     = fs.Duration("log-every", 10*time.Second, "periodic summary line on stderr when stdout is not a terminal")
		top          = fs.Int("top", 10, "User-Agents shown in the live view and exported with their own metric labels")
		maxUAs       = fs.Int("max-uas", correlate.DefaultMaxUAs, "distinct User-Agents kept apart (the heaviest, also on the offender timeline); the lightest are counted in an 'other' row")
		topSources   = fs.Int("top-sources", 3, "source addresses shown per UA in table and CSV (JSON lists all)")
		server       = fs.String("server", "none", "address(es) of the Kamailio whose verdicts are imitated; messages it sends are counted, not judged")
		esURL        = fs.String("es", "", "Elasticsearch URL(s), comma-separated, to poll for the server's \"Malformed SIP received\" log lines (credentials: SIPCORR_ES_* variables)")
		esIndex      = fs.String("es-index", esquery.DefaultIndices, "index patterns of the server's logs")
		esEvery      = fs.Duration("es-every", time.Minute, "Elasticsearch poll interval")
		esLag        = fs.Duration("es-lag", 30*time.Second, "how far behind real time logs are queried (ingestion delay)")
		duration     = fs.Duration("duration", 0, "stop after this long (0: until SIGINT/SIGTERM)")
		cpuProfile   = fs.String("cpuprofile", "", "write a Go CPU profile to this file (for performance work)")
	)
	sf.register(fs)
	ef.register(fs)
	hf.registerLive(fs)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: sipcorr capture -i IFACE [--hep udp|tcp:ADDR:PORT]... [flags]\n       sipcorr capture --hep udp|tcp:ADDR:PORT... [flags]\n\nCaptures SIP on a live interface, judges every message as Kamailio's sanity\nmodule would, and reports per User-Agent until SIGINT/SIGTERM, when it writes\nthe final report and exits 0. Kernel drops are always reported.\n\nflags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "sipcorr capture: "+format+"\n", a...)
		return exitUsage
	}
	if *iface == "" && len(hf.listen) == 0 {
		fs.Usage()
		return usageErr("no interface given (-i IFACE) and no HEP listener (--hep udp:ADDR:PORT or tcp:ADDR:PORT)")
	}
	for _, spec := range hf.listen {
		if _, _, err := capture.ParseHEPListen(spec); err != nil {
			return usageErr("--hep: %v", err)
		}
	}
	if err := checkMaxUAs(*maxUAs); err != nil {
		return usageErr("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	f, err := report.ParseFormat(*format)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	cfg := liveConfig{maxUAs: *maxUAs, topSources: *topSources, window: *window, duration: *duration,
		sourceName: *sourceKind, evidencePath: *evidencePath, timelineUAs: timelineUAs(fs, *maxUAs)}
	if cfg.ports, err = parsePorts(*ports); err != nil {
		return usageErr("--ports: %v", err)
	}
	if cfg.servers, _, err = parseServerFlag(*server); err != nil || *server == "auto" {
		return usageErr("--server: want addresses or none (auto is for files)")
	}
	if *window < time.Minute || *rpcInterval <= 0 || *refresh <= 0 || *logEvery <= 0 || *reportEvery < 0 || *top <= 0 {
		return usageErr("--window must be at least 1m; intervals and --top must be positive")
	}
	// Attribute's bucket is the median poll interval rounded up to a
	// multiple of the timeline bucket: keep the latter a tenth of the poll
	// interval so that the rounding costs little resolution.
	cfg.bucket = max(min(*rpcInterval/10, correlate.DefaultTimelineBucket), 10*time.Millisecond)
	j, err := sf.build(fs, e.stderr)
	if err != nil {
		return usageErr("%v", err)
	}
	opts := live.Options{Interface: *iface, Netns: *netns, Ports: cfg.ports, Tunnels: *tunnels,
		Snaplen: *snaplen, RingSize: *ringMiB << 20, Promiscuous: *promisc}
	var rpc *memstat.Client
	cfg.correlate = *rpcURL != ""
	if *rpcURL != "" {
		if rpc, err = memstat.NewClient(*rpcURL); err != nil {
			return usageErr("--rpc: %v", err)
		}
	}

	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		defer stopProfile()
	}

	feed, err := startHEP(ctx, &hf)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr capture: %s\n", report.TerminalSafe(err.Error()))
		return exitInput
	}
	var src live.Source
	var openErr error
	switch {
	case *iface == "":
		src = hepSource{feed: feed, timeout: live.DefaultPollTimeout}
		cfg.sourceName, cfg.filterDesc = "hep", "none (HEP listeners)"
	case feed != nil:
		opts.PollTimeout = hepPollTimeout
		defer closeHEP(e, feed)
		fallthrough
	default:
		src, openErr = openSource(opts, *sourceKind, *bpfFlag, &cfg)
	}
	if openErr != nil {
		var le *live.Error
		if !errors.As(openErr, &le) {
			return usageErr("%v", openErr)
		}
		fmt.Fprintf(e.stderr, "sipcorr capture: %s\n", report.TerminalSafe(openErr.Error()))
		// the final report is still written: it says why nothing was captured
		r := newLiveRun(cfg, failedSource{name: opts.Interface}, j)
		r.out = &liveOutputs{log: e.stderr}
		r.fatal, r.started, r.stopped = openErr, time.Now(), time.Now()
		writeFinalReport(e, r, *out, f)
		return exitInput
	}
	defer src.Close()

	r := newLiveRun(cfg, src, j)
	r.hep = feed
	if ef.index != "" {
		esc, err := startLiveExport(ctx, e, r, &ef, *esURL)
		if err != nil {
			return usageErr("%v", err)
		}
		defer esc.Close()
	}
	r.out = &liveOutputs{log: e.stderr, top: *top, refresh: *refresh, logEvery: *logEvery,
		reportEvery: *reportEvery, snapshotPath: *snapshotPath, attributeEvery: *attribEvery}
	if fo, ok := e.stdout.(*os.File); ok && isTerminal(fo) {
		r.out.view = e.stdout // the final report, if it goes there too, follows the last view
	}
	if *evidencePath != "" {
		r.evid, err = evidence.Create(*evidencePath, src.LinkType(), *snaplen, src.Interface(),
			evidence.Limits{PerKey: *evPerKey, Total: *evTotal})
		if err != nil {
			return usageErr("--write-evidence: %v", err)
		}
	}
	defer r.closeEvidence(e.stderr)
	if *metricsAddr != "" {
		r.out.exporter = metrics.New()
		srv, err := metrics.Listen(*metricsAddr, r.out.exporter)
		if err != nil {
			return usageErr("--metrics: %v", err)
		}
		defer func() {
			if err := srv.Close(); err != nil {
				fmt.Fprintf(e.stderr, "sipcorr capture: metrics server: %v\n", err)
			}
		}()
		fmt.Fprintf(e.stderr, "sipcorr capture: metrics on http://%s/metrics\n", srv.Addr())
	}
	pollCtx, stopPolling := context.WithCancel(context.Background())
	defer stopPolling()
	if rpc != nil {
		var rec io.Writer
		if *recordPath != "" {
			rf, err := memstat.OpenRecording(*recordPath)
			if err != nil {
				return usageErr("--record: %v", err)
			}
			defer rf.Close()
			rec = rf
		}
		r.mem = startMemPoller(pollCtx, rpc, *rpcURL, *rpcInterval, *window, rec)
	}

	// With --es-export, --es names the export's server; the logs are then
	// polled only when --es-index is given too (as in analyze).
	if *esURL != "" && (ef.index == "" || flagSet(fs, "es-index")) {
		cfg := esquery.ConfigFromEnv(os.Getenv)
		cfg.URLs = strings.Split(*esURL, ",")
		es, err := esquery.Connect(ctx, cfg)
		if err != nil {
			return usageErr("--es: %v", err)
		}
		defer es.Close()
		q := esquery.Query{Indices: *esIndex, Bucket: max(*rpcInterval, time.Second).Truncate(time.Second)}
		r.es = startESPoller(pollCtx, es, q, *esEvery, *esLag, time.Now())
	}
	hepOn := ""
	if feed != nil && *iface != "" {
		hepOn = ", HEP on " + strings.Join(feed.Listeners(), ",")
	}
	fmt.Fprintf(e.stderr, "sipcorr capture: capturing on %s (%s, filter: %s%s); SIGINT or SIGTERM ends it with the final report\n",
		report.TerminalSafe(src.Interface()), cfg.sourceName, cfg.filterDesc, hepOn)
	r.out.start(time.Now())
	r.loop(ctx, func(now time.Time) { r.out.tick(r, now) })
	stopPolling()
	if r.es != nil {
		<-r.es.finished
		r.takeLogBatches()
	}
	if r.mem != nil {
		<-r.mem.finished
		r.attribute(time.Now())
	}
	if r.out.exporter != nil {
		r.out.exporter.Publish(r.metricsSnapshot(*top))
	}
	if r.fatal != nil {
		fmt.Fprintf(e.stderr, "sipcorr capture: %s\n", report.TerminalSafe(r.fatal.Error()))
	}
	r.closeEvidence(e.stderr)
	exportFailed := finishLiveExport(e, r)
	code := writeFinalReport(e, r, *out, f)
	if r.fatal != nil || exportFailed {
		return exitInput
	}
	return code
}

// writeFinalReport writes the report and a one-line summary on stderr.
func writeFinalReport(e *env, r *liveRun, out string, f report.Format) int {
	st := r.srcStats
	hep := ""
	if r.hep != nil {
		hep = fmt.Sprintf("; HEP: %d datagrams, %d dropped", r.hep.Stats().Datagrams, r.hepLost())
	}
	fmt.Fprintf(e.stderr, "sipcorr capture: %d packets, %d SIP messages, %d malformed; kernel: %d accepted, %d dropped%s\n",
		r.p.decoder.Stats().Packets, r.p.totals.SIPMessages, r.p.totals.Malformed, st.KernelPackets, st.KernelDrops, hep)
	if err := writeOutput(e, out, func(w io.Writer) error { return r.writeFinal(w, f) }); err != nil {
		fmt.Fprintf(e.stderr, "sipcorr capture: writing the report: %v\n", err)
		return exitInput
	}
	return exitOK
}

// closeHEP closes the HEP listeners that run beside -i (alone, they are
// the source and close with it).
func closeHEP(e *env, f *capture.HEPFeed) {
	if err := f.Close(); err != nil {
		fmt.Fprintf(e.stderr, "sipcorr capture: HEP listeners: %v\n", err)
	}
}

// openSource opens the chosen source with the filter from --bpf or the
// default one, and describes the filter in cfg.
func openSource(opts live.Options, kind, bpfExpr string, cfg *liveConfig) (live.Source, error) {
	var open func(live.Options) (live.Source, error)
	switch kind {
	case "afpacket":
		open = live.Open
	case "pcap":
		open = live.OpenPcap
	default:
		return nil, fmt.Errorf("--source: %q is not afpacket or pcap", kind)
	}
	cfg.filterDesc = defaultFilterDesc(opts)
	if strings.TrimSpace(bpfExpr) != "" {
		// expressions are compiled for Ethernet (and loopback); a tun or
		// tunnel interface needs a compiled program
		prog, err := live.ParseFilter(bpfExpr, layers.LinkTypeEthernet)
		if err != nil {
			return nil, fmt.Errorf("--bpf: %w", err)
		}
		opts.Filter = prog
		cfg.filterDesc = fmt.Sprintf("--bpf, %d instructions", len(prog))
		if len(prog) == 0 {
			cfg.filterDesc = "none"
		}
	}
	src, err := open(opts)
	if err != nil {
		return nil, flagError{err}
	}
	return src, nil
}

func defaultFilterDesc(o live.Options) string {
	ports := "any port"
	if len(o.Ports) > 0 {
		var p []string
		for _, x := range o.Ports {
			p = append(p, fmt.Sprint(x))
		}
		ports = "ports " + strings.Join(p, ",")
	}
	s := "IPv4/IPv6 UDP/TCP/SCTP " + ports + " and every IP fragment"
	if o.Tunnels {
		s += ", tunnels"
	}
	return s
}

// failedSource stands in for a source that could not be opened, so that the
// final report can still be written.
type failedSource struct {
	live.Source
	name string
}

func (f failedSource) Interface() string { return f.name }

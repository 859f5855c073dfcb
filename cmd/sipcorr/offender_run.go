package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/memstat"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// defaultMinLeak is --min-leak's default: the smallest allocation Kamailio's
// q_malloc makes (8 bytes). A significant estimate below it, such as 1.7 B per
// message for a device whose messages store nothing, is drift the regression
// lent to a busy sender, not a per-message leak.
const defaultMinLeak = 8

// offenderFlags are analyze's flags for the offender report.
type offenderFlags struct {
	memory     string
	rpc        string
	rpcUser    string
	rpcTimeout time.Duration
	bucket     time.Duration
	baseline   string
	minLeak    float64
	receivers  int
	interval   time.Duration
}

func (f *offenderFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.memory, "memory", "", "memory history of the SIP server: a recording of 'sipcorr memwatch' (JSONL), a file of raw JSON-RPC answers (pkg.stats, stats.get_statistics, core.shmmem, as a cron + curl loop writes them), or a CSV, rrdtool fetch or rrdtool xport export (Munin, Grafana, Prometheus); gzip ok; turns on the offender report")
	fs.StringVar(&f.rpc, "rpc", "", "Kamailio JSON-RPC URL: read the current pool sizes and version (for the projection and the known-defect table); record history with 'sipcorr memwatch'")
	fs.StringVar(&f.rpcUser, "rpc-user", "", "basic-auth user for --rpc; the password is read from $"+memwatchPasswordEnv)
	fs.DurationVar(&f.rpcTimeout, "rpc-timeout", memstat.DefaultTimeout, "timeout of one --rpc attempt")
	fs.DurationVar(&f.bucket, "bucket", 0, "analysis bucket of the offender report (default: two memory poll intervals)")
	fs.Float64Var(&f.minLeak, "min-leak", defaultMinLeak, "smallest leak, in bytes per message, that makes a device a suspect: one leaked allocation costs at least 8 B used (q_malloc), so smaller estimates are noise or not a per-message leak")
	fs.IntVar(&f.receivers, "receivers", 0, "processes the server's SIP load is spread over (UDP receivers), for a memory series of one process at a time such as Munin's min_used/min_free (default: from --kamailio-cfg, else from pkg.stats of the recording or --rpc; unknown: both the per-process figure and the figure for children=8 are given)")
	fs.DurationVar(&f.interval, "memory-interval", 0, "for a --memory file of raw JSON-RPC answers without times (a cron + curl loop): the loop's interval; the last answer is taken at the file's modification time")
	fs.StringVar(&f.baseline, "baseline", "drift", "offender model: 'drift' (memory may drift on its own; a device sending at a constant rate all along cannot be told from it) or 'zero' (memory is flat without the counted messages)")
}

func (f *offenderFlags) enabled() bool { return f.memory != "" || f.rpc != "" }

// offenderInput is what the offender report knows before the captures are
// read: the memory history, a live sample, and what they say about the
// Kamailio version.
type offenderInput struct {
	flags   *offenderFlags
	set     *memstat.Set
	live    *memstat.Sample
	rpcURL  string // --rpc without credentials
	running string // the Kamailio version the server reports, "" unknown
	notes   []report.Note
	faulty  bool // --memory or --rpc could not be read
}

// loadOffenderInput reads --memory and polls --rpc once. When the server's
// version is known and --kamailio-version was not given, the verdicts
// imitate that version. Unreadable inputs are reported on log and in the
// notes, and make the run faulty; the report is still written.
func loadOffenderInput(ctx context.Context, f *offenderFlags, sf *sanityFlags, log io.Writer) (*offenderInput, error) {
	switch f.baseline {
	case "drift", "zero":
	default:
		return nil, fmt.Errorf("--baseline: %q is neither drift nor zero", f.baseline)
	}
	if f.bucket < 0 {
		return nil, fmt.Errorf("--bucket must not be negative")
	}
	if f.receivers < 0 {
		return nil, fmt.Errorf("--receivers must not be negative")
	}
	in := &offenderInput{flags: f}
	fail := func(what string, err error) {
		in.faulty = true
		msg := fmt.Sprintf("%s: %v", what, err)
		fmt.Fprintf(log, "sipcorr: %s\n", report.TerminalSafe(msg))
		in.notes = append(in.notes, report.Note{Kind: "memory", Text: msg})
	}
	if f.memory != "" {
		set, err := memstat.ReadFile(f.memory, memstat.CSVOptions{Interval: f.interval})
		if errors.Is(err, memstat.ErrUntimed) {
			err = fmt.Errorf("%w; pass the loop's interval with --memory-interval", err)
		}
		if err != nil {
			fail("--memory "+f.memory, err)
		} else {
			in.set = set
			in.running = kamailioVersion(set.Version)
		}
	}
	if f.rpc != "" {
		c, err := newRPCClient(f.rpc, f.rpcUser, f.rpcTimeout)
		if err != nil {
			return nil, fmt.Errorf("--rpc: %w", err)
		}
		in.rpcURL = c.URL
		s, err := c.Sample(ctx)
		if err != nil {
			fail("--rpc "+c.URL, err)
		} else {
			in.live = &s
			if v := kamailioVersion(s.Version); v != "" {
				in.running = v
			}
		}
		if in.set == nil {
			in.notes = append(in.notes, report.Note{Kind: "memory", Text: "--rpc gives the current pool sizes and version only, no history: record memory with 'sipcorr memwatch' while capturing and pass the file with --memory"})
		}
	}
	if in.running != "" {
		switch v, err := sipparse.ParseVersion(in.running); {
		case err != nil:
			in.notes = append(in.notes, report.Note{Kind: "version", Text: fmt.Sprintf("the server runs Kamailio %s, which the sanity engine has no profile for: verdicts imitate %s", in.running, versionOr(sf.version))})
		case sf.version == "":
			sf.version = v.String()
			in.notes = append(in.notes, report.Note{Kind: "version", Text: fmt.Sprintf("verdicts imitate Kamailio %s, the version the server reported (--kamailio-version overrides)", v)})
		case sf.version != in.running:
			in.notes = append(in.notes, report.Note{Kind: "version", Text: fmt.Sprintf("--kamailio-version %s, but the server reported %s", sf.version, in.running)})
		}
	}
	return in, nil
}

func versionOr(v string) string {
	if v == "" {
		return sipparse.LatestRelease().String()
	}
	return v
}

// offenders runs the attribution over the collected timeline and returns
// the report to render.
func (in *offenderInput) offenders(c *offenderCollector, a *report.Analysis, j *judge, sf *sanityFlags, fs *flag.FlagSet) *report.Offenders {
	if !a.Totals.First.IsZero() {
		c.tl.Cover(correlate.SourceCapture, a.Totals.First, a.Totals.Last)
	}
	mem := offenderSeries(in.set, in.live)
	spreadOf(in.flags.receivers, in.set, in.live, j.cfg).apply(mem)
	o := &report.Offenders{Analysis: a, Notes: in.notes, PoolSizeHint: poolSizeHint}
	if in.set != nil {
		var notes []report.Note
		o.Memory, notes = memoryInput(in.set, mem)
		o.Notes = append(o.Notes, notes...)
	} else {
		o.Memory = report.MemoryInput{Source: in.flags.memory, Kind: "none"}
		if o.Memory.Source == "" {
			o.Memory.Source = in.rpcURL
		}
		if in.live != nil {
			o.Memory.Version = in.live.Version
		}
	}
	rep := correlate.Attribute(c.tl, mem, in.options(correlate.SourceCapture, j, sf, fs))
	o.Attribution = &rep
	o.Notes = append(o.Notes, fixedDefectNotes(in.running, &rep)...)
	return o
}

// fixedDefectNotes says, for a server whose version fixed a known leak,
// that the traffic which triggered it in earlier releases is not expected
// to leak here: an operator who upgraded from 5.2.3 to 5.2.4 sees the
// Proxy-Require failures without a suspect and should know why.
func fixedDefectNotes(running string, rep *correlate.Report) []report.Note {
	v, err := sipparse.ParseVersion(running)
	if running == "" || err != nil {
		return nil
	}
	var out []report.Note
	for _, d := range sipparse.FixedDefects(v) {
		if d.Check == 0 {
			continue
		}
		var n uint64
		for _, s := range rep.Suspects {
			if s.Rules&uint32(d.Check) != 0 {
				n += s.Count
			}
		}
		for _, b := range rep.MalformedWithoutImpact {
			if b.Rules&uint32(d.Check) != 0 {
				n += b.Count
			}
		}
		if n == 0 {
			continue
		}
		out = append(out, report.Note{Kind: "known defect", Text: fmt.Sprintf("%s (%s) is fixed in this version, Kamailio %s (affected: %s): the %d malformed messages failing check %d (%s) are not expected to leak",
			d.ID, d.Title, v, d.Affected, n, d.Check, sipparse.RuleName(uint32(d.Check)))})
	}
	return out
}

// options are the attribution options of the run: the flags, whose counts
// are regressed (src), the running version (the server's, else the one
// given with --kamailio-version, else unknown), the sanity configuration
// the remediation starts from, and the known defects of the judged version.
func (in *offenderInput) options(src correlate.Source, j *judge, sf *sanityFlags, fs *flag.FlagSet) correlate.Options {
	running := in.running
	if running == "" {
		running = sf.version // given explicitly; "" stays unknown
	}
	opts := correlate.Options{Bucket: in.flags.bucket, Source: src, Version: running,
		Sanity: remediationConfig(j, fs), Defects: correlateDefects(j.version), MinBytesPerMessage: in.flags.minLeak}
	if in.flags.baseline == "zero" {
		opts.Baseline = correlate.BaselineZero
	}
	return opts
}

// remediationConfig is the sanity configuration the remediation starts
// from: the kamailio.cfg's modparams and explicit sanity_check masks, or
// the mask in use as default_checks when there is no cfg (or --checks
// overrides it).
func remediationConfig(j *judge, fs *flag.FlagSet) correlate.SanityConfig {
	sc := correlate.SanityConfig{DefaultChecks: uint32(j.reqCfg.Checks), URIChecks: uint32(j.reqCfg.URIChecks),
		ProxyRequire: j.reqCfg.ProxyRequire}
	cfg := j.cfg
	if cfg == nil || flagSet(fs, "checks") {
		return sc
	}
	sc.DefaultChecks, sc.URIChecks = uint32(cfg.DefaultChecks), uint32(cfg.URIChecks)
	for i := range cfg.Calls {
		call := &cfg.Calls[i]
		if forReq, _ := callRoutes(call); forReq && call.MsgChecks >= 0 {
			sc.Explicit = append(sc.Explicit, uint32(call.MsgChecks))
		}
	}
	return sc
}

// correlateDefects converts the known defects of the judged version into
// correlate's table: the pkg leaks with their sanity bit. Only defects that
// affect v are listed, so the affected range is v itself.
func correlateDefects(v sipparse.Version) []correlate.KnownDefect {
	var out []correlate.KnownDefect
	for _, d := range knownDefects(v) {
		if d.Crash || d.Check == 0 {
			continue
		}
		kd := correlate.KnownDefect{ID: d.ID, Rules: uint32(d.Check), Pool: correlate.PoolPkg,
			Affected:  []correlate.VersionRange{{From: v.String(), To: v.String()}},
			UsedBytes: float64(d.LeakUsedBytes), RealUsedBytes: float64(d.LeakRealUsedBytes), Summary: d.Title}
		for _, f := range strings.Split(d.FixedIn, ",") {
			if f = strings.TrimSpace(f); f != "" {
				kd.FixedIn = append(kd.FixedIn, f)
			}
		}
		out = append(out, kd)
	}
	return out
}

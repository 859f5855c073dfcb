package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/report"
)

// liveExportFlags are capture's --es-export flags: the same export as
// analyze's, so that a fleet of capture agents feeds one `analyze --from-es`.
type liveExportFlags struct {
	index   string
	agent   string
	retries int
	force   bool
}

func (f *liveExportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.index, "es-export", "", "bulk-index one document per malformed message and per-minute per-UA rollups into this index (and INDEX-rollup); server from --es or $"+esquery.EnvURL)
	fs.StringVar(&f.agent, "es-agent", "", "observer.name of the exported documents (default: the host name)")
	fs.IntVar(&f.retries, "es-retries", 6, "re-sends of export documents Elasticsearch refuses with 429 or 5xx before they count as rejected")
	fs.BoolVar(&f.force, "es-export-force", false, "let --es-export overwrite an index template or write into an index that sipcorr did not create")
}

// startLiveExport connects to Elasticsearch and plugs an export sink into r.
// The caller closes the client after finishLiveExport.
func startLiveExport(ctx context.Context, e *env, r *liveRun, f *liveExportFlags, esURL string) (*esquery.Client, error) {
	if f.retries < 1 {
		return nil, fmt.Errorf("--es-retries must be at least 1")
	}
	cfg := esquery.ConfigFromEnv(os.Getenv)
	if esURL != "" {
		cfg.URLs = strings.Split(esURL, ",")
	}
	if len(cfg.URLs) == 0 {
		return nil, fmt.Errorf("--es-export needs --es URL or $%s", esquery.EnvURL)
	}
	agent := f.agent
	if agent == "" {
		if h, err := os.Hostname(); err == nil { // without it observer.name stays unset
			agent = h
		}
	}
	// The capture ends on SIGINT, which cancels ctx; the export must still
	// flush what it holds then. Each request keeps its own timeout.
	ctx = context.WithoutCancel(ctx)
	c, err := esquery.Connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	sink, err := newExportSink(ctx, e, c, f.index, agent, f.retries, f.force)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("--es-export %s: %w", f.index, err)
	}
	iface, inner := "live:"+r.src.Interface(), r.add
	r.export = sink
	r.add = func(m *judged) {
		inner(m)
		sink.add(iface, m)
	}
	return c, nil
}

// finishLiveExport flushes the export; its summary goes into the final
// report, and a failure makes the run faulty.
func finishLiveExport(e *env, r *liveRun) (failed bool) {
	if r.export == nil {
		return false
	}
	r.exportSum = r.export.close()
	if r.exportSum.Error != "" {
		fmt.Fprintf(e.stderr, "sipcorr capture: --es-export %s: %s\n", r.exportSum.Index, report.TerminalSafe(r.exportSum.Error))
		return true
	}
	return false
}

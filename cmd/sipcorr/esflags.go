package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/esquery"
)

// listFlag is a repeatable flag whose values may also be comma lists.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// logFlags are analyze's flags for the server-log signal (--logs, --es),
// the export of verdicts (--es-export) and the analysis of exported
// verdicts (--from-es). The Elasticsearch password is never a flag: it
// comes from $SIPCORR_ES_PASSWORD (or the URL), so it does not show in ps.
type logFlags struct {
	logs     listFlag
	logsYear int
	logsTZ   string

	es         string
	esUser     string
	esAPIKey   string
	esCA       string
	esInsecure bool
	esSniff    bool
	esTimeout  time.Duration

	esIndex     string
	esFrom      string
	esTo        string
	timeField   string
	msgField    string
	phrases     listFlag
	extra       string
	pattern     string
	mode        string
	esExport    string
	esAgent     string
	esRetries   int
	fromES      string
	indexWasSet bool

	uaField, srcField, portField string
	allowPartial                 bool
	exportForce                  bool
	// envURL is $SIPCORR_ES_URL at registration: it stands in for --es.
	envURL string

	// timelineUAs is the UA cap of timelines the log run creates itself
	// (from --max-uas; set by analyze).
	timelineUAs int
}

func (f *logFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.logs, "logs", "Kamailio log file with \"Malformed SIP\" lines (syslog/journal text or NDJSON, plain or gzip); repeatable or a comma list. With --memory, works without a capture")
	fs.IntVar(&f.logsYear, "logs-year", 0, "year of RFC 3164 syslog timestamps without one (default: from the file's modification time)")
	fs.StringVar(&f.logsTZ, "logs-tz", "UTC", "time zone of log timestamps without one (IANA name, e.g. Europe/Berlin)")
	fs.StringVar(&f.es, "es", "", "Elasticsearch URL(s), comma-separated: query the server's \"Malformed SIP\" log lines there (default for --es-export/--from-es: $"+esquery.EnvURL+")")
	fs.StringVar(&f.esUser, "es-user", "", "Elasticsearch basic-auth user (default $"+esquery.EnvUsername+"); the password is read from $"+esquery.EnvPassword)
	fs.StringVar(&f.esAPIKey, "es-api-key", "", "Elasticsearch API key, id:key or base64 (default $"+esquery.EnvAPIKey+"; prefer the variable: flags show in ps)")
	fs.StringVar(&f.esCA, "es-ca", "", "PEM file of the CA that signed the Elasticsearch certificate (default $"+esquery.EnvCAFile+")")
	fs.BoolVar(&f.esInsecure, "es-insecure", false, "do not verify the Elasticsearch TLS certificate (testing only)")
	fs.BoolVar(&f.esSniff, "es-sniff", false, "discover the cluster's other nodes (off: behind a proxy or in containers the published addresses are often unreachable)")
	fs.DurationVar(&f.esTimeout, "es-timeout", esquery.DefaultTimeout, "timeout of one Elasticsearch request")
	fs.StringVar(&f.esIndex, "es-index", esquery.DefaultIndices, "log index pattern(s) to query; with --es-export or --from-es the logs are queried only when this is given")
	fs.StringVar(&f.esFrom, "es-from", "", "start of the log/verdict window, RFC 3339 or YYYY-MM-DD[THH:MM:SS] UTC (default: the memory's, else the capture's first time)")
	fs.StringVar(&f.esTo, "es-to", "", "end of the log/verdict window, exclusive (default: the memory's, else the capture's last time)")
	fs.StringVar(&f.timeField, "es-time-field", esquery.DefaultTimeField, "timestamp field of the log documents")
	fs.StringVar(&f.msgField, "es-message-field", esquery.DefaultMessageField, "message field of the log documents")
	fs.Var(&f.phrases, "es-phrase", "phrase a malformed-SIP log message contains; repeatable (default: \"Malformed SIP received\" and the stock kamailio.cfg lines)")
	fs.StringVar(&f.extra, "es-query", "", "extra Lucene query ANDed to the log query, e.g. host.name:edge1")
	fs.StringVar(&f.pattern, "es-pattern", "", "regular expression that extracts (?P<ua>...) and (?P<src>...) (or (?P<ip>...) and (?P<port>...)) from a log message (also for --logs)")
	fs.StringVar(&f.mode, "es-mode", "auto", "how counts are taken: auto (aggregate where a UA field is mapped, page through the rest), hits, aggregate")
	fs.StringVar(&f.esExport, "es-export", "", "bulk-index one document per malformed message and per-minute per-UA rollups into this index (and INDEX-rollup)")
	fs.IntVar(&f.esRetries, "es-retries", 6, "re-sends of export documents Elasticsearch refuses with 429 or 5xx (exponential backoff from 250 ms) before they count as rejected")
	fs.StringVar(&f.esAgent, "es-agent", "", "observer.name of the exported documents (default: the host name)")
	fs.StringVar(&f.uaField, "es-ua-field", esquery.DefaultUAField, "structured User-Agent field of the log documents (aggregated on the server where mapped as keyword, else its .keyword)")
	fs.StringVar(&f.srcField, "es-source-field", esquery.DefaultSourceField, "structured source address field of the log documents (wins over the address in the message)")
	fs.StringVar(&f.portField, "es-port-field", esquery.DefaultPortField, "structured source port field of the log documents")
	fs.BoolVar(&f.allowPartial, "es-allow-partial", false, "accept Elasticsearch answers in which some shards failed (warned about, counts are short); default: such an answer is an error")
	fs.BoolVar(&f.exportForce, "es-export-force", false, "let --es-export overwrite an index template or write into an index that sipcorr did not create")
	f.envURL = os.Getenv(esquery.EnvURL)
	fs.StringVar(&f.fromES, "from-es", "", "analyse the verdicts exported to this index (by any number of agents) instead of a capture")
}

// inputs reports whether the flags name an input besides captures, so
// analyze may run without a CAPTURE argument.
func (f *logFlags) inputs() bool { return len(f.logs) > 0 || f.queryLogs() || f.fromES != "" }

// queryLogs says whether Elasticsearch is queried for log lines: --es (or
// $SIPCORR_ES_URL) is given, and when it also serves the export or the
// read-back, the log indices were named explicitly. --es-index none turns
// it off.
func (f *logFlags) queryLogs() bool {
	if (f.es == "" && f.envURL == "") || f.esIndex == "" || f.esIndex == "none" {
		return false
	}
	return (f.esExport == "" && f.fromES == "") || f.indexWasSet
}

// needsES says whether a connection is needed at all.
func (f *logFlags) needsES() bool { return f.queryLogs() || f.esExport != "" || f.fromES != "" }

// check validates the flags against each other and the arguments; its
// errors are usage errors. memory says whether --memory was given.
func (f *logFlags) check(fs *flag.FlagSet, memory bool) error {
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "es-index" {
			f.indexWasSet = true
		}
	})
	if _, err := f.modeValue(); err != nil {
		return err
	}
	if _, err := f.parser(); err != nil {
		return err
	}
	if _, err := f.location(); err != nil {
		return err
	}
	if f.esRetries < 1 {
		return errors.New("--es-retries must be at least 1")
	}
	if f.esTimeout <= 0 {
		return errors.New("--es-timeout must be positive")
	}
	if _, _, err := f.window(); err != nil {
		return err
	}
	if f.needsES() {
		if cfg := f.config(os.Getenv); len(cfg.URLs) == 0 {
			return fmt.Errorf("--es-export and --from-es need --es URL or $%s", esquery.EnvURL)
		}
	}
	if f.fromES != "" && fs.NArg() > 0 {
		return errors.New("--from-es reads verdicts instead of captures: give either CAPTURE files or --from-es (export the captures with --es-export first)")
	}
	from, to, _ := f.window()
	if (f.queryLogs() || f.fromES != "") && (from.IsZero() || to.IsZero()) && !memory && fs.NArg() == 0 {
		return errors.New("--es and --from-es need a time window: --es-from and --es-to, or --memory or a capture to take it from")
	}
	if f.esExport != "" && fs.NArg() == 0 {
		return errors.New("--es-export exports the verdicts of CAPTURE files: none given")
	}
	if f.esExport != "" && f.esExport == f.fromES {
		return errors.New("--es-export and --from-es name the same index: the run would read what it writes")
	}
	return nil
}

// config is the connection: the environment, overridden by the flags.
func (f *logFlags) config(getenv func(string) string) esquery.Config {
	cfg := esquery.ConfigFromEnv(getenv)
	if f.es != "" {
		cfg.URLs = nil
		for _, u := range strings.Split(f.es, ",") {
			if u = strings.TrimSpace(u); u != "" {
				cfg.URLs = append(cfg.URLs, u)
			}
		}
	}
	if f.esUser != "" {
		cfg.Username = f.esUser
	}
	if f.esAPIKey != "" {
		cfg.APIKey = f.esAPIKey
	}
	if f.esCA != "" {
		cfg.CAFile = f.esCA
	}
	if f.esInsecure {
		cfg.Insecure = true
	}
	cfg.Sniff = f.esSniff
	cfg.Timeout = f.esTimeout
	cfg.AllowPartial = f.allowPartial
	return cfg
}

func (f *logFlags) modeValue() (esquery.Mode, error) {
	switch f.mode {
	case "auto", "":
		return esquery.ModeAuto, nil
	case "hits":
		return esquery.ModeHits, nil
	case "aggregate":
		return esquery.ModeAggregate, nil
	}
	return 0, fmt.Errorf("--es-mode: %q is not auto, hits or aggregate", f.mode)
}

func (f *logFlags) parser() (*regexp.Regexp, error) {
	if f.pattern == "" {
		return nil, nil
	}
	re, err := regexp.Compile(f.pattern)
	if err != nil {
		return nil, fmt.Errorf("--es-pattern: %v", err)
	}
	if _, err := esquery.NewLineParser(re); err != nil {
		return nil, fmt.Errorf("--es-pattern: %v", err)
	}
	return re, nil
}

func (f *logFlags) location() (*time.Location, error) {
	loc, err := time.LoadLocation(f.logsTZ)
	if err != nil {
		return nil, fmt.Errorf("--logs-tz: %v", err)
	}
	return loc, nil
}

// query is the log query without its window.
func (f *logFlags) query() esquery.Query {
	re, _ := f.parser() // checked by check
	mode, _ := f.modeValue()
	q := esquery.Query{Indices: f.esIndex, TimeField: f.timeField, MessageField: f.msgField, Extra: f.extra,
		Pattern: re, Mode: mode, UAField: f.uaField, SourceField: f.srcField, PortField: f.portField}
	if len(f.phrases) > 0 {
		q.Phrases = append([]string(nil), f.phrases...)
	}
	return q
}

// window parses --es-from/--es-to; zero times are unset.
func (f *logFlags) window() (from, to time.Time, err error) {
	if from, err = parseWhen(f.esFrom); err != nil {
		return from, to, fmt.Errorf("--es-from: %v", err)
	}
	if to, err = parseWhen(f.esTo); err != nil {
		return from, to, fmt.Errorf("--es-to: %v", err)
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, errors.New("--es-to must be after --es-from")
	}
	return from, to, nil
}

// parseWhen reads RFC 3339 (with or without fraction) or a date and time
// without zone, taken as UTC.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (want RFC 3339, e.g. 2026-11-29T10:00:00Z, or YYYY-MM-DD)", s)
}

// esName names the cluster for people: its URLs without credentials.
func esName(cfg esquery.Config) string {
	var hosts []string
	for _, u := range cfg.URLs {
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			p.User = nil
			hosts = append(hosts, p.String())
		} else {
			hosts = append(hosts, "(unparsable URL)")
		}
	}
	return strings.Join(hosts, ",")
}

func (f *logFlags) agent() string {
	if f.esAgent != "" {
		return f.esAgent
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "sipcorr"
}

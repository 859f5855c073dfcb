package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sipcorr/sipcorr/sipparse"
	"github.com/sipcorr/sipcorr/sipparse/kamcfg"
)

// sanityFlags are the flags that say which Kamailio is being imitated; analyze
// and check share them so that both judge alike.
type sanityFlags struct {
	version      string
	checks       uint
	uriChecks    uint
	replyChecks  int
	proxyRequire string
	kamailioCfg  string
}

func (f *sanityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.version, "kamailio-version", "", "Kamailio version to imitate: 5.2, 5.2.3, 5.6, 6.1, master (default: newest release)")
	fs.UintVar(&f.checks, "checks", 3047, "sanity check mask for requests (modparam default_checks)")
	fs.UintVar(&f.uriChecks, "uri-checks", 7, "URI mask for check 1024 (modparam uri_checks)")
	fs.IntVar(&f.replyChecks, "reply-checks", -1, "sanity check mask for replies, with uri_checks 6; 0 = replies are not checked (default: 17604 as the stock cfg of 5.3+, 0 for older)")
	fs.StringVar(&f.proxyRequire, "proxy-require", "", "modparam proxy_require: comma-separated extensions the proxy supports")
	fs.StringVar(&f.kamailioCfg, "kamailio-cfg", "", "read the sanity modparams and sanity_check() masks from this kamailio.cfg")
}

// judge holds one engine for requests and one for replies, as a kamailio.cfg
// can call sanity_check with different masks in request_route and reply_route.
type judge struct {
	version  sipparse.Version
	requests *sipparse.Engine
	replies  *sipparse.Engine // nil: replies are not checked
	reqCfg   sipparse.Config
	from     string         // where the configuration came from
	cfg      *kamcfg.Config // the --kamailio-cfg read, nil without one
}

// Judge fills v for m.
func (j *judge) Judge(m *sipparse.Message, v *sipparse.Verdict) {
	if m.IsRequest {
		j.requests.Judge(m, v)
		return
	}
	if j.replies != nil {
		j.replies.Judge(m, v)
		return
	}
	// Replies that no sanity_check() sees still meet the core parser.
	j.requests.JudgeCore(m, v)
}

// build turns the flags into engines; explicit flags win over a kamailio.cfg.
// It writes what it found in a cfg to log (stderr).
func (f *sanityFlags) build(fs *flag.FlagSet, log io.Writer) (*judge, error) {
	ver := sipparse.LatestRelease()
	if f.version != "" {
		v, err := sipparse.ParseVersion(f.version)
		if err != nil {
			return nil, fmt.Errorf("--kamailio-version: %w", err)
		}
		ver = v
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })

	req := sipparse.Config{Version: ver, Checks: sipparse.Check(f.checks), URIChecks: uint8(f.uriChecks),
		ProxyRequire: sipparse.ParseProxyRequireList(f.proxyRequire)}
	replyChecks, replyURI := defaultReplyMask(ver), uint8(6)
	from := "defaults"
	var kcfg *kamcfg.Config
	if set["checks"] || set["uri-checks"] || set["proxy-require"] {
		from = "flags"
	}
	if f.kamailioCfg != "" {
		cfg, err := kamcfg.Options{Version: ver.String()}.ParseFile(f.kamailioCfg)
		if err != nil {
			return nil, err
		}
		kcfg = cfg
		found := fromKamailioCfg(cfg, &req, &replyChecks, &replyURI, set)
		fmt.Fprintf(log, "sipcorr: %s: %s\n", f.kamailioCfg, found)
		from = f.kamailioCfg
	}
	if set["reply-checks"] {
		replyChecks = f.replyChecks
	}
	reqEngine, err := sipparse.NewEngine(req)
	if err != nil {
		return nil, fmt.Errorf("sanity configuration for requests: %w", err)
	}
	j := &judge{version: ver, requests: reqEngine, reqCfg: req, from: from, cfg: kcfg}
	if replyChecks > 0 {
		rc := req
		rc.Checks, rc.URIChecks = sipparse.Check(replyChecks), replyURI
		if j.replies, err = sipparse.NewEngine(rc); err != nil {
			return nil, fmt.Errorf("sanity configuration for replies: %w", err)
		}
	}
	return j, nil
}

// defaultReplyMask is what the stock kamailio.cfg of that version checks in
// reply_route: nothing before 5.3.0, 17604 with uri_checks 6 since.
func defaultReplyMask(v sipparse.Version) int {
	if v.Master || v.Major > 5 || (v.Major == 5 && v.Minor >= 3) {
		return 17604
	}
	return 0
}

// fromKamailioCfg applies what a kamailio.cfg says to the configs, except
// what an explicit flag set, and describes what it found.
func fromKamailioCfg(cfg *kamcfg.Config, req *sipparse.Config, replyChecks *int, replyURI *uint8, set map[string]bool) string {
	var notes []string
	if !set["proxy-require"] {
		req.ProxyRequire = sipparse.ParseProxyRequireList(cfg.ProxyRequire)
	}
	if !cfg.Loaded {
		notes = append(notes, "sanity.so is not loaded")
	}
	// A message meets every sanity_check() on its route; with several calls
	// it is malformed when any of them fails, so the masks are combined.
	var reqMask, reqURI, repMask, repURI int
	var reqCalls, repCalls, variable int
	for i := range cfg.Calls {
		c := &cfg.Calls[i]
		notes = append(notes, fmt.Sprintf("%s in %s at line %d", c.Raw, c.Route, c.Line))
		m, u, ok := c.Effective(cfg)
		if !ok {
			variable++
			continue
		}
		forReq, forRep := callRoutes(c)
		if forReq {
			reqMask, reqURI, reqCalls = reqMask|m, reqURI|u, reqCalls+1
		}
		if forRep {
			repMask, repURI, repCalls = repMask|m, repURI|u, repCalls+1
		}
	}
	if variable > 0 {
		notes = append(notes, fmt.Sprintf("%d sanity_check() call(s) with a non-constant mask ignored", variable))
	}
	if reqCalls > 0 && !set["checks"] && !set["uri-checks"] {
		req.Checks, req.URIChecks = sipparse.Check(reqMask), uint8(reqURI)
		notes = append(notes, fmt.Sprintf("requests judged with checks %d, uri_checks %d%s", reqMask, reqURI, unionNote(reqCalls)))
	}
	if repCalls > 0 {
		*replyChecks, *replyURI = repMask, uint8(repURI)
		notes = append(notes, fmt.Sprintf("replies judged with checks %d, uri_checks %d%s", repMask, repURI, unionNote(repCalls)))
	} else {
		*replyChecks = 0
		notes = append(notes, "no sanity_check in a reply route: replies are not checked")
	}
	if len(cfg.Calls) == 0 {
		notes = append(notes, "no sanity_check() call found")
	}
	notes = append(notes, cfg.Warnings...)
	return strings.Join(notes, "; ")
}

// callRoutes says whether a call runs for requests, for replies, or both,
// from the top-level routes that reach it.
func callRoutes(c *kamcfg.Call) (requests, replies bool) {
	entries := c.Entries
	if len(entries) == 0 {
		entries = []string{c.Route}
	}
	for _, r := range entries {
		if isReplyRoute(r) {
			replies = true
		} else {
			requests = true
		}
	}
	return requests, replies
}

func unionNote(calls int) string {
	if calls > 1 {
		return fmt.Sprintf(" (the union of %d calls' masks)", calls)
	}
	return ""
}

// isReplyRoute reports whether a cfg block runs for SIP replies.
func isReplyRoute(route string) bool {
	return strings.HasPrefix(route, "reply_route") || strings.HasPrefix(route, "onreply_route")
}

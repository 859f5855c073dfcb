package kamailiotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/sipparse"
)

// The differential test: sipcorr's sanity engine, with the profile of each
// release, against that real Kamailio release (every build Targets finds:
// under CI the six of CIVersions) on every message of testdata/sip, the
// corpus message files, every SIP message in the corpus captures and
// sipmutate's mutants. Any disagreement fails; so does any message a
// release did not judge unless it is a recorded crasher of that release.
//
//	go test ./internal/kamailiotest -run Diff -v
//	KAMAILIOTEST_DIFF_OUT=/tmp/diff-{v}.jsonl go test ./internal/kamailiotest -run Diff   # every disagreement as JSON lines, per release

// diffConfig is one engine configuration compared with one whole-mask
// verdict of the oracle.
type diffConfig struct {
	name         string
	checks       uint32
	uri          uint8
	proxyRequire string
}

// diffConfigs: every 5.6 check with each uri_checks variant, and the masks
// operators run (module default, stock cfg), plus a non-empty
// proxy_require list.
var diffConfigs = []diffConfig{
	{"all/15", AllChecks56, 15, ""},
	{"all/1", AllChecks56, 1, ""},
	{"all/2", AllChecks56, 2, ""},
	{"all/4", AllChecks56, 4, ""},
	{"all/8", AllChecks56, 8, ""},
	{"all/7", AllChecks56, 7, ""},
	{"default 3047/7", 3047, 7, ""},
	{"stock 17895/7", 17895, 7, ""},
	{"stock reply 17604/6", 17604, 6, ""},
	{"all/15 proxy_require", AllChecks56, 15, testProxyRequire},
	{"default 3047/7 proxy_require", 3047, 7, testProxyRequire},
}

// disagreement is one field on which sipcorr and Kamailio differ.
type disagreement struct {
	Config   string `json:"config"`
	Source   string `json:"source"`
	Field    string `json:"field"` // core_drop, bit N, first, code, reason, no_reply
	Kamailio string `json:"kamailio"`
	Sipcorr  string `json:"sipcorr"`
	Detail   string `json:"detail,omitempty"` // sipcorr's Detail()
}

// tally counts comparisons per field.
type tally struct {
	compared, agreed map[string]int
}

func newTally() tally { return tally{compared: map[string]int{}, agreed: map[string]int{}} }

func (t tally) add(field string, ok bool) {
	t.compared[field]++
	if ok {
		t.agreed[field]++
	}
}

func TestDiff(t *testing.T) {
	all, runs := allRuns(t)
	for _, r := range runs {
		t.Run(r.target.Version, func(t *testing.T) { diffVersion(t, all, r) })
	}
}

// diffVersion compares one release's verdicts with the engine's profile
// for it. Every message must be judged, except the exact messages recorded
// as crashers of this release.
func diffVersion(t *testing.T, all []Item, r *versionRun) {
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkCrashes(t, r)
	version, err := sipparse.ParseVersion(r.target.Version)
	if err != nil {
		t.Fatalf("sipcorr has no profile for Kamailio %s: %v", r.target.Version, err)
	}
	var diffs []disagreement
	totalCompared, judged, judgedAll := 0, 0, 0
	for ci, dc := range diffConfigs {
		eng, err := sipparse.NewEngine(sipparse.Config{
			Version:      version,
			Checks:       sipparse.Check(dc.checks),
			URIChecks:    dc.uri,
			ProxyRequire: sipparse.ParseProxyRequireList(dc.proxyRequire),
		})
		if err != nil {
			t.Fatalf("%s: NewEngine: %v", dc.name, err)
		}
		tl := newTally()
		var m sipparse.Message
		var sv sipparse.Verdict
		crashers, unjudged := 0, 0
		for i, it := range all {
			kv, err := r.obs[dc.proxyRequire][i].Verdict(dc.checks, dc.uri)
			if errors.Is(err, ErrCrasher) {
				crashers++
				continue
			}
			if err != nil {
				unjudged++
				if unjudged <= 5 {
					t.Errorf("%s %s: Kamailio %s could not judge it: %v", dc.name, it.Source, r.target.Version, err)
				}
				continue
			}
			// ErrNotSIP and ErrEmpty still leave m ready for Judge, which
			// then reports the core drop; any other error is a bug.
			if err := sipparse.Parse(it.Raw, &m); err != nil && !errors.Is(err, sipparse.ErrNotSIP) && !errors.Is(err, sipparse.ErrEmpty) {
				t.Fatalf("%s: Parse: %v", it.Source, err)
			}
			eng.Judge(&m, &sv)
			diffs = append(diffs, compare(dc, it.Source, kv, &sv, tl)...)
		}
		if unjudged > 0 {
			t.Errorf("%s: %d messages not judged by Kamailio %s (not known crashers)", dc.name, unjudged, r.target.Version)
		}
		if ci == 0 {
			judged = len(all) - crashers - unjudged
		}
		judgedAll += len(all) - crashers - unjudged
		n := 0
		for _, c := range tl.compared {
			n += c
		}
		totalCompared += n
		t.Logf("%-30s %s; %d crashers excluded", dc.name+":", summary(tl, unjudged), crashers)
	}
	if min := minJudged(len(all)); judged < min || judged == 0 {
		t.Errorf("Kamailio %s judged %d messages, want at least %d (and more than none)", r.target.Version, judged, min)
	}
	// Every judged message yields at least core_drop under every
	// configuration; fewer compared values means compare skipped work
	// (a run that compares nothing must not pass).
	if totalCompared < judgedAll || totalCompared == 0 {
		t.Errorf("Kamailio %s: compared %d values, want at least %d (one per judged message and configuration)",
			r.target.Version, totalCompared, judgedAll)
	}
	t.Logf("Kamailio %s: compared %d values (core_drop, each check bit, first, code, reason, no-reply flag) over %d judged messages and %d configurations: %d disagreements",
		r.target.Version, totalCompared, judged, len(diffConfigs), len(diffs))
	if len(diffs) == 0 {
		return
	}
	if path := os.Getenv("KAMAILIOTEST_DIFF_OUT"); path != "" {
		writeDiffs(t, strings.ReplaceAll(path, "{v}", r.target.Version), diffs)
	}
	open, err := openDisagreements(openDisagreementsFile)
	if err != nil {
		t.Fatal(err)
	}
	if ceiling, ok := open[r.target.Version]; ok && len(diffs) <= ceiling {
		// A ratchet, not an acceptance: the profile does not equal this
		// release yet (issue 12), and these are the disagreements left
		// at the last recorded run. Any new one fails.
		t.Logf("OPEN: %d disagreements with Kamailio %s, within the recorded ceiling %d (%s): the profile is not yet exact",
			len(diffs), r.target.Version, ceiling, openDisagreementsFile)
		if len(diffs) < ceiling {
			t.Logf("fewer than recorded: lower %s's ceiling in %s to %d", r.target.Version, openDisagreementsFile, len(diffs))
		}
		return
	}
	reportDiffs(t, r.target.Version, diffs)
}

// openDisagreementsFile records, per release, how many disagreeing values
// TestDiff still finds: the ceiling a run may not exceed until the profile
// equals the release (then the entry is deleted and any disagreement
// fails). Releases not listed must agree on every value.
var openDisagreementsFile = filepath.Join("testdata", "open-disagreements.json")

// openDisagreements reads openDisagreementsFile: {"5.2.3": 7962, ...}. A
// missing file means no open disagreements.
func openDisagreements(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// minJudged is the least number of messages a release must judge: all but
// a handful (crashers) and, under CI, the 20 000 mutants on top of the
// corpus.
func minJudged(total int) int {
	return total - total/100
}

// compare records every field of one message under one configuration.
func compare(dc diffConfig, source string, kv Verdict, sv *sipparse.Verdict, tl tally) []disagreement {
	var out []disagreement
	check := func(field string, k, s any) bool {
		ok := fmt.Sprint(k) == fmt.Sprint(s)
		tl.add(field, ok)
		if !ok {
			out = append(out, disagreement{Config: dc.name, Source: source, Field: field,
				Kamailio: fmt.Sprint(k), Sipcorr: fmt.Sprint(s), Detail: sv.Detail()})
		}
		return ok
	}
	if !check(sipparse.RuleNameCoreDrop, kv.CoreDrop, sv.CoreDrop) || kv.CoreDrop {
		return out
	}
	for _, b := range bits56 {
		if dc.checks&b != 0 {
			check(fmt.Sprintf("bit %5d %s", b, sipparse.RuleName(b)), kv.Failed&b != 0, uint32(sv.Failed)&b != 0)
		}
	}
	check("first", bitName(kv.First), bitName(uint32(sv.First)))
	check("code", kv.Code, sv.Code)
	check("reason", kv.Reason, sv.Reason)
	if kv.NoReplyKnown && kv.First != 0 {
		check("no_reply_flag", kv.NoReply, sv.NoReplyFlag)
	}
	return out
}

func summary(tl tally, notJudged int) string {
	fields := make([]string, 0, len(tl.compared))
	for f := range tl.compared {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var b strings.Builder
	for _, f := range fields {
		if tl.agreed[f] != tl.compared[f] {
			fmt.Fprintf(&b, " [%s %d/%d]", strings.Join(strings.Fields(f), " "), tl.agreed[f], tl.compared[f])
		}
	}
	n, a := 0, 0
	for _, f := range fields {
		n += tl.compared[f]
		a += tl.agreed[f]
	}
	s := fmt.Sprintf("%d/%d values agree", a, n)
	if b.Len() > 0 {
		s += "; disagreeing fields:" + b.String()
	}
	if notJudged > 0 {
		s += fmt.Sprintf("; %d messages Kamailio did not judge", notJudged)
	}
	return s
}

// reportDiffs fails the test with the disagreements, grouped by config and
// field, at most a few examples per group.
func reportDiffs(t *testing.T, version string, diffs []disagreement) {
	t.Helper()
	type key struct{ config, field string }
	groups := map[key][]disagreement{}
	var keys []key
	for _, d := range diffs {
		k := key{d.Config, d.Field}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], d)
	}
	var b strings.Builder
	for _, k := range keys {
		g := groups[k]
		fmt.Fprintf(&b, "\n== %s, %s: %d messages", k.config, k.field, len(g))
		for i, d := range g {
			if i == 5 {
				fmt.Fprintf(&b, "\n   ... %d more", len(g)-5)
				break
			}
			fmt.Fprintf(&b, "\n   %s: kamailio %s, sipcorr %s (%s)", d.Source, d.Kamailio, d.Sipcorr, d.Detail)
		}
	}
	t.Errorf("sipcorr disagrees with Kamailio %s on %d values:%s", version, len(diffs), b.String())
}

func writeDiffs(t *testing.T, path string, diffs []disagreement) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, d := range diffs {
		if err := enc.Encode(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d disagreements to %s", len(diffs), path)
}

// bitName is a check bit with its name from sipparse's rule table.
func bitName(b uint32) string {
	if b != 0 && b&(b-1) == 0 && sipparse.RuleIndex(b) < sipparse.CheckCount {
		return fmt.Sprintf("%d(%s)", b, sipparse.RuleName(b))
	}
	return fmt.Sprint(b)
}

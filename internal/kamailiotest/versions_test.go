package kamailiotest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
	"github.com/sipcorr/sipcorr/internal/sipmutate"
)

// The per-release harness: every Kamailio build Targets() finds judges the
// whole corpus (testdata/sip, ../shared/corpus messages and captures, and
// sipmutate's mutants) once; TestDiff and TestCombinedMasks share the
// result. Releases run in parallel, each Kamailio on its own ports.

// crashersFile records the messages that crash a real Kamailio (findings).
var crashersFile = filepath.Join("testdata", "crashers.jsonl")

// defaultMutants is how many sipmutate messages join the corpus (issue 12:
// at least 20 000 in CI); KAMAILIOTEST_MUTANTS changes it outside CI.
const defaultMutants = 20000

// prCalls are the calls the proxy_require oracle runs: proxy_require only
// changes check 512, so the other bits come from the default oracle.
var prCalls = []Call{{Msg: 512, URI: 15}, {Msg: 3047, URI: 7}, {Msg: AllChecks56, URI: 15}}

// versionRun is one release's judgement of the corpus.
type versionRun struct {
	target  Target
	obs     map[string][]*Observation // by proxy_require ("" and testProxyRequire)
	known   int                       // known crashers not sent
	crashes []Crash                   // new crashers found in this run
	took    time.Duration
	err     error
}

var harness struct {
	sync.Mutex
	done  bool
	items []Item
	runs  []*versionRun
}

// mutantCount reads KAMAILIOTEST_MUTANTS (never below 20 000 under CI).
func mutantCount(t testing.TB) int {
	n := defaultMutants
	if s := os.Getenv("KAMAILIOTEST_MUTANTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			t.Fatalf("KAMAILIOTEST_MUTANTS=%q: want a count", s)
		}
		n = v
	}
	if needs.CI() && n < defaultMutants {
		t.Fatalf("KAMAILIOTEST_MUTANTS=%d: CI runs at least %d", n, defaultMutants)
	}
	return n
}

// mutantSeed reads KAMAILIOTEST_SEED (default 1).
func mutantSeed(t testing.TB) uint64 {
	s := os.Getenv("KAMAILIOTEST_SEED")
	if s == "" {
		return 1
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("KAMAILIOTEST_SEED=%q: %v", s, err)
	}
	return v
}

// diffTargets resolves the builds to run; skips without any (fails under
// CI, which must have all six releases).
func diffTargets(t testing.TB) []Target {
	t.Helper()
	ts, err := Targets()
	if err != nil {
		t.Fatal(err)
	}
	if needs.CI() && os.Getenv("KAMAILIOTEST_VERSIONS") == "" && os.Getenv("KAMAILIO_BIN") == "" {
		if miss := MissingCIVersions(ts); len(miss) > 0 {
			t.Fatalf("CI=true but Kamailio %v not found (apt kamailio, scripts/kamailio-releases.sh)", miss)
		}
	}
	if len(ts) == 0 {
		needs.Skip(t, "no Kamailio build found (install Debian kamailio, run scripts/kamailio-releases.sh, or set KAMAILIOTEST_VERSIONS)")
	}
	return ts
}

// allRuns judges the corpus on every target once per test binary.
func allRuns(t *testing.T) ([]Item, []*versionRun) {
	t.Helper()
	harness.Lock()
	defer harness.Unlock()
	if harness.done {
		return harness.items, harness.runs
	}
	targets := diffTargets(t)
	own, files, caps := loadAll(t)
	seed, n := mutantSeed(t), mutantCount(t)
	var muts []Item
	for _, m := range sipmutate.Generate(seed, n) {
		muts = append(muts, Item{Source: "mutant:" + m.Name, Raw: m.Raw})
	}
	items := append(append(append(append([]Item(nil), own...), files...), caps...), muts...)
	t.Logf("corpus: %d messages (%d testdata/sip, %d corpus message files, %d from corpus captures, %d sipmutate mutants of seed %d)",
		len(items), len(own), len(files), len(caps), len(muts), seed)
	known, err := ReadCrashers(crashersFile)
	if err != nil {
		t.Fatal(err)
	}
	msgs := raws(items)
	runs := make([]*versionRun, len(targets))
	start := time.Now()
	var wg sync.WaitGroup
	for i, tg := range targets {
		runs[i] = &versionRun{target: tg, obs: map[string][]*Observation{}}
		skip := map[string]bool{}
		for _, c := range known {
			if c.Version == tg.Version {
				skip[c.SHA256] = true
			}
		}
		dirs := [2]string{t.TempDir(), t.TempDir()}
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i].err = runs[i].judge(dirs, msgs, skip)
		}()
	}
	wg.Wait()
	for _, r := range runs {
		t.Logf("kamailio %s (%s): %d messages judged in %v; %d known crashers not sent, %d new crashers",
			r.target.Version, r.target.Binary, len(items), r.took.Round(time.Millisecond), r.known, len(r.crashes))
	}
	t.Logf("all %d releases judged the corpus in %v (in parallel)", len(runs), time.Since(start).Round(time.Millisecond))
	harness.done, harness.items, harness.runs = true, items, runs
	return items, runs
}

// judge runs the default and the proxy_require oracle of one release.
func (r *versionRun) judge(dirs [2]string, msgs [][]byte, skip map[string]bool) error {
	start := time.Now()
	defer func() { r.took = time.Since(start) }()
	for _, m := range msgs {
		if skip[MessageHash(m)] {
			r.known++
		}
	}
	var base, pr []*Observation
	var c1, c2 []Crash
	var e1, e2 error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		base, c1, e1 = judgeOn(dirs[0], r.target.Options(), msgs, skip)
	}()
	go func() {
		defer wg.Done()
		opts := r.target.Options()
		opts.ProxyRequire, opts.Calls = testProxyRequire, prCalls
		pr, c2, e2 = judgeOn(dirs[1], opts, msgs, skip)
	}()
	wg.Wait()
	r.crashes = mergeCrashes(c1, c2)
	if err := errors.Join(e1, e2); err != nil {
		return fmt.Errorf("kamailio %s: %w", r.target.Version, err)
	}
	r.obs[""] = base
	over := make([]*Observation, len(base))
	for i := range base {
		over[i] = overlay(base[i], pr[i])
	}
	r.obs[testProxyRequire] = over
	return nil
}

func judgeOn(dir string, opts Options, msgs [][]byte, skip map[string]bool) ([]*Observation, []Crash, error) {
	o, err := New(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	obs, crashes, err := o.JudgeAll(msgs, skip)
	if cerr := o.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return obs, crashes, err
}

// mergeCrashes joins both oracles' crashers, one per message.
func mergeCrashes(a, b []Crash) []Crash {
	seen := map[string]bool{}
	var out []Crash
	for _, c := range append(a, b...) {
		if !seen[c.SHA256] {
			seen[c.SHA256] = true
			out = append(out, c)
		}
	}
	return out
}

// overlay puts the proxy_require oracle's outcomes over the default
// oracle's for the calls it ran.
func overlay(base, pr *Observation) *Observation {
	ob := *base
	ob.Outcomes = append([]Outcome(nil), base.Outcomes...)
	switch {
	case ob.Err != nil:
		return &ob
	case pr.Err != nil:
		ob.Err = pr.Err
		return &ob
	case pr.CoreDrop != base.CoreDrop:
		ob.Err = fmt.Errorf("core drop %v with proxy_require, %v without", pr.CoreDrop, base.CoreDrop)
		return &ob
	}
	for c, i := range pr.calls {
		j, ok := base.calls[c]
		if !ok {
			ob.Err = fmt.Errorf("default oracle did not run %v", c)
			return &ob
		}
		ob.Outcomes[j] = pr.Outcomes[i]
	}
	return &ob
}

// checkCrashes fails on crashers not yet recorded (KAMAILIOTEST_RECORD_CRASHERS=1
// appends them to the crashers file, to be reviewed and committed).
func checkCrashes(t *testing.T, r *versionRun) {
	t.Helper()
	if len(r.crashes) == 0 {
		return
	}
	for _, c := range r.crashes {
		t.Errorf("NEW CRASHER: Kamailio %s died of signal %d (%s) on %q", c.Version, c.Signal, c.Log, c.Message)
	}
	if os.Getenv("KAMAILIOTEST_RECORD_CRASHERS") != "1" {
		t.Errorf("record them with KAMAILIOTEST_RECORD_CRASHERS=1 (appends to %s) and document them in the README", crashersFile)
		return
	}
	if err := appendCrashers(crashersFile, r.crashes); err != nil {
		t.Fatal(err)
	}
	t.Logf("appended %d crashers to %s", len(r.crashes), crashersFile)
}

// TestCombinedMasks checks, on every message of the corpus and for every
// release, that the verdict of a whole-mask call equals the one derived
// from single-check calls and Kamailio's order. Disagreements are Kamailio
// facts (lazy header parsing), so they are listed, not failed; a message
// the oracle could not judge (other than a recorded crasher) fails it.
func TestCombinedMasks(t *testing.T) {
	all, runs := allRuns(t)
	for _, r := range runs {
		t.Run(r.target.Version, func(t *testing.T) {
			if r.err != nil {
				t.Fatal(r.err)
			}
			obs := r.obs[""]
			masks := []Call{{3047, 7}, {17895, 7}, {17604, 6}, {AllChecks56, 15}}
			for _, m := range masks {
				agree, compared, drops, errs, crashers := 0, 0, 0, 0, 0
				for i, ob := range obs {
					v, err := ob.Verdict(m.Msg, m.URI)
					if errors.Is(err, ErrCrasher) {
						crashers++
						continue
					}
					if err != nil {
						errs++
						if errs <= 5 {
							t.Errorf("%v %s: %v", m, all[i].Source, err)
						}
						continue
					}
					if v.CoreDrop {
						drops++
						continue
					}
					compared++
					if v.CombinedAgrees {
						agree++
					} else if compared-agree <= 20 {
						t.Logf("%v %s: %s", m, all[i].Source, v.Note)
					}
				}
				if errs > 0 {
					t.Errorf("%v: %d messages not judged", m, errs)
				}
				if compared == 0 {
					t.Errorf("%v: no routed message compared", m)
				}
				t.Logf("%v: whole-mask call agrees with per-check derivation on %d of %d routed messages (%d core drops, %d crashers, %d not judged)",
					m, agree, compared, drops, crashers, errs)
			}
		})
	}
}

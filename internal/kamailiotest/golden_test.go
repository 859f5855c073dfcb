package kamailiotest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/sipcorr/sipcorr/internal/needs"
)

var update = flag.Bool("update", false, "regenerate testdata/sip/kamailio-*.verdicts.jsonl from the running Kamailio")

// goldenVersion is the Kamailio version the golden files record.
const goldenVersion = "5.6.3"

// testProxyRequire is the proxy_require list of the non-default golden
// config: two real tokens, an empty token (Kamailio keeps it, so an empty
// request token then matches) and a third token.
const testProxyRequire = "foo, sip.mysipproxy.com,,100rel"

// goldenConfigs are the configurations recorded for testdata/sip.
var goldenConfigs = []GoldenConfig{
	{File: "kamailio-5.6.3.verdicts.jsonl", Checks: AllChecks56, URIChecks: 15},
	{File: "kamailio-5.6.3.c3047-u7.verdicts.jsonl", Checks: 3047, URIChecks: 7},
	{File: "kamailio-5.6.3.c17895-u7.verdicts.jsonl", Checks: 17895, URIChecks: 7},
	{File: "kamailio-5.6.3.c17604-u6.verdicts.jsonl", Checks: 17604, URIChecks: 6},
	{File: "kamailio-5.6.3.c32767-u15-proxyrequire.verdicts.jsonl", Checks: AllChecks56, URIChecks: 15, ProxyRequire: testProxyRequire},
}

// TestGolden compares Kamailio's verdicts on testdata/sip with the golden
// files (or rewrites them with -update). Without Kamailio it still checks
// that every message file has exactly one verdict per golden file.
func TestGolden(t *testing.T) {
	own, err := LoadSIPDir(sipDir, repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]bool{}
	for _, it := range own {
		sources[it.Source] = true
	}
	if *update {
		writeGolden(t, own)
	}
	golden := map[string]map[string]Line{}
	for _, gc := range goldenConfigs {
		lines, err := ReadVerdicts(filepath.Join(sipDir, gc.File))
		if err != nil {
			t.Fatalf("%v (regenerate with go test ./internal/kamailiotest -run Golden -update)", err)
		}
		byS := map[string]Line{}
		for _, l := range lines {
			if byS[l.Source].Source != "" {
				t.Errorf("%s: %s listed twice", gc.File, l.Source)
			}
			byS[l.Source] = l
			if !sources[l.Source] {
				t.Errorf("%s: verdict for %s, which is not a message file", gc.File, l.Source)
			}
		}
		for s := range sources {
			if _, ok := byS[s]; !ok {
				t.Errorf("%s: no verdict for %s (run -update)", gc.File, s)
			}
		}
		golden[gc.File] = byS
	}

	opts := Options{}
	if v, err := opts.Version(); err == nil && v != goldenVersion {
		needs.Skip(t, "kamailio %s installed; golden files are for %s", v, goldenVersion)
	}
	got := judgeGolden(t, own)
	for _, gc := range goldenConfigs {
		for _, l := range got[gc.File] {
			want := golden[gc.File][l.Source]
			if !sameLine(l, want) {
				t.Errorf("%s %s:\n kamailio now: %s\n golden:       %s", gc.File, l.Source, mustJSON(l), mustJSON(want))
			}
		}
	}
}

// judgeGolden runs own through one oracle per proxy_require value.
func judgeGolden(t *testing.T, own []Item) map[string][]Line {
	t.Helper()
	out := map[string][]Line{}
	byPR := map[string][]GoldenConfig{}
	for _, gc := range goldenConfigs {
		byPR[gc.ProxyRequire] = append(byPR[gc.ProxyRequire], gc)
	}
	for pr, gcs := range byPR {
		o := Start(t, Options{ProxyRequire: pr})
		obs, err := o.JudgeBatch(raws(own))
		if err != nil {
			t.Fatal(err)
		}
		for _, gc := range gcs {
			for i, ob := range obs {
				v, err := ob.Verdict(gc.Checks, gc.URIChecks)
				if err != nil {
					t.Fatalf("%s: %v", own[i].Source, err)
				}
				out[gc.File] = append(out[gc.File], v.Line(own[i].Source))
			}
		}
	}
	return out
}

func writeGolden(t *testing.T, own []Item) {
	t.Helper()
	if v, err := (Options{}).Version(); err != nil || v != goldenVersion {
		t.Fatalf("-update needs kamailio %s (have %q, %v)", goldenVersion, v, err)
	}
	got := judgeGolden(t, own)
	for _, gc := range goldenConfigs {
		lines := got[gc.File]
		sort.Slice(lines, func(i, j int) bool { return lines[i].Source < lines[j].Source })
		var b bytes.Buffer
		for _, l := range lines {
			b.Write(mustJSON(l))
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(sipDir, gc.File), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := json.MarshalIndent(GoldenSet{Kamailio: goldenVersion, Files: goldenConfigs}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sipDir, GoldenIndex), append(idx, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d golden files for %d messages", len(goldenConfigs), len(own))
}

// sameLine compares what the golden files promise: everything but detail
// text ordering is exact.
func sameLine(a, b Line) bool {
	return a.Source == b.Source && a.CoreDrop == b.CoreDrop && fmt.Sprint(a.Failed) == fmt.Sprint(b.Failed) &&
		a.First == b.First && a.Code == b.Code && a.Reason == b.Reason && a.Detail == b.Detail
}

func mustJSON(l Line) []byte {
	b, err := MarshalLine(l)
	if err != nil {
		panic(err) // Line has only plain fields
	}
	return b
}

func TestGoldenIndex(t *testing.T) {
	set, err := ReadGoldenIndex(sipDir)
	if err != nil {
		t.Fatal(err)
	}
	if set.Kamailio != goldenVersion || !reflect.DeepEqual(set.Files, goldenConfigs) {
		t.Fatalf("index %+v does not list the golden configs %+v (run -update)", set, goldenConfigs)
	}
}

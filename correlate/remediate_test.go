package correlate

import (
	"reflect"
	"strings"
	"testing"
)

func TestRemediate(t *testing.T) {
	yl := Suspect{UA: yealink, First: 512, Pool: "pkg", Tokens: []TokenCount{{Token: "sip.mysipproxy.com", Count: 10}}}
	tests := []struct {
		name    string
		cfg     SanityConfig
		version string
		sus     []Suspect
		kinds   []string
		lines   []string // CfgLines-style: all lines in order
		upgrade string
	}{
		{name: "default mask 3047 without 512", sus: []Suspect{yl}, version: "5.2.3",
			kinds:   []string{"upgrade", "default_checks", "proxy_require"},
			lines:   []string{`modparam("sanity", "default_checks", 2535)`, `modparam("sanity", "proxy_require", "sip.mysipproxy.com")`},
			upgrade: "5.2.4"},
		{name: "stock cfg 17895 lacks 512: nothing about the mask", cfg: SanityConfig{DefaultChecks: 17895}, version: "5.2.4",
			sus: []Suspect{yl}, kinds: []string{"proxy_require"},
			lines: []string{`modparam("sanity", "proxy_require", "sip.mysipproxy.com")`}},
		{name: "existing proxy_require list is kept", cfg: SanityConfig{ProxyRequire: []string{"pref", "100rel"}}, version: "5.6.3",
			sus: []Suspect{yl}, kinds: []string{"default_checks", "proxy_require"},
			lines: []string{`modparam("sanity", "default_checks", 2535)`, `modparam("sanity", "proxy_require", "100rel,pref,sip.mysipproxy.com")`}},
		{name: "two rules, explicit call", cfg: SanityConfig{DefaultChecks: 3047, URIChecks: 3, Explicit: []uint32{17895}}, version: "5.6.3",
			sus:   []Suspect{{UA: snom, First: 4}, {UA: polycom, First: 32}},
			kinds: []string{"default_checks", "sanity_check"},
			lines: []string{`modparam("sanity", "default_checks", 3011)`, `sanity_check("17859", "3")`}},
		{name: "version unknown names the fixes", sus: []Suspect{yl},
			kinds: []string{"upgrade", "known_defect", "default_checks", "proxy_require"}, upgrade: "5.3.0",
			lines: []string{`modparam("sanity", "default_checks", 2535)`, `modparam("sanity", "proxy_require", "sip.mysipproxy.com")`}},
		{name: "6.1.4 regression: no fixed release", sus: []Suspect{yl}, version: "6.1.4",
			kinds: []string{"known_defect", "default_checks", "proxy_require"},
			lines: []string{`modparam("sanity", "default_checks", 2535)`, `modparam("sanity", "proxy_require", "sip.mysipproxy.com")`}},
		{name: "hostile token is not written into the cfg", version: "5.6.3",
			sus:   []Suspect{{UA: "x", First: 512, Tokens: []TokenCount{{Token: `a", "b`}, {Token: "evil\nline"}}}},
			kinds: []string{"default_checks"}, lines: []string{`modparam("sanity", "default_checks", 2535)`}},
		{name: "core drops and unknown rules have no cfg remedy", version: "5.6.3",
			sus: []Suspect{{UA: "x", First: RuleCoreDrop}, {UA: "y", First: RuleUnknown}}},
		{name: "a pkg defect does not explain shm growth", version: "5.2.3",
			sus:   []Suspect{{UA: yealink, First: 512, Pool: "shm"}},
			kinds: []string{"default_checks"}, lines: []string{`modparam("sanity", "default_checks", 2535)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := Remediate(tc.cfg, tc.version, tc.sus, testDefects)
			var kinds, lines []string
			upgrade := ""
			for _, r := range rs {
				kinds = append(kinds, r.Kind)
				lines = append(lines, r.Lines...)
				if r.Kind == "upgrade" && r.Upgrade != "" {
					upgrade = r.Upgrade
				}
				if r.Why == "" {
					t.Errorf("%s step without a reason", r.Kind)
				}
			}
			if !reflect.DeepEqual(kinds, tc.kinds) || !reflect.DeepEqual(lines, tc.lines) || upgrade != tc.upgrade {
				t.Errorf("got kinds %q lines %q upgrade %q\nwant kinds %q lines %q upgrade %q\n%+v", kinds, lines, upgrade, tc.kinds, tc.lines, tc.upgrade, rs)
			}
		})
	}
}

func TestRemediateEveryBitImplicated(t *testing.T) {
	rs := Remediate(SanityConfig{DefaultChecks: 512}, "5.6.3", []Suspect{{UA: "x", First: 512}}, nil)
	if len(rs) != 1 || len(rs[0].Lines) != 0 || !strings.Contains(rs[0].Why, "remove the sanity_check() call") {
		t.Fatalf("%+v", rs)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string][3]int{
		"5.2.3": {5, 2, 3}, "kamailio 5.6.6 (x86_64/linux) 144b61": {5, 6, 6}, "version: kamailio 5.2": {5, 2, 0}, "v6.1.4-rc1": {6, 1, 4},
	} {
		if got, ok := parseVersion(in); !ok || got != want {
			t.Errorf("parseVersion(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "kamailio", "5"} {
		if _, ok := parseVersion(in); ok {
			t.Errorf("parseVersion(%q) ok", in)
		}
	}
	d := testDefects[0]
	for v, want := range map[string]bool{"4.4.7": true, "5.0.8": true, "5.1.8": true, "5.1.9": false, "5.2.0": true, "5.2.3": true, "5.2.4": false, "5.3.0": false} {
		pv, _ := parseVersion(v)
		if d.affects(pv) != want {
			t.Errorf("GH#1990 affects %s: %v, want %v", v, !want, want)
		}
	}
}

func TestParseVersionRanges(t *testing.T) {
	got := ParseVersionRanges("4.4.x, 5.0.x, 5.1.0-5.1.8, 5.2.0-5.2.3, <= 5.5.5, all 5.2.x, 6.0.7, master >= 2026-04-26")
	want := []VersionRange{{"4.4.0", "4.4"}, {"5.0.0", "5.0"}, {"5.1.0", "5.1.8"}, {"5.2.0", "5.2.3"}, {"", "5.5.5"}, {"5.2.0", "5.2"}, {"6.0.7", "6.0.7"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	d := KnownDefect{Affected: ParseVersionRanges("4.4.x, 5.0.x, 5.1.0-5.1.8, 5.2.0-5.2.3")}
	for v, want := range map[string]bool{"4.4.7": true, "4.3.9": false, "5.0.8": true, "5.1.9": false, "5.2.3": true, "5.2.4": false, "5.6.6": false} {
		pv, _ := parseVersion(v)
		if d.affects(pv) != want {
			t.Errorf("%s: affected %v, want %v", v, !want, want)
		}
	}
}

package sipparse

import (
	"strings"
	"testing"
)

func defectIDs(ds []KnownDefect) map[string]KnownDefect {
	m := map[string]KnownDefect{}
	for _, d := range ds {
		m[d.ID] = d
	}
	return m
}

func TestKnownDefectsByVersion(t *testing.T) {
	for _, tc := range []struct {
		ver  string
		want []string
	}{
		{"5.2.3", []string{"GH1990", "CONTACT-STAR-CRASH", "TO-PARAM-LEAK"}},
		{"5.2.4", []string{"CONTACT-STAR-CRASH", "TO-PARAM-LEAK"}},
		{"5.6.2", []string{"CONTACT-STAR-CRASH"}},
		{"5.6.3", nil},
		{"6.1.4", []string{"UNSUPPORTED-BUF"}},
		{"6.1.2", nil},
		{"master", []string{"UNSUPPORTED-BUF"}},
	} {
		got := defectIDs(KnownDefects(cfgFor(t, tc.ver, 1, 7).Version))
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.ver, got, tc.want)
			continue
		}
		for _, id := range tc.want {
			if _, ok := got[id]; !ok {
				t.Errorf("%s: missing %s", tc.ver, id)
			}
		}
	}
}

// TestDefectsForYealinkOn523 is the story sipcorr exists for: a Yealink
// Proxy-Require on 5.2.3 leaks 50 B used, 154 B real_used per token
// (measured on the real 5.2.3: internal/kamtest TestGH1990Leak).
func TestDefectsForYealinkOn523(t *testing.T) {
	cfg := cfgFor(t, "5.2.3", DefaultChecks, 7)
	v := judge(t, cfg, msg("", add("Proxy-Require: sip.mysipproxy.com")))
	ds := defectIDs(DefectsFor(cfg.Version, v))
	d, ok := ds["GH1990"]
	if !ok || len(ds) != 1 {
		t.Fatalf("defects = %v, want GH1990 only", ds)
	}
	if d.LeakUsedBytes != 50 || d.LeakRealUsedBytes != 154 || !d.PerToken || d.FixedIn == "" {
		t.Errorf("GH1990 = %+v", d)
	}
	if got := v.Detail(); got != `Proxy-Require token "sip.mysipproxy.com" is not in proxy_require (empty list)` {
		t.Errorf("Detail = %q", got)
	}
	if got := string(v.UnsupportedToken()); got != "sip.mysipproxy.com" {
		t.Errorf("UnsupportedToken = %q", got)
	}
	// the workaround: 2535 = 3047 - 512
	cfg.Checks = 2535
	if v := judge(t, cfg, msg("", add("Proxy-Require: sip.mysipproxy.com"))); v.First != 0 || len(DefectsFor(cfg.Version, v)) != 0 {
		t.Errorf("with 2535: %v %v", v.First, DefectsFor(cfg.Version, v))
	}
	// fixed release
	cfg = cfgFor(t, "5.2.4", DefaultChecks, 7)
	if ds := DefectsFor(cfg.Version, judge(t, cfg, msg("", add("Proxy-Require: sip.mysipproxy.com")))); len(ds) != 0 {
		t.Errorf("5.2.4: %v", ds)
	}
}

func TestDefectsForContactStar(t *testing.T) {
	raw := msg("", set("", "REGISTER sip:biloxi.example.com SIP/2.0"), set("CSeq", "CSeq: 2 REGISTER"),
		set("Contact", "Contact: *"), add("Expires: 0"))
	for ver, crash := range map[string]bool{"5.6.2": true, "5.6.3": false, "5.5.5": true} {
		cfg := cfgFor(t, ver, CheckParseURIs, 15)
		v := judge(t, cfg, raw)
		_, got := defectIDs(DefectsFor(cfg.Version, v))["CONTACT-STAR-CRASH"]
		if got != crash {
			t.Errorf("%s: crash warning %v, want %v", ver, got, crash)
		}
		// without uri check 8 nothing dereferences the contact list
		cfg.URIChecks = 7
		if _, got := defectIDs(DefectsFor(cfg.Version, judge(t, cfg, raw)))["CONTACT-STAR-CRASH"]; got {
			t.Errorf("%s: crash warning with uri_checks 7", ver)
		}
	}
}

func TestDefectsForBrokenFromOn52(t *testing.T) {
	raw := msg("", set("From", "From: <sip:alice@atlanta.example.com>;tag=1;x=\\"))
	cfg := cfgFor(t, "5.2.3", DefaultChecks, 7)
	if _, ok := defectIDs(DefectsFor(cfg.Version, judge(t, cfg, raw)))["TO-PARAM-LEAK"]; !ok {
		t.Errorf("5.2.3: no TO-PARAM-LEAK warning for a From that parse_to rejects")
	}
	cfg = cfgFor(t, "5.6.3", DefaultChecks, 7)
	if ds := DefectsFor(cfg.Version, judge(t, cfg, raw)); len(ds) != 0 {
		t.Errorf("5.6.3: %v", ds)
	}
}

// TestDefectTriggersNeedMayTrigger: DefectsFor and AppendTriggered skip the table when
// mayTriggerDefect is false, so no trigger may fire on such a verdict; a
// new defect with another trigger must widen mayTriggerDefect.
func TestDefectTriggersNeedMayTrigger(t *testing.T) {
	var bits []Check
	for b := Check(1); b != 0 && b <= 1<<20; b <<= 1 {
		bits = append(bits, b)
	}
	for _, first := range append(bits, 0) {
		for _, code := range []int{0, 400, 420, 500} {
			for _, checked := range []bool{false, true} {
				v := &Verdict{First: first, Failed: first, Code: code, contactChecked: checked, CoreDrop: first == 0 && code == 0}
				if v.mayTriggerDefect() {
					continue
				}
				for _, d := range knownDefects {
					if d.trigger(v) {
						t.Errorf("%s triggers on %+v, which mayTriggerDefect lets through", d.ID, *v)
					}
				}
			}
		}
	}
}

// TestRegressionBareBranchHidesNoDefect: "--kamailio-version 5.2" imitates
// 5.2.8, but must not hide GH1990 (5.2.0-5.2.3, fixed 5.2.4): the defect is
// reported with the patch releases it affects and a request for the patch
// level; an exact 5.2.8 still has none.
func TestRegressionBareBranchHidesNoDefect(t *testing.T) {
	bare, err := ParseVersion("5.2")
	if err != nil || !bare.PatchGuessed || bare.String() != "5.2.8" || bare.Branch() != "5.2" {
		t.Fatalf("ParseVersion(5.2) = %+v, %v", bare, err)
	}
	for _, tc := range []struct {
		ver      string
		id       string
		want     bool
		affected string // "" = not checked
	}{
		{"5.2", "GH1990", true, "5.2.0-5.2.3 (of 5.2.x; reference: 4.4.x, 5.0.x, 5.1.0-5.1.8, 5.2.0-5.2.3)"},
		{"5.2.8", "GH1990", false, ""},
		{"5.2.3", "GH1990", true, "4.4.x, 5.0.x, 5.1.0-5.1.8, 5.2.0-5.2.3"},
		{"5.1", "GH1990", true, "5.1.0-5.1.8 (of 5.1.x; reference: 4.4.x, 5.0.x, 5.1.0-5.1.8, 5.2.0-5.2.3)"},
		{"5.6", "CONTACT-STAR-CRASH", true, "5.6.0-5.6.2 (of 5.6.x; reference: <= 5.5.5, 5.6.0-5.6.2)"},
		{"5.6.6", "CONTACT-STAR-CRASH", false, ""},
		{"6.1", "UNSUPPORTED-BUF", true, "6.1.3-6.1.4 (of 6.1.x; reference: 6.0.7, 6.1.3, 6.1.4, master >= 2026-04-26)"},
		{"5.0", "GH1990", true, "4.4.x, 5.0.x, 5.1.0-5.1.8, 5.2.0-5.2.3"}, // whole branch: nothing to ask
		{"5.8", "GH1990", false, ""},
	} {
		v, err := ParseVersion(tc.ver)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := defectIDs(KnownDefects(v))[tc.id]
		if ok != tc.want {
			t.Errorf("%s: %s listed %v, want %v", tc.ver, tc.id, ok, tc.want)
			continue
		}
		if ok && d.Affected != tc.affected {
			t.Errorf("%s: %s Affected = %q, want %q", tc.ver, tc.id, d.Affected, tc.affected)
		}
		if ok && v.PatchGuessed && tc.ver != "5.0" && !strings.Contains(d.Title, "give Version.Patch to know") {
			t.Errorf("%s: %s Title %q does not ask for the patch level", tc.ver, tc.id, d.Title)
		}
	}
	// The per-message report says the same for a 420 on Proxy-Require.
	cfg := cfgFor(t, "5.2", DefaultChecks, 7)
	if !cfg.Version.PatchGuessed {
		t.Fatalf("cfgFor(5.2) lost PatchGuessed")
	}
	verdict := judge(t, cfg, msg("", add("Proxy-Require: sip.mysipproxy.com")))
	d, ok := defectIDs(DefectsFor(cfg.Version, verdict))["GH1990"]
	if !ok || !d.PatchUnknown {
		t.Errorf("DefectsFor(5.2, 420) = %+v, want GH1990 marked PatchUnknown", d)
	}
}

// TestAppendTriggeredEqualsDefectsFor: the per-message path over a kept
// KnownDefects table finds the defects DefectsFor finds, with the texts of
// KnownDefects (a bare branch's patch releases named, which DefectsFor
// leaves out to stay allocation-free), and allocates nothing either.
func TestAppendTriggeredEqualsDefectsFor(t *testing.T) {
	for _, ver := range []string{"5.2", "5.2.3", "5.2.4", "5.6", "6.1", "6.1.4"} {
		cfg := cfgFor(t, ver, DefaultChecks, 7)
		verdict := judge(t, cfg, msg("", add("Proxy-Require: sip.mysipproxy.com")))
		table := KnownDefects(cfg.Version)
		got := AppendTriggered(nil, table, verdict)
		want := DefectsFor(cfg.Version, verdict)
		if len(got) != len(want) {
			t.Fatalf("%s: AppendTriggered %d defects, DefectsFor %d", ver, len(got), len(want))
		}
		for i := range got {
			if got[i].ID != want[i].ID || got[i].PatchUnknown != want[i].PatchUnknown {
				t.Errorf("%s: defect %d = %s (patch unknown %v), want %s (%v)", ver, i, got[i].ID, got[i].PatchUnknown, want[i].ID, want[i].PatchUnknown)
			}
			if got[i].PatchUnknown && !strings.Contains(got[i].Title, "give Version.Patch to know") {
				t.Errorf("%s: %s Title %q does not name the affected patch releases", ver, got[i].ID, got[i].Title)
			}
		}
		buf := make([]KnownDefect, 0, len(table))
		if n := testing.AllocsPerRun(100, func() { buf = AppendTriggered(buf[:0], table, verdict) }); n != 0 {
			t.Errorf("%s: AppendTriggered %.1f allocations, want 0", ver, n)
		}
	}
}

package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/internal/leaktest"
)

// realReport is what the proofs (TestRealLeakProof, TestOffenderProof)
// read of `analyze --format json`.
type realReport struct {
	Suspects []struct {
		UA              string                      `json:"ua"`
		FirstRule       uint32                      `json:"first_rule"`
		Series          string                      `json:"series"`
		Messages        uint64                      `json:"messages"`
		BytesPerMessage float64                     `json:"bytes_per_message"`
		CI              struct{ Low, High float64 } `json:"bytes_per_message_ci95"`
		Example         struct{ Header string }     `json:"example"`
		KnownDefect     *struct {
			ID       string `json:"id"`
			Affected bool   `json:"affected"`
		} `json:"known_defect"`
	} `json:"suspects"`
	Bystanders []struct {
		UA     string `json:"ua"`
		Reason string `json:"reason"`
	} `json:"malformed_without_impact"`
	Remediation []string `json:"remediation"`
	Steps       []struct {
		Kind    string   `json:"kind"`
		Lines   []string `json:"lines"`
		Upgrade string   `json:"upgrade"`
	} `json:"remediation_steps"`
	Notes []struct {
		Kind, Text string
	} `json:"notes"`
}

func analyzeReal(t *testing.T, args ...string) (realReport, string) {
	t.Helper()
	code, stdout, stderr := runCmd(t, append([]string{"analyze", "--format", "json"}, args...)...)
	if code != exitOK {
		t.Fatalf("analyze %v: exit %d: %s", args, code, stderr)
	}
	var rep realReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("analyze output: %v", err)
	}
	return rep, stdout
}

// TestRealLeakProof is issue 13's proof on the real leak: Kamailio 5.2.3
// from ../shared/kamailio with a cfg like the seed's (sanity's default
// checks, 4 UDP receivers, xlog of malformed requests, jsonrpcs) leaks pkg
// memory in sanity itself on every Proxy-Require failure (kamailio#1990).
// The phased traffic of leaktest.DefaultPlan is recorded with memwatch and
// a capture; a Munin-style CSV of the least-free process is derived from
// the recording. sipcorr must name the Yealink (rule 512), give the
// server's leak per message within 10 % of the RPC truth from the
// recording and within 25 % from the Munin CSV plus the cfg, and say to
// drop check 512 (default_checks 2535) or upgrade to 5.2.4. The same
// traffic on 5.2.4 leaks nothing and gives no suspect.
func TestRealLeakProof(t *testing.T) {
	t.Run("5.2.3", func(t *testing.T) {
		r := replayReal(t, "5.2.3", 4, 7, 36) // 3 min: the least-free process sees a quarter of the leak
		if r.Leaking < 100 || r.Truth < 50 {
			t.Fatalf("5.2.3 did not leak as kamailio#1990 does: %d leaking messages, %.1f B/message", r.Leaking, r.Truth)
		}
		estimates := map[string]float64{}
		for _, in := range []struct {
			name  string
			args  []string
			limit float64
		}{
			{"memwatch recording", []string{"--memory", r.mem, "--kamailio-cfg", r.cfg, r.pcap}, 0.10},
			{"Munin CSV of the least-free process", []string{"--memory", r.munin, "--kamailio-cfg", r.cfg, "--kamailio-version", "5.2.3", r.pcap}, 0.25},
		} {
			rep, _ := analyzeReal(t, in.args...)
			if len(rep.Suspects) == 0 {
				t.Errorf("%s: no suspect; without impact %+v; notes %+v", in.name, rep.Bystanders, rep.Notes)
				continue
			}
			top := rep.Suspects[0]
			estimates[in.name] = top.BytesPerMessage
			relErr := (top.BytesPerMessage - r.Truth) / r.Truth
			t.Logf("%s: #1 %q rule %d on %s: %.1f B/message [%.1f, %.1f], truth %.1f (%+.1f%%); %d suspect(s)",
				in.name, top.UA, top.FirstRule, top.Series, top.BytesPerMessage, top.CI.Low, top.CI.High, r.Truth, 100*relErr, len(rep.Suspects))
			if top.UA != leaktest.LeakerUA || top.FirstRule != 512 {
				t.Errorf("%s: ranked first %q rule %d, want the Yealink, rule 512", in.name, top.UA, top.FirstRule)
			}
			if math.Abs(relErr) > in.limit {
				t.Errorf("%s: %.1f B/message is %+.0f%% off the RPC truth %.1f (limit ±%.0f%%)", in.name, top.BytesPerMessage, 100*relErr, r.Truth, 100*in.limit)
			}
			if k := top.KnownDefect; k == nil || k.ID != "GH1990" || !k.Affected {
				t.Errorf("%s: known defect %+v, want GH1990, affected", in.name, k)
			}
			for _, s := range rep.Suspects[1:] {
				t.Errorf("%s: a second suspect %q (%.1f B/message)", in.name, s.UA, s.BytesPerMessage)
			}
			upgrade := false
			for _, s := range rep.Steps {
				upgrade = upgrade || s.Kind == "upgrade" && s.Upgrade == "5.2.4"
			}
			if !contains(rep.Remediation, `modparam("sanity", "default_checks", 2535)`) || !upgrade {
				t.Errorf("%s: remediation lacks default_checks 2535 or the upgrade to 5.2.4: %+v", in.name, rep.Steps)
			}
		}
		if *recordRealDemo != "" && !t.Failed() {
			writeRealDemo(t, *recordRealDemo, r, estimates)
		}
	})
	t.Run("5.2.4", func(t *testing.T) {
		r := replayReal(t, "5.2.4", 4, 7, 14)
		if r.Leaking < 100 {
			t.Fatalf("the Yealink's requests were not answered 420: %d", r.Leaking)
		}
		if r.Truth > 10 {
			t.Errorf("5.2.4 leaked %.1f B/message (kamailio#1990 is fixed there)", r.Truth)
		}
		rep, out := analyzeReal(t, "--memory", r.mem, "--kamailio-cfg", r.cfg, r.pcap)
		for _, s := range rep.Steps {
			if s.Kind == "upgrade" {
				t.Errorf("5.2.4: told to upgrade: %+v", s)
			}
		}
		for _, s := range rep.Suspects {
			t.Errorf("5.2.4: suspect %q at %.1f B/message", s.UA, s.BytesPerMessage)
		}
		if !strings.Contains(out, leaktest.LeakerUA) {
			t.Errorf("5.2.4: the Yealink is not listed at all")
		}
		fixed := false
		for _, n := range rep.Notes {
			fixed = fixed || n.Kind == "known defect" && strings.Contains(n.Text, "GH1990") && strings.Contains(n.Text, "fixed in this version")
		}
		if !fixed {
			t.Errorf("5.2.4: no note that GH1990 is fixed in this version: %+v", rep.Notes)
		}
	})
}

package correlate

import (
	"math"
	"testing"
)

const (
	yealink = "Yealink SIP-T48G 66.84.0.15"
	polycom = "PolycomVVX-VVX_410-UA/5.4.1.16246"
	snom    = "snom320/8.7.3"
)

func TestAttributeRecoversLeakAndIgnoresLoudBystander(t *testing.T) {
	tl, mem := simulate(simConfig{buckets: 400, noise: 300, seed: 1, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(1, 400, 20), leak: 24, token: "sip.mysipproxy.com"},
		{ua: polycom, rule: 32, rate: bursty(2, 400, 200), leak: 0},
	}})
	r := Attribute(tl, mem, Options{Version: "5.2.3", Defects: testDefects})
	i, s := suspectByUA(&r, yealink)
	if i != 0 {
		t.Fatalf("Yealink rank %d, want 0; suspects %+v; bystanders %+v notes %+v", i, r.Suspects, r.MalformedWithoutImpact, r.Notes)
	}
	if rel := math.Abs(s.BytesPerMessage-24) / 24; rel > 0.10 {
		t.Errorf("bytes/message %.2f, want 24 ± 10%%", s.BytesPerMessage)
	}
	if !(s.CI.Low < 24 && 24 < s.CI.High) {
		t.Errorf("CI %+v does not cover 24", s.CI)
	}
	if _, p := suspectByUA(&r, polycom); p != nil {
		t.Errorf("loud non-leaking Polycom is a suspect: %+v", p)
	}
	if b := bystanderByUA(&r, polycom); b == nil || !b.Tested {
		t.Errorf("Polycom not listed as tested bystander: %+v", b)
	}
	t.Logf("suspect: %s", s.Evidence)
	t.Logf("bystander: %+v", r.MalformedWithoutImpact)
	t.Logf("targets: %+v", r.Targets)
	t.Logf("remediation: %+v", r.Remediation)
	t.Logf("projections: %+v notes %+v", r.Projections, r.Notes)
}

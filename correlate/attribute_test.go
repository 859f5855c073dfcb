package correlate

import (
	"math"
	"reflect"
	"testing"
	"time"
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

func TestAttributeFlatMemoryNoSuspects(t *testing.T) {
	tl, mem := simulate(simConfig{buckets: 300, noise: 300, seed: 3, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(3, 300, 20)},
		{ua: polycom, rule: 32, rate: bursty(4, 300, 500)},
	}})
	r := Attribute(tl, mem, Options{})
	if len(r.Suspects) != 0 {
		t.Fatalf("flat memory gave suspects: %+v", r.Suspects)
	}
	if len(r.MalformedWithoutImpact) != 2 {
		t.Fatalf("want both UAs without impact, got %+v", r.MalformedWithoutImpact)
	}
}

func TestAttributeTwoLeakers(t *testing.T) {
	tl, mem := simulate(simConfig{buckets: 500, noise: 300, seed: 5, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(5, 500, 20), leak: 24},
		{ua: snom, rule: 4, rate: bursty(6, 500, 5), leak: 128},
		{ua: polycom, rule: 32, rate: bursty(7, 500, 300)},
	}})
	r := Attribute(tl, mem, Options{})
	for ua, want := range map[string]float64{yealink: 24, snom: 128} {
		_, s := suspectByUA(&r, ua)
		if s == nil {
			t.Fatalf("%s not found; suspects %+v", ua, r.Suspects)
		}
		if math.Abs(s.BytesPerMessage-want)/want > 0.15 {
			t.Errorf("%s: %.1f B/message, want %g ± 15%%", ua, s.BytesPerMessage, want)
		}
	}
	if _, s := suspectByUA(&r, polycom); s != nil {
		t.Errorf("non-leaker is a suspect: %+v", s)
	}
}

// Renaming the devices renames the result and nothing else; the order in
// which events arrive does not matter either.
func TestAttributePermutationInvariance(t *testing.T) {
	cfg := simConfig{buckets: 300, noise: 200, seed: 8, uas: []simUA{
		{ua: "A-phone/1.0", rule: 512, rate: bursty(8, 300, 10), leak: 40},
		{ua: "B-phone/1.0", rule: 32, rate: bursty(9, 300, 100)},
		{ua: "C-phone/1.0", rule: 4, rate: bursty(10, 300, 30), leak: 200},
	}}
	tl1, mem := simulate(cfg)
	r1 := Attribute(tl1, mem, Options{})
	// Same traffic, names permuted A→C, B→A, C→B.
	rename := map[string]string{"A-phone/1.0": "C-phone/1.0", "B-phone/1.0": "A-phone/1.0", "C-phone/1.0": "B-phone/1.0"}
	cfg2 := cfg
	cfg2.uas = append([]simUA(nil), cfg.uas...)
	for i := range cfg2.uas {
		cfg2.uas[i].ua = rename[cfg2.uas[i].ua]
	}
	tl2, mem2 := simulate(cfg2)
	r2 := Attribute(tl2, mem2, Options{})
	if len(r1.Suspects) != 2 || len(r2.Suspects) != len(r1.Suspects) {
		t.Fatalf("suspects %d vs %d", len(r1.Suspects), len(r2.Suspects))
	}
	for i, s := range r1.Suspects {
		s2 := r2.Suspects[i]
		if rename[s.UA] != s2.UA {
			t.Errorf("rank %d: %q became %q, want %q", i, s.UA, s2.UA, rename[s.UA])
		}
		if math.Abs(s.BytesPerMessage-s2.BytesPerMessage) > 1e-6*s.BytesPerMessage || s.Count != s2.Count || s.Lag != s2.Lag {
			t.Errorf("rank %d: %+v vs %+v", i, s, s2)
		}
		if math.Abs(s.CI.Low-s2.CI.Low) > 1e-6*s.BytesPerMessage || math.Abs(s.CI.High-s2.CI.High) > 1e-6*s.BytesPerMessage {
			t.Errorf("rank %d: CI %+v vs %+v", i, s.CI, s2.CI)
		}
	}
	// Arrival order: the same events added last first.
	events, _ := simulateEvents(cfg)
	tl3 := NewTimeline(TimelineOptions{Bucket: 10 * time.Second})
	for i := len(events) - 1; i >= 0; i-- {
		tl3.Add(&events[i])
	}
	tl3.Cover(SourceCapture, mem[0].Points[0].Time, mem[0].Points[len(mem[0].Points)-1].Time)
	r3 := Attribute(tl3, mem, Options{})
	if !reflect.DeepEqual(r1, r3) {
		t.Errorf("reversed arrival changed the report:\n%+v\n%+v", r1.Suspects, r3.Suspects)
	}
}

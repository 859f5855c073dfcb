package correlate

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func hasNote(r *Report, kind, substr string) bool {
	for _, n := range r.Notes {
		if n.Kind == kind && strings.Contains(n.Text, substr) {
			return true
		}
	}
	return false
}

// A restart drops memory back to its base; the drop must not be read as
// negative growth, and the buckets spanning it are left out.
func TestAttributeRestart(t *testing.T) {
	tl, mem := simulate(simConfig{buckets: 400, noise: 300, seed: 11, restart: 200, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(11, 400, 20), leak: 24},
	}})
	r := Attribute(tl, mem, Options{})
	t.Logf("window %v – %v, %d buckets, notes %+v", r.Start, r.End, r.Buckets, r.Notes)
	_, s := suspectByUA(&r, yealink)
	if s == nil {
		t.Fatalf("no suspect; notes %+v", r.Notes)
	}
	if math.Abs(s.BytesPerMessage-24)/24 > 0.10 {
		t.Errorf("bytes/message %.2f across a restart, want 24 ± 10%%", s.BytesPerMessage)
	}
	if !hasNote(&r, "restart", "1 restart") {
		t.Errorf("no restart note: %+v", r.Notes)
	}
	// Buckets of two polls: 200; the first 3+1 are the lag margin.
	if r.Buckets != 200 || r.Targets[0].Rows != 200-4-1 {
		t.Errorf("%d buckets, %d rows, want 200, %d (lag margin and the restart bucket left out)", r.Buckets, r.Targets[0].Rows, 200-4-1)
	}
}

// Pkg leaks spread over the workers that happened to read the messages,
// and the stats of a process refresh late: the sum of the processes, at
// the right lag, recovers the leak.
func TestAttributePkgWorkersWithLag(t *testing.T) {
	tl, mem := simulate(simConfig{buckets: 500, noise: 200, seed: 12, lag: 1, workers: 4, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(12, 500, 30), leak: 128, token: "sip.mysipproxy.com"},
		{ua: polycom, rule: 2048, rate: bursty(13, 500, 300)},
	}})
	for i := range mem {
		mem[i].Metric = "real_used"
	}
	// At the poll resolution the one-poll delay is a lag of one bucket.
	r := Attribute(tl, mem, Options{Bucket: 10 * time.Second, Version: "5.2.3", Defects: testDefects})
	i, s := suspectByUA(&r, yealink)
	if i != 0 {
		t.Fatalf("Yealink rank %d: %+v", i, r.Suspects)
	}
	if s.Target != "pkg (sum of processes)" || s.Lag != 1 || r.Targets[0].Lag != 1 {
		t.Errorf("target %q lag %d (common %d), want pkg sum, lag 1", s.Target, s.Lag, r.Targets[0].Lag)
	}
	if math.Abs(s.BytesPerMessage-128)/128 > 0.10 {
		t.Errorf("bytes/message %.1f, want 128 ± 10%%", s.BytesPerMessage)
	}
	if s.Defect == nil || s.Defect.ID != "GH#1990" || !s.Defect.Consistent || !s.Defect.Affected {
		t.Errorf("defect match %+v", s.Defect)
	}
	if len(r.Suspects) != 1 {
		t.Errorf("want one suspect, got %+v", r.Suspects)
	}
	if r.Weakest < 0 || r.Projections[r.Weakest].Pool != "pkg" {
		t.Errorf("weakest %d of %+v", r.Weakest, r.Projections)
	}
	lines := r.CfgLines()
	want := []string{`modparam("sanity", "default_checks", 2535)`, `modparam("sanity", "proxy_require", "sip.mysipproxy.com")`}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("cfg lines %q, want %q", lines, want)
	}
}

// Two devices whose counts move together cannot be told apart: both are
// reported with the group's estimate and each other's name.
func TestAttributeCollinearReportedIndistinguishable(t *testing.T) {
	events, mem := simulateEvents(simConfig{buckets: 300, noise: 200, seed: 14, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(14, 300, 20), leak: 60},
	}})
	tl := NewTimeline(TimelineOptions{Bucket: 10 * time.Second})
	for i := range events {
		e := events[i]
		tl.Add(&e)
		e.UA = snom // a twin that always sends alongside
		tl.Add(&e)
	}
	r := Attribute(tl, mem, Options{})
	if len(r.Suspects) != 2 {
		t.Fatalf("want both twins as suspects, got %+v", r.Suspects)
	}
	for _, s := range r.Suspects {
		if len(s.Indistinguishable) != 1 {
			t.Errorf("%s: indistinguishable %v", s.UA, s.Indistinguishable)
		}
		if math.Abs(s.BytesPerMessage-30)/30 > 0.1 { // 60 B per pair of messages
			t.Errorf("%s: %.1f B/message for the group, want 30", s.UA, s.BytesPerMessage)
		}
	}
}

// A device sending at a constant rate is collinear with baseline drift:
// with drift it is not a suspect (and says why); assuming a flat baseline
// it is.
func TestAttributeConstantRate(t *testing.T) {
	cfg := simConfig{buckets: 300, noise: 100, seed: 15, uas: []simUA{
		{ua: yealink, rule: 512, rate: constant(2000), leak: 24},
	}}
	tl, mem := simulate(cfg)
	r := Attribute(tl, mem, Options{})
	if len(r.Suspects) != 0 {
		t.Fatalf("constant sender is a suspect under drift: %+v", r.Suspects)
	}
	b := bystanderByUA(&r, yealink)
	if b == nil || !strings.Contains(b.Reason, "drift") || b.Tested {
		t.Fatalf("bystander %+v", b)
	}
	// The flat-baseline estimate is offered, without a claim.
	if math.Abs(b.BytesPerMessage-24)/24 > 0.05 || !(b.CI.Low < 24 && 24 < b.CI.High) || !hasNote(&r, "drift", "flat baseline") {
		t.Errorf("flat-baseline estimate %.2f %+v; notes %+v", b.BytesPerMessage, b.CI, r.Notes)
	}
	r = Attribute(tl, mem, Options{Baseline: BaselineZero})
	_, s := suspectByUA(&r, yealink)
	if s == nil || math.Abs(s.BytesPerMessage-24)/24 > 0.05 {
		t.Fatalf("BaselineZero: %+v", r.Suspects)
	}
}

func TestAttributeCoverageAndFewBuckets(t *testing.T) {
	events, mem := simulateEvents(simConfig{buckets: 400, noise: 200, seed: 16, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(16, 400, 20), leak: 24},
	}})
	tl := NewTimeline(TimelineOptions{Bucket: 10 * time.Second})
	for i := range events[:len(events)/2] {
		tl.Add(&events[i])
	}
	r := Attribute(tl, mem, Options{})
	if !hasNote(&r, "coverage", "covers") {
		t.Errorf("no coverage note: %+v", r.Notes)
	}
	if r.End.After(events[len(events)/2].Time) {
		t.Errorf("window end %v beyond the capture", r.End)
	}
	// Ten buckets are not enough.
	short := []MemSeries{{Name: "shm", Pool: PoolShm, Points: mem[0].Points[100:111]}}
	r = Attribute(tl, short, Options{})
	if len(r.Suspects) != 0 || !hasNote(&r, "coverage", "at least 20") {
		t.Errorf("few buckets: suspects %+v notes %+v", r.Suspects, r.Notes)
	}
	if b := bystanderByUA(&r, yealink); b == nil || b.Tested {
		t.Errorf("bystander %+v", b)
	}
	// Nothing at all still gives a well-formed, marshalable report.
	r = Attribute(NewTimeline(TimelineOptions{}), nil, Options{})
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

// The JSON contract the report package relies on.
func TestReportJSONKeys(t *testing.T) {
	tl, mem := simulate(simConfig{buckets: 300, noise: 300, seed: 17, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(17, 300, 20), leak: 24, token: "sip.mysipproxy.com"},
		{ua: polycom, rule: 32, rate: bursty(18, 300, 200)},
	}})
	r := Attribute(tl, mem, Options{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	s := m["suspects"].([]any)[0].(map[string]any)
	for _, k := range []string{"ua", "rules", "bytes_per_message", "bytes_per_message_ci95"} {
		if _, ok := s[k]; !ok {
			t.Errorf("suspect lacks %q: %v", k, s)
		}
	}
	if s["ua"] != yealink {
		t.Errorf("ua %v", s["ua"])
	}
	if u := m["malformed_without_impact"].([]any)[0].(map[string]any)["ua"]; u != polycom {
		t.Errorf("without impact: %v", u)
	}
	if l, ok := m["remediation"].([]any); !ok || len(l) != 2 || l[0] != `modparam("sanity", "default_checks", 2535)` {
		t.Errorf("remediation lines %v", m["remediation"])
	}
	if _, ok := m["remediation_steps"]; !ok {
		t.Errorf("no remediation_steps")
	}
}

// Capture and log hits of the same messages are not added up; a pkg leak
// is found in the pkg sum, not in shm, with both pools regressed.
func TestAttributeSourcesAndPools(t *testing.T) {
	events, pkgMem := simulateEvents(simConfig{buckets: 400, noise: 200, seed: 21, workers: 3, uas: []simUA{
		{ua: yealink, rule: 512, rate: bursty(21, 400, 20), leak: 128, token: "sip.mysipproxy.com"},
		{ua: polycom, rule: 32, rate: bursty(22, 400, 100)},
	}})
	_, shmMem := simulateEvents(simConfig{buckets: 400, noise: 500, seed: 23, uas: []simUA{{ua: "none", rate: constant(0)}}})
	tl := NewTimeline(TimelineOptions{})
	for i := range events {
		e := events[i]
		tl.Add(&e)
		if e.UA == yealink && i%2 == 0 { // half of them also logged
			l := Event{Time: e.Time, UA: e.UA, First: RuleUnknown, Source: SourceLog, Src: e.Src}
			tl.Add(&l)
		}
	}
	for i := range pkgMem {
		pkgMem[i].Metric = "real_used" // 128 B per token in real_used
	}
	mem := append(pkgMem, shmMem...)
	tl.Cover(SourceCapture, mem[0].Points[0].Time, mem[0].Points[len(mem[0].Points)-1].Time)
	r := Attribute(tl, mem, Options{Version: "5.2.3", Defects: testDefects})
	if r.Source != "capture" || len(r.Targets) != 2 {
		t.Fatalf("source %s, targets %+v", r.Source, r.Targets)
	}
	i, s := suspectByUA(&r, yealink)
	if i != 0 || s.Pool != "pkg" || s.CountLog == 0 || s.CountCapture <= s.CountLog {
		t.Fatalf("suspect %d %+v", i, s)
	}
	if math.Abs(s.BytesPerMessage-128)/128 > 0.1 {
		t.Errorf("%.1f B/message, want 128 ± 10%%", s.BytesPerMessage)
	}
	if s.Defect == nil || !s.Defect.Consistent {
		t.Errorf("defect %+v", s.Defect)
	}
	if len(r.Suspects) != 1 {
		t.Errorf("suspects %+v", r.Suspects)
	}
	if r.Weakest < 0 || !strings.HasPrefix(r.Projections[r.Weakest].Series, "pkg") || s.Projection <= 0 {
		t.Errorf("weakest %d %+v, suspect projection %v", r.Weakest, r.Projections, s.Projection)
	}
	// Logs only: the log hits are regressed, the estimate doubles per hit.
	tl2 := NewTimeline(TimelineOptions{})
	for i := range events {
		if e := events[i]; e.UA == yealink && i%2 == 0 {
			l := Event{Time: e.Time, UA: e.UA, First: RuleUnknown, Source: SourceLog}
			tl2.Add(&l)
		}
	}
	tl2.Cover(SourceLog, mem[0].Points[0].Time, mem[0].Points[len(mem[0].Points)-1].Time)
	r2 := Attribute(tl2, mem, Options{})
	_, s2 := suspectByUA(&r2, yealink)
	if r2.Source != "log" || s2 == nil || s2.First != RuleUnknown {
		t.Fatalf("log-only: source %s suspect %+v", r2.Source, s2)
	}
	if len(r2.Remediation) != 0 {
		t.Errorf("an unknown rule has no cfg remedy: %+v", r2.Remediation)
	}
}

// Assuming a flat baseline, two devices sending at constant rates are one
// direction through the origin: reported together, not split at random.
func TestAttributeZeroBaselineConstantSendersIndistinguishable(t *testing.T) {
	tl, mem := simulate(simConfig{buckets: 300, noise: 100, seed: 24, uas: []simUA{
		{ua: yealink, rule: 512, rate: constant(2000), leak: 24},
		{ua: polycom, rule: 32, rate: constant(6000)},
	}})
	r := Attribute(tl, mem, Options{Baseline: BaselineZero})
	if len(r.Suspects) != 2 {
		t.Fatalf("suspects %+v", r.Suspects)
	}
	for _, s := range r.Suspects {
		if len(s.Indistinguishable) != 1 || math.Abs(s.BytesPerMessage-6)/6 > 0.05 { // 24 B × 2000 / 8000 messages
			t.Errorf("%s: %.2f B/message for the group, indistinguishable %v", s.UA, s.BytesPerMessage, s.Indistinguishable)
		}
	}
}

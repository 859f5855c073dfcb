package correlate

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// lateLeakerStream is 5 000 light UAs (30 events each, spread over the
// whole hour) that fill every cap first, one heavy innocent UA from the
// start, and a leaker that appears only in the last third with 4 000
// events: first-come bounds folded the leaker away (issue 15).
func lateLeakerStream(fn func(ua string, sec float64)) (leaker, heavyUA string, leakN int) {
	rng := rand.New(rand.NewPCG(15, 15))
	type e struct {
		ua  string
		sec float64
	}
	var evs []e
	for i := range 5000 {
		for range 30 {
			evs = append(evs, e{fmt.Sprintf("Light/%d", i), rng.Float64() * 3600})
		}
	}
	for range 20000 {
		evs = append(evs, e{"Heavy/1", rng.Float64() * 3600})
	}
	const n = 4000
	for range n {
		evs = append(evs, e{"Leaker/9", 2400 + rng.Float64()*1200})
	}
	// Time order: the leaker is met after all 5 000 light UAs.
	slices.SortFunc(evs, func(a, b e) int { return cmp.Compare(a.sec, b.sec) })
	for _, x := range evs {
		fn(x.ua, x.sec)
	}
	return "Leaker/9", "Heavy/1", n
}

// TestTimelineKeepsLateLeaker: with MaxUAs 1000 and 5 000+ UAs, the leaker
// that appears late and the heavy UA stay apart with (nearly) all their
// events; the light UAs are folded, and the fold is counted.
func TestTimelineKeepsLateLeaker(t *testing.T) {
	tl := NewTimeline(TimelineOptions{Bucket: time.Second, MaxUAs: 1000})
	var e Event
	leaker, heavyUA, n := lateLeakerStream(func(ua string, sec float64) {
		e = ev(sec, ua, 4, SourceLog)
		tl.Add(&e)
	})
	for _, ua := range []string{leaker, heavyUA} {
		u := tl.uas[ua]
		if u == nil {
			t.Fatalf("%s was folded", ua)
		}
		var got uint64
		for _, c := range u.cells {
			got += c.n
		}
		want := uint64(n)
		if ua == heavyUA {
			want = 20000
		}
		if got < want*99/100 {
			t.Errorf("%s keeps %d of %d events", ua, got, want)
		}
	}
	st := tl.Stats()
	folded, _ := tl.FoldedUAs()
	if folded < 4000 || st.FoldedEvents < 4000*30/2 || st.Evictions < uint64(folded) {
		t.Errorf("folded %d UAs, %d events, %d evictions", folded, st.FoldedEvents, st.Evictions)
	}
	// Nothing is lost: kept + folded = every event.
	var total uint64
	for _, u := range tl.entries() {
		for _, c := range u.cells {
			total += c.n
		}
	}
	if total != st.Events {
		t.Errorf("events %d, in entries %d", st.Events, total)
	}
}

// TestRegressionFoldedUACount (issue 16 point 5): the report counted the
// messages folded into "other" but never how many UAs were folded. The
// inventory and the timeline now count both, exactly below 4096 UAs.
func TestRegressionFoldedUACount(t *testing.T) {
	inv := NewInventory(InventoryLimits{MaxUAs: 100})
	tl := NewTimeline(TimelineOptions{MaxUAs: 100})
	for i := range 1000 {
		ua := fmt.Sprintf("scanner-%d", i)
		for range 1 + i%3 {
			o := obs([]byte(ua), i, srcA, "OPTIONS", 0, 0, 0)
			inv.Add(o)
			e := ev(float64(i), ua, 4, SourceCapture)
			tl.Add(&e)
		}
	}
	var kept uint64
	for _, s := range inv.UAs() {
		if s.UA != OtherUA {
			kept += s.Messages
		}
	}
	inv.FoldedUAs()
	if inv.Folded.UAs < 900 || !inv.Folded.UAsExact || inv.Folded.UAMessages+kept != 1999 {
		t.Errorf("inventory folded %+v, kept %d", inv.Folded, kept)
	}
	n, exact := tl.FoldedUAs()
	if n != inv.Folded.UAs || !exact || tl.Stats().FoldedEvents != inv.Folded.UAMessages {
		t.Errorf("timeline folded %d UAs (exact %v) %d events; inventory %+v", n, exact, tl.Stats().FoldedEvents, inv.Folded)
	}
}

// TestInventoryKeepsLateLeaker: the inventory's cap keeps the heaviest UAs.
func TestInventoryKeepsLateLeaker(t *testing.T) {
	inv := NewInventory(InventoryLimits{MaxUAs: 1000})
	leaker, heavyUA, n := lateLeakerStream(func(ua string, sec float64) {
		o := obs([]byte(ua), int(sec), srcA, "OPTIONS", 4, 4, 0)
		inv.Add(o)
	})
	got := map[string]uint64{}
	for _, s := range inv.UAs()[:3] {
		got[s.UA] = s.Messages
	}
	if got[heavyUA] < 19800 || got[leaker] < uint64(n)*99/100 {
		t.Errorf("top UAs %v", got)
	}
}

package report

import (
	"slices"
	"testing"
	"time"
)

func TestNiceRange(t *testing.T) {
	for _, tc := range []struct {
		lo, hi   float64
		nlo, nhi float64
		ticks    []float64
	}{
		{2.96, 3.98, 2.75, 4, []float64{2.75, 3, 3.25, 3.5, 3.75, 4}},
		{0, 36, 0, 40, []float64{0, 10, 20, 30, 40}},
		{5, 5, 4.7, 5.3, []float64{4.7, 4.8, 4.9, 5, 5.1, 5.2, 5.3}},
		{0, 0, 0, 1, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{20.503, 20.552, 20.5, 20.56, []float64{20.5, 20.51, 20.52, 20.53, 20.54, 20.55, 20.56}},
	} {
		nlo, nhi, ticks := niceRange(tc.lo, tc.hi, 5)
		if !near(nlo, tc.nlo) || !near(nhi, tc.nhi) || len(ticks) != len(tc.ticks) {
			t.Errorf("niceRange(%v, %v) = %v, %v, %v", tc.lo, tc.hi, nlo, nhi, ticks)
			continue
		}
		for i := range ticks {
			if !near(ticks[i], tc.ticks[i]) {
				t.Errorf("niceRange(%v, %v) ticks %v, want %v", tc.lo, tc.hi, ticks, tc.ticks)
				break
			}
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestFormatTick(t *testing.T) {
	for _, tc := range []struct {
		v, step float64
		want    string
	}{{3.25, 0.25, "3.25"}, {3, 0.25, "3.00"}, {20.51, 0.01, "20.51"}, {40, 10, "40"}, {0.5, 0.5, "0.5"}, {1e-12, 0.2, "0.0"}} {
		if got := formatTick(tc.v, tc.step); got != tc.want {
			t.Errorf("formatTick(%v, %v) = %q, want %q", tc.v, tc.step, got, tc.want)
		}
	}
}

func TestTimeTicksOnRoundLocalTimes(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800) // half-hour offset: UTC-round is not local-round
	from := time.Date(2026, 11, 2, 3, 47, 12, 0, time.UTC)
	ticks, layout := timeTicks(from, from.Add(2*time.Hour), ist, 8)
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.In(ist).Format(layout))
	}
	if want := []string{"09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00", "11:15"}; !slices.Equal(labels, want) {
		t.Errorf("ticks %v, want %v", labels, want)
	}
	ticks, layout = timeTicks(from, from.Add(3*24*time.Hour), time.UTC, 8)
	if layout != "Jan 2 15:04" || len(ticks) != 6 || ticks[0].Hour() != 12 || ticks[1].Hour() != 0 {
		t.Errorf("3-day ticks %v (%q)", ticks, layout)
	}
	ticks, layout = timeTicks(from, from.Add(10*24*time.Hour), time.UTC, 8)
	if layout != "Jan 2" || len(ticks) != 5 || ticks[0].Day() != 4 || ticks[0].Hour() != 0 {
		t.Errorf("10-day ticks %v (%q)", ticks, layout)
	}
	if got := zoneLabel(from, ist); got != "IST (UTC+05:30)" {
		t.Errorf("zone %q", got)
	}
	if got := zoneLabel(from, time.UTC); got != "UTC" {
		t.Errorf("zone %q", got)
	}
}

func TestThinKeepsExtremes(t *testing.T) {
	from := time.Unix(0, 0)
	var pts []tv
	for i := 0; i < 10000; i++ {
		v := float64(i % 7)
		if i == 5003 {
			v = 1000 // one spike must survive
		}
		pts = append(pts, tv{t: from.Add(time.Duration(i) * time.Second), v: v, brk: i == 0 || i == 6000})
	}
	out := thin(pts, from, from.Add(10000*time.Second), 900)
	if len(out) > 1000 || len(out) < 300 {
		t.Errorf("%d points after thinning", len(out))
	}
	spike, breaks := false, 0
	for i, p := range out {
		spike = spike || p.v == 1000
		if p.brk {
			breaks++
		}
		if i > 0 && p.t.Before(out[i-1].t) {
			t.Fatal("thinned points out of order")
		}
	}
	if !spike || breaks != 2 {
		t.Errorf("spike kept %v, breaks %d (want 2)", spike, breaks)
	}
}

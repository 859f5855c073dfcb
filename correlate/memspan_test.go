package correlate

import (
	"testing"
	"time"
)

// TestMemSpan: the span is over all series, whatever their order, and
// zero when there is no sample.
func TestMemSpan(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(s ...int) []MemPoint {
		var p []MemPoint
		for _, v := range s {
			p = append(p, MemPoint{Time: t0.Add(time.Duration(v) * time.Second)})
		}
		return p
	}
	for _, c := range []struct {
		name        string
		mem         []MemSeries
		first, last time.Time
	}{
		{"none", nil, time.Time{}, time.Time{}},
		{"empty series", []MemSeries{{Name: "shm"}}, time.Time{}, time.Time{}},
		{"one", []MemSeries{{Points: at(7)}}, t0.Add(7 * time.Second), t0.Add(7 * time.Second)},
		{"unordered across series", []MemSeries{{Points: at(5, 9)}, {Points: at(12, 2)}, {}},
			t0.Add(2 * time.Second), t0.Add(12 * time.Second)},
	} {
		f, l := MemSpan(c.mem)
		if !f.Equal(c.first) || !l.Equal(c.last) {
			t.Errorf("%s: MemSpan = %v, %v; want %v, %v", c.name, f, l, c.first, c.last)
		}
	}
}

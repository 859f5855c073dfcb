package correlate

import (
	"math"
	"strings"
	"testing"
)

// TestLongHorizonNoFalseSuspects is issue 13's two weeks at RRD
// resolution (5 min, 30 min, 2 h averages), one restart, 40 rare devices
// of 30-40 messages and two loud ones that leak nothing: over several
// seeds the leaker is the only suspect, and the rare devices that test
// significant on a coarse row's noise are listed with their small share.
// Before coarse rows and the share rule, 3 of 10 seeds had a rare device
// as a suspect at 2-10 kB/message.
func TestLongHorizonNoFalseSuspects(t *testing.T) {
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		c := longSim{seed: seed, days: 14, leak: 160, rate: 0.5, rare: 40, loud: 2, walk: 300, noise: 2000, restart: 5, rrd: true}
		out, r := c.judge(Options{})
		if !out.leakerFound {
			t.Errorf("seed %d: the leaker is no suspect; without impact: %v", seed, bystanderByUA(r, longLeaker))
			continue
		}
		if len(out.falseSuspects) > 0 {
			t.Errorf("seed %d: false suspects %v", seed, out.falseSuspects)
		}
		if out.estimate < 0.6*c.leak || out.estimate > 1.4*c.leak {
			t.Errorf("seed %d: %.0f B/message for a true %.0f", seed, out.estimate, c.leak)
		}
		_, s := suspectByUA(r, longLeaker)
		if s.Share <= 0.5 || s.Share > 1 {
			t.Errorf("seed %d: the leaker explains %.0f%% of the growth, want most and at most 100%%", seed, 100*s.Share)
		}
		total := 0.0
		for _, s := range r.Suspects {
			total += s.Share
		}
		if total > 1+1e-9 {
			t.Errorf("seed %d: suspects' shares add up to %.0f%%", seed, 100*total)
		}
		for _, b := range r.MalformedWithoutImpact {
			if strings.HasPrefix(b.UA, "Rare") && strings.HasPrefix(b.Reason, "explains") && !strings.Contains(b.Reason, "below the 5%") {
				t.Errorf("seed %d: %s: reason %q", seed, b.UA, b.Reason)
			}
		}
	}
}

// TestRegressionRRDStretchIsNoGap: a series whose older part is kept at
// 2 h and newer at 5 min (most rows 5 min) was analysed only where rows
// were 5 min apart: one median interval made every 2 h row a gap.
func TestRegressionRRDStretchIsNoGap(t *testing.T) {
	c := longSim{seed: 3, days: 14, leak: 160, rate: 0.5, walk: 300, noise: 2000, rrd: true}
	_, mem := c.run()
	limit := gapLimits(sortedPoints(mem[0].Points))
	pts := sortedPoints(mem[0].Points)
	for i := 1; i < len(pts); i++ {
		if d := pts[i].Time.Sub(pts[i-1].Time); d > limit[i] {
			t.Fatalf("row %d (%s after the previous) is a gap (limit %s)", i, d, limit[i])
		}
	}
	// A real outage among 5 min rows still is one.
	cut := append(append([]MemPoint(nil), pts[:len(pts)-100]...), pts[len(pts)-88:]...)
	limit = gapLimits(cut)
	i := len(pts) - 100
	if d := cut[i].Time.Sub(cut[i-1].Time); d <= limit[i] {
		t.Fatalf("an hour without rows among 5 min rows (%s) is no gap (limit %s)", d, limit[i])
	}
}

// TestSpanRows: buckets without a sample join the next sampled one; a
// NaN bucket spoils its row; a trailing unsampled stretch is no row.
func TestSpanRows(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name    string
		d       []float64
		sampled []bool
		rows    []float64
		span    []int
	}{
		{"polled", []float64{1, 2, 3}, []bool{true, true, true}, []float64{1, 2, 3}, []int{1, 1, 1}},
		{"coarse", []float64{1, 2, 3, 4}, []bool{false, true, false, true}, []float64{nan, 3, nan, 7}, []int{0, 2, 0, 2}},
		{"gap inside", []float64{1, nan, 3}, []bool{false, false, true}, []float64{nan, nan, nan}, []int{0, 0, 3}},
		{"trailing", []float64{1, 2, 3}, []bool{true, false, false}, []float64{1, nan, nan}, []int{1, 0, 2}},
	} {
		rows, span := spanRows(tc.d, tc.sampled)
		for k := range rows {
			same := rows[k] == tc.rows[k] || math.IsNaN(rows[k]) && math.IsNaN(tc.rows[k])
			if !same || span[k] != tc.span[k] {
				t.Errorf("%s: rows %v span %v, want %v %v", tc.name, rows, span, tc.rows, tc.span)
				break
			}
		}
	}
}

// TestTriangleCount: for averaged rows of l buckets, a message weighs by
// a triangle over the row and the one before, and the weights add to l
// (every message counts once over the rows it touches).
func TestTriangleCount(t *testing.T) {
	sh := rowShape{span: []int{0, 0, 0, 0, 0, 0, 0, 4}, averaged: true}
	x := make([]float64, 8)
	sum := 0.0
	for i := range x {
		x[i] = 1
		w := sh.count(x, 7, 0)
		x[i] = 0
		if i >= 4 && i < 7 && w < sh.count([]float64{0, 0, 0, 0, 0, 0, 0, 1}, 7, 0) {
			t.Errorf("bucket %d weighs %.3f, less than the row's last", i, w)
		}
		sum += w
	}
	if math.Abs(sum-4) > 1e-12 {
		t.Fatalf("weights add to %g, want 4", sum)
	}
	if w := (rowShape{span: sh.span}).count([]float64{0, 0, 0, 1, 0, 0, 0, 0}, 7, 0); w != 0 {
		t.Fatalf("a reading at each end sees a message before the row: %g", w)
	}
}

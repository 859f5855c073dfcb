package report

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Axis scales and tick choice for the HTML report's SVG plots. Ticks sit on
// round values (1, 2, 5 × 10^k; whole minutes and hours of local time) so
// that an operator can read a value off the plot.

// niceStep returns a round step (1, 2, 2.5 or 5 × 10^k) that splits span
// into at most about want intervals.
func niceStep(span float64, want int) float64 {
	if span <= 0 || want <= 0 || !finite(span) {
		return 1
	}
	raw := span / float64(want)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// niceRange widens [lo, hi] to multiples of a round step and returns the
// ticks. A flat range gets a margin so the line is not drawn on the frame.
func niceRange(lo, hi float64, want int) (nlo, nhi float64, ticks []float64) {
	if !finite(lo) || !finite(hi) || lo > hi {
		lo, hi = 0, 1
	}
	if hi == lo {
		// A flat line: a margin of 5 % (1 for a flat 0), not crossing 0.
		pad := math.Abs(hi) * 0.05
		if pad == 0 {
			pad = 1
		}
		lo, hi = lo-pad, hi+pad
		if lo < 0 && hi-pad >= 0 {
			lo = 0
		}
	}
	step := niceStep(hi-lo, want)
	nlo = math.Floor(lo/step) * step
	nhi = math.Ceil(hi/step) * step
	for v := nlo; v <= nhi+step/2; v += step {
		ticks = append(ticks, math.Round(v/step)*step)
	}
	return nlo, nhi, ticks
}

// formatTick prints a tick value with as few decimals as its step needs.
func formatTick(v, step float64) string {
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step)))
		if math.Abs(step*math.Pow(10, float64(dec))-math.Round(step*math.Pow(10, float64(dec)))) > 1e-9 {
			dec++
		}
	}
	if math.Abs(v) < step/1e6 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// timeSteps are the tick intervals of a time axis, shortest first.
var timeSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// timeTicks returns tick times on round local-clock values inside
// [from, to], about want of them, and the layout to label them with.
func timeTicks(from, to time.Time, loc *time.Location, want int) ([]time.Time, string) {
	span := to.Sub(from)
	if span <= 0 || want <= 0 {
		return nil, "15:04"
	}
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s <= time.Duration(want) {
			step = s
			break
		}
	}
	f := from.In(loc)
	// Start at local midnight (or the week's, month's first day for long
	// steps: midnight is enough, days are labelled by date) and walk.
	t := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	if step >= 24*time.Hour {
		var ticks []time.Time
		days := int(step / (24 * time.Hour))
		for ; !t.After(to); t = t.AddDate(0, 0, days) {
			if !t.Before(from) {
				ticks = append(ticks, t)
			}
		}
		return ticks, "Jan 2"
	}
	// Jump close to from without walking a whole day in seconds.
	if n := from.Sub(t) / step; n > 0 {
		t = t.Add(n * step)
	}
	var ticks []time.Time
	for ; !t.After(to); t = t.Add(step) {
		if !t.Before(from) {
			ticks = append(ticks, t)
		}
	}
	layout := "15:04"
	if step < time.Minute {
		layout = "15:04:05"
	}
	if f.YearDay() != to.In(loc).YearDay() || f.Year() != to.In(loc).Year() {
		layout = "Jan 2 " + layout
	}
	return ticks, layout
}

// zoneLabel names the zone times are shown in, e.g. "CET (UTC+01:00)".
func zoneLabel(t time.Time, loc *time.Location) string {
	name, off := t.In(loc).Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	utc := fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off%3600/60)
	switch {
	case off == 0 && (name == "UTC" || name == "" || name == "GMT"):
		return "UTC"
	case name == "" || name == utc:
		return utc
	}
	return name + " (" + utc + ")"
}

// niceDuration rounds d up to a step of timeSteps (at least min), for the
// width of a rate plot's bucket.
func niceDuration(d, min time.Duration) time.Duration {
	if d < min {
		d = min
	}
	for _, s := range timeSteps {
		if s >= d {
			return s
		}
	}
	return timeSteps[len(timeSteps)-1]
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// mib converts bytes to mebibytes (the plots' unit for memory).
func mib(b float64) float64 { return b / (1 << 20) }

package correlate

import (
	"math"
	"testing"
)

// coverageRun simulates many independent captures with a known leak and
// reports how often the 95 % interval covers the truth, the mean relative
// error of the estimate, and how often a loud non-leaking UA (or the
// leaker) was declared a suspect.
func coverageRun(t *testing.T, sims int, base simConfig, leak float64) (cover, relErr, falsePos, power float64) {
	t.Helper()
	for i := 0; i < sims; i++ {
		c := base
		c.seed = uint64(1000 + i)
		n := c.buckets
		c.uas = []simUA{
			{ua: yealink, rule: 512, rate: bursty(uint64(2000+i), n, 20), leak: leak},
			{ua: polycom, rule: 32, rate: bursty(uint64(3000+i), n, 200)},
		}
		tl, mem := simulate(c)
		r := Attribute(tl, mem, Options{Seed: uint64(i + 1)})
		if _, s := suspectByUA(&r, polycom); s != nil {
			falsePos++
		}
		var est Interval
		var beta float64
		if _, s := suspectByUA(&r, yealink); s != nil {
			power++
			est, beta = s.CI, s.BytesPerMessage
		} else if b := bystanderByUA(&r, yealink); b != nil && b.Tested {
			est, beta = b.CI, b.BytesPerMessage
		} else {
			t.Fatalf("sim %d: leaker neither suspect nor tested: %+v", i, b)
		}
		if est.Low <= leak && leak <= est.High {
			cover++
		}
		relErr += math.Abs(beta-leak) / leak
	}
	f := float64(sims)
	return cover / f, relErr / f, falsePos / f, power / f
}

// The 95 % intervals must cover the true leak about 95 % of the time, and
// a loud UA without a leak must rarely become a suspect.
func TestIntervalCoverage(t *testing.T) {
	sims := 120
	if testing.Short() {
		sims = 40
	}
	cover, relErr, fp, power := coverageRun(t, sims, simConfig{buckets: 300, noise: 300}, 24)
	t.Logf("%d sims, 24 B/msg, σ=300 B: coverage %.3f, mean |error| %.1f%%, power %.3f, false-positive rate %.3f", sims, cover, 100*relErr, power, fp)
	if cover < 0.90 || cover > 0.99 {
		t.Errorf("coverage %.3f outside [0.90, 0.99]", cover)
	}
	if fp > 0.05 {
		t.Errorf("false-positive rate %.3f above 0.05", fp)
	}
	if relErr > 0.10 {
		t.Errorf("mean relative error %.3f above 0.10", relErr)
	}
	// Unexplained random-walk steps (allocations that stay) instead of
	// measurement noise.
	cover, relErr, fp, power = coverageRun(t, sims, simConfig{buckets: 300, walk: 300}, 24)
	t.Logf("%d sims, 24 B/msg, random-walk σ=300 B: coverage %.3f, mean |error| %.1f%%, power %.3f, false-positive rate %.3f", sims, cover, 100*relErr, power, fp)
	if cover < 0.90 || cover > 0.99 {
		t.Errorf("random walk: coverage %.3f outside [0.90, 0.99]", cover)
	}
	if fp > 0.05 {
		t.Errorf("random walk: false-positive rate %.3f above 0.05", fp)
	}
}

// With no leak at all the leaker's interval must still cover 0... at the
// boundary: NNLS puts mass at 0, so coverage of 0 is checked as "not a
// suspect" in at most α of the runs.
func TestIntervalNullFalsePositives(t *testing.T) {
	sims := 120
	if testing.Short() {
		sims = 40
	}
	_, _, fp, power := coverageRun(t, sims, simConfig{buckets: 300, noise: 300}, 1e-9)
	t.Logf("%d sims without any leak: leaker-named UA suspect rate %.3f, loud UA suspect rate %.3f", sims, power, fp)
	if power > 0.05 || fp > 0.05 {
		t.Errorf("family-wise false positives %.3f / %.3f above 0.05", power, fp)
	}
}

package correlate

import (
	"os"
	"strconv"
	"testing"
)

// TestLongHorizonMeasure prints false-suspect rate and coverage over
// SIPCORR_LONGSIM_SEEDS seeds (skipped without it): the figures of the
// closing note.
func TestLongHorizonMeasure(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("SIPCORR_LONGSIM_SEEDS"))
	if err != nil || n <= 0 {
		t.Skip("set SIPCORR_LONGSIM_SEEDS=N to measure")
	}
	for _, rrd := range []bool{false, true} {
		found, covered, falseRuns, falseTotal := 0, 0, 0, 0
		var est []float64
		for seed := uint64(1); seed <= uint64(n); seed++ {
			c := longSim{seed: seed, days: 14, leak: 160, rate: 0.5, rare: 40, loud: 2, walk: 300, noise: 2000, held: 0, restart: 5, rrd: rrd}
			out, _ := c.judge(Options{})
			if out.leakerFound {
				found++
				est = append(est, out.estimate)
			}
			if out.covered {
				covered++
			}
			if len(out.falseSuspects) > 0 {
				falseRuns++
				falseTotal += len(out.falseSuspects)
				t.Logf("rrd=%v seed %d: false suspects %v", rrd, seed, out.falseSuspects)
			}
		}
		t.Logf("rrd=%v: %d seeds: leaker found %d, interval covers truth %d, runs with a false suspect %d (%d false suspects), estimates %v",
			rrd, n, found, covered, falseRuns, falseTotal, est)
	}
}

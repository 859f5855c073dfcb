package correlate

import (
	"testing"
	"time"
)

// TestRegressionGapLimitsAllocPerPoint: the local gap rule took two medians
// per sample with a copy each (two allocations per poll of a recording).
func TestRegressionGapLimitsAllocPerPoint(t *testing.T) {
	pts := make([]MemPoint, 10000)
	for i := range pts {
		pts[i] = MemPoint{Time: simStart.Add(time.Duration(i) * time.Second)}
	}
	if n := testing.AllocsPerRun(3, func() { gapLimits(pts) }); n > 2 {
		t.Errorf("gapLimits over 10 000 points: %.0f allocations, want 2 (its two slices)", n)
	}
}

package correlate

import (
	"math/rand/v2"
	"testing"
	"time"
)

func series(vals []float64, segs []int) MemSeries {
	s := MemSeries{Name: "shm", Pool: PoolShm}
	for i, v := range vals {
		seg := 0
		if segs != nil {
			seg = segs[i]
		}
		s.Points = append(s.Points, MemPoint{Time: simStart.Add(time.Duration(i) * 10 * time.Second), Used: v, Segment: seg})
	}
	return s
}

func noisy(n int, sigma float64, f func(i int) float64) []float64 {
	rng := rand.New(rand.NewPCG(42, 1))
	out := make([]float64, n)
	for i := range out {
		out[i] = f(i) + rng.NormFloat64()*sigma
	}
	return out
}

func TestGrowthWindows(t *testing.T) {
	at := func(i int) time.Time { return simStart.Add(time.Duration(i) * 10 * time.Second) }
	tests := []struct {
		name   string
		s      MemSeries
		want   [][2]int // [start, end] sample indexes, ±tol
		tol    int
		noWins bool
	}{
		{name: "flat noise", s: series(noisy(300, 200, func(int) float64 { return 1e6 }), nil), noWins: true},
		{name: "one ramp", s: series(noisy(300, 200, func(i int) float64 {
			return 1e6 + 300*float64(min(max(i-100, 0), 50)) // +300 B per step for 50 steps
		}), nil), want: [][2]int{{100, 150}}, tol: 10},
		{name: "slow ramp below per-step noise", s: series(noisy(400, 200, func(i int) float64 {
			return 1e6 + 120*float64(min(max(i-100, 0), 200))
		}), nil), want: [][2]int{{100, 300}}, tol: 50},
		{name: "single jump", s: series(noisy(200, 100, func(i int) float64 {
			if i >= 120 {
				return 1e6 + 5000
			}
			return 1e6
		}), nil), want: [][2]int{{119, 120}}, tol: 1},
		{name: "restart is not growth", s: series(noisy(200, 100, func(i int) float64 {
			if i >= 100 {
				return 1e6
			}
			return 5e5
		}), func() []int {
			s := make([]int, 200)
			for i := 100; i < 200; i++ {
				s[i] = 1
			}
			return s
		}()), noWins: true},
		{name: "leak all the time", s: series(noisy(300, 200, func(i int) float64 { return 1e6 + 500*float64(i) }), nil),
			want: [][2]int{{0, 299}}, tol: 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := GrowthWindows(tc.s, GrowthOptions{})
			if tc.noWins {
				if len(w) != 0 {
					t.Fatalf("want no window, got %+v (σ %.1f)", w, NoiseFloor(tc.s))
				}
				return
			}
			if len(w) != len(tc.want) {
				t.Fatalf("got %d windows %+v, want %v", len(w), w, tc.want)
			}
			for i, ww := range tc.want {
				if d := w[i].Start.Sub(at(ww[0])); d.Abs() > time.Duration(tc.tol)*10*time.Second {
					t.Errorf("window %d starts %v, want %v ±%d steps", i, w[i].Start, at(ww[0]), tc.tol)
				}
				if d := w[i].End.Sub(at(ww[1])); d.Abs() > time.Duration(tc.tol)*10*time.Second {
					t.Errorf("window %d ends %v, want %v ±%d steps", i, w[i].End, at(ww[1]), tc.tol)
				}
			}
		})
	}
}

// The noise floor of a leaking series is the floor of its noise, not of
// its trend.
func TestNoiseFloorIgnoresTrend(t *testing.T) {
	flat := NoiseFloor(series(noisy(500, 200, func(int) float64 { return 1e6 }), nil))
	ramp := NoiseFloor(series(noisy(500, 200, func(i int) float64 { return 1e6 + 1000*float64(i) }), nil))
	if ramp > 1.2*flat || ramp < 0.8*flat {
		t.Fatalf("noise floor flat %.1f, ramp %.1f: the trend leaked into the floor", flat, ramp)
	}
	// σ of a step of white level noise σ=200 is 283; the estimator is
	// conservative by design (≤ 1.3×).
	if flat < 250 || flat > 380 {
		t.Fatalf("noise floor %.1f, want ≈ 283–350", flat)
	}
}

func TestGrowthWindowsUnsortedInput(t *testing.T) {
	s := series(noisy(200, 50, func(i int) float64 { return 1e6 + 1000*float64(max(i-100, 0)) }), nil)
	rev := s
	rev.Points = append([]MemPoint(nil), s.Points...)
	for i, j := 0, len(rev.Points)-1; i < j; i, j = i+1, j-1 {
		rev.Points[i], rev.Points[j] = rev.Points[j], rev.Points[i]
	}
	a, b := GrowthWindows(s, GrowthOptions{}), GrowthWindows(rev, GrowthOptions{})
	if len(a) != 1 || len(b) != 1 || !a[0].Start.Equal(b[0].Start) || s.Points[0].Time != simStart {
		t.Fatalf("sorted %+v, reversed %+v", a, b)
	}
}

package correlate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"
)

// simUA is one synthetic device: mean malformed messages per bucket (a
// function of the bucket, so traffic can burst) and the true leak.
type simUA struct {
	ua    string
	rule  uint32
	rate  func(k int) float64
	leak  float64 // bytes per message
	token string
}

type simConfig struct {
	buckets int
	step    time.Duration
	noise   float64 // σ of the measured level, bytes
	walk    float64 // σ of an unexplained step per bucket (random walk), bytes
	drift   float64 // bytes per bucket
	lag     int     // buckets between a message and its memory effect
	workers int     // >0: pkg series, the leak spread over this many processes
	restart int     // >0: the level drops to base at this bucket (new segment)
	seed    uint64
	uas     []simUA
}

var simStart = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// simulate draws Poisson counts per UA and bucket, adds the events to a
// Timeline in time order and builds the memory series the leaks produce,
// sampled at bucket boundaries with measurement noise.
func simulate(c simConfig) (*Timeline, []MemSeries) {
	events, mem := simulateEvents(c)
	tl := NewTimeline(TimelineOptions{Bucket: c.step})
	if c.step == 0 {
		tl = NewTimeline(TimelineOptions{Bucket: 10 * time.Second})
	}
	for i := range events {
		tl.Add(&events[i])
	}
	tl.Cover(SourceCapture, mem[0].Points[0].Time, mem[0].Points[len(mem[0].Points)-1].Time)
	return tl, mem
}

// simulateEvents returns the events in time order and the memory series.
func simulateEvents(c simConfig) ([]Event, []MemSeries) {
	if c.step == 0 {
		c.step = 10 * time.Second
	}
	rng := rand.New(rand.NewPCG(splitmix(c.seed), splitmix(c.seed^99)))
	var events []Event
	leakAt := make([]float64, c.buckets+c.lag+1)
	for k := 0; k < c.buckets; k++ {
		for ui, u := range c.uas {
			n := poisson(rng, u.rate(k))
			for i := 0; i < n; i++ {
				e := Event{Time: simStart.Add(time.Duration(k)*c.step + time.Duration(rng.Int64N(int64(c.step)))),
					UA: u.ua, Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(ui + 1)}), 5060),
					Failed: u.rule, First: u.rule, Source: SourceCapture, Example: uint64(k*1000 + i)}
				if u.token != "" {
					e.Header = []byte("Proxy-Require: " + u.token)
					e.Token = []byte(u.token)
				}
				events = append(events, e)
			}
			leakAt[k+c.lag] += float64(n) * u.leak
		}
	}
	nser := max(c.workers, 1)
	series := make([]MemSeries, nser)
	for w := range series {
		series[w] = MemSeries{Name: "shm", Pool: PoolShm, Metric: "used", Total: 64 << 20}
		if c.workers > 0 {
			series[w] = MemSeries{Name: fmt.Sprintf("pkg rank %d", w+1), Pool: PoolPkg, Metric: "used", Total: 8 << 20}
		}
	}
	level := make([]float64, nser)
	for w := range level {
		level[w] = 2e6
	}
	seg := 0
	for k := 0; k <= c.buckets; k++ {
		if k > 0 {
			for w := range level {
				// each worker gets a random share of the bucket's leak
				share := 1.0 / float64(nser)
				if nser > 1 {
					share = 2 * rng.Float64() / float64(nser)
				}
				level[w] += leakAt[k-1]*share + (c.drift+c.walk*rng.NormFloat64())/float64(nser)
			}
		}
		if c.restart > 0 && k == c.restart {
			seg++
			for w := range level {
				level[w] = 2e6
			}
		}
		for w := range series {
			series[w].Points = append(series[w].Points, MemPoint{Time: simStart.Add(time.Duration(k) * c.step),
				Used: level[w] + rng.NormFloat64()*c.noise/math.Sqrt(float64(nser)), Segment: seg})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	return events, series
}

func poisson(rng *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 50 { // normal approximation keeps big simulations fast
		return max(0, int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// bursty returns a rate that switches between off and on (of mean
// size on) in random runs of 5–20 buckets, fixed by seed.
func bursty(seed uint64, n int, on float64) func(int) float64 {
	rng := rand.New(rand.NewPCG(splitmix(seed^0xb0), splitmix(seed^7)))
	r := make([]float64, n+1)
	for k := 0; k <= n; {
		run := 5 + rng.IntN(16)
		v := 0.0
		if rng.IntN(2) == 0 {
			v = on * (0.5 + rng.Float64())
		}
		for i := 0; i < run && k <= n; i++ {
			r[k] = v
			k++
		}
	}
	return func(k int) float64 { return r[min(k, n)] }
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

func suspectByUA(r *Report, ua string) (int, *Suspect) {
	for i := range r.Suspects {
		if r.Suspects[i].UA == ua {
			return i, &r.Suspects[i]
		}
	}
	return -1, nil
}

func bystanderByUA(r *Report, ua string) *Bystander {
	for i := range r.MalformedWithoutImpact {
		if r.MalformedWithoutImpact[i].UA == ua {
			return &r.MalformedWithoutImpact[i]
		}
	}
	return nil
}

package correlate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"
)

// The long-horizon simulation of issue 13: two weeks of a leaking device
// among rare malformed senders, seen through what an operator keeps —
// memory at RRD resolution (5 min averages for the last day and a half,
// 30 min to day 6, 2 h before), one restart, a daily traffic cycle whose
// held memory rises and falls with it.

// longSim describes one run.
type longSim struct {
	seed    uint64
	days    int
	leak    float64 // true bytes per message of the leaker
	rate    float64 // the leaker's mean malformed messages per minute
	rare    int     // devices with 30-40 malformed messages each, no leak
	loud    int     // devices with many malformed messages, no leak
	walk    float64 // σ of the unexplained random walk per minute, bytes
	noise   float64 // σ of one sample's measurement noise, bytes
	held    float64 // bytes held per message/min of the daily good traffic
	restart int     // day of the restart (0: none)
	rrd     bool    // consolidate like Munin's RRDs (else 5 min everywhere)
}

const longLeaker = "Yealink SIP-T46S 66.85.0.5"

// run draws the events (in time order) and the memory series.
func (c longSim) run() ([]Event, []MemSeries) {
	rng := rand.New(rand.NewPCG(splitmix(c.seed^0x13), splitmix(c.seed^0x1313)))
	mins := c.days * 24 * 60
	day := func(m int) float64 { // daily cycle, 0.2..1.8, peak mid-afternoon
		return 1 + 0.8*math.Sin(2*math.Pi*(float64(m%1440)-540)/1440)
	}
	var events []Event
	add := func(m int, ua string, ip byte, rule uint32) {
		events = append(events, Event{Time: simStart.Add(time.Duration(m)*time.Minute + time.Duration(rng.Int64N(int64(time.Minute)))),
			UA: ua, Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, ip}), 5060),
			Failed: rule, First: rule, Source: SourceCapture, Example: uint64(len(events) + 1)})
	}
	// The leaker's rate also changes from day to day (devices rebooting,
	// users away), so it is not a constant sender.
	dayMul := make([]float64, c.days+1)
	for d := range dayMul {
		dayMul[d] = 0.4 + 1.2*rng.Float64()
	}
	level := make([]float64, mins+1)
	seg := make([]int, mins+1)
	lv, s := 3e6, 0
	for m := 0; m < mins; m++ {
		n := poisson(rng, c.rate*day(m)*dayMul[m/1440])
		for range n {
			add(m, longLeaker, 1, 512)
		}
		for range poisson(rng, 3*day(m)) { // good traffic: what the held memory follows
			add(m, fmt.Sprintf("Good Phone %d/3.0", rng.IntN(20)), 200, 0)
		}
		for i := range c.loud {
			for range poisson(rng, 0.3*day(m+i*97)) {
				add(m, fmt.Sprintf("Loud Device %d/1.0", i), byte(2+i), 1<<2)
			}
		}
		lv += float64(n)*c.leak + c.walk*rng.NormFloat64()
		if c.restart > 0 && m == c.restart*1440 {
			lv, s = 3e6, s+1
		}
		level[m+1] = lv + c.held*day(m)
		seg[m+1] = s
	}
	level[0] = 3e6 + c.held*day(0)
	for i := range c.rare {
		k := 30 + rng.IntN(11)
		for range k {
			add(rng.IntN(mins), fmt.Sprintf("Rare Phone %02d/2.%d", i, i%7), byte(100+i), 1<<3)
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	pts := c.consolidate(level, seg, rng)
	return events, []MemSeries{{Name: "shm", Pool: PoolShm, Metric: "used", Total: 256 << 20, Points: pts, Averaged: c.rrd}}
}

// consolidate averages the per-minute level into RRD rows: each row holds
// the mean over the step before its time stamp, as rrdtool's AVERAGE does.
func (c longSim) consolidate(level []float64, seg []int, rng *rand.Rand) []MemPoint {
	mins := len(level) - 1
	stepAt := func(m int) int { // minutes of the row ending at m
		age := mins - m
		switch {
		case !c.rrd || age < 36*60:
			return 5
		case age < 6*1440:
			return 30
		}
		return 120
	}
	var pts []MemPoint
	for m := 0; m <= mins; {
		st := stepAt(m)
		if m%st != 0 {
			m++
			continue
		}
		if m >= st {
			sum, n := 0.0, 0
			for i := m - st + 1; i <= m; i++ {
				sum += level[i]
				n++
			}
			pts = append(pts, MemPoint{Time: simStart.Add(time.Duration(m) * time.Minute),
				Used: sum/float64(n) + c.noise*rng.NormFloat64(), Segment: seg[m]})
		}
		m += st
	}
	return pts
}

// longOutcome is what one run says about the truth.
type longOutcome struct {
	leakerFound, covered bool
	estimate             float64
	falseSuspects        []string
}

func (c longSim) judge(opts Options) (longOutcome, *Report) {
	events, mem := c.run()
	tl := NewTimeline(TimelineOptions{Bucket: time.Minute})
	for i := range events {
		tl.Add(&events[i])
	}
	tl.Cover(SourceCapture, simStart, simStart.Add(time.Duration(c.days)*24*time.Hour))
	opts.Seed = c.seed + 1
	r := Attribute(tl, mem, opts)
	var out longOutcome
	for _, s := range r.Suspects {
		if s.UA == longLeaker {
			out.leakerFound, out.estimate = true, s.BytesPerMessage
			out.covered = s.CI.Low <= c.leak && c.leak <= s.CI.High
			continue
		}
		out.falseSuspects = append(out.falseSuspects, fmt.Sprintf("%s (%d msgs, %.0f B/msg, %.1f%%)", s.UA, s.Count, s.BytesPerMessage, 100*s.Share))
	}
	return out, &r
}

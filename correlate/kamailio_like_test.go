package correlate

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"sort"
	"testing"
	"time"
)

// A simulation shaped like the end-to-end proof: Kamailio's shm polled
// every second; UA A's malformed requests each store an htable entry
// (176 B, rounded to the allocator's 8 B), UA B sends three times as many
// malformed requests that only hold a transaction (2 KiB for ~0.4 s) and
// free it; shm statistics are re-read once per timer tick, so a poll sees
// a value up to a second old; allocator noise on top.
func TestAttributeKamailioLikeShm(t *testing.T) {
	const (
		entry  = 176.0
		txn    = 2048.0
		secs   = 900
		uaA    = "LeakPhone/1.0"
		uaB    = "LoudPhone/2.0"
		txnDur = 400 * time.Millisecond
	)
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(splitmix(seed), 3))
		rateA, rateB := bursty(seed*11, secs, 8), bursty(seed*13, secs, 25)
		type msg struct {
			at   time.Time
			leak bool
		}
		var msgs []msg
		tl := NewTimeline(TimelineOptions{})
		for s := 0; s < secs; s++ {
			for _, u := range []struct {
				ua   string
				rate float64
				rule uint32
			}{{uaA, rateA(s), 1024}, {uaB, rateB(s), 2048}} {
				for i := poisson(rng, u.rate); i > 0; i-- {
					at := simStart.Add(time.Duration(s)*time.Second + time.Duration(rng.Int64N(int64(time.Second))))
					e := Event{Time: at, UA: u.ua, First: u.rule, Failed: u.rule, Source: SourceCapture,
						Src: netip.MustParseAddrPort("192.0.2.9:5060")}
					tl.Add(&e)
					msgs = append(msgs, msg{at, u.ua == uaA})
				}
			}
		}
		tl.Cover(SourceCapture, simStart, simStart.Add(secs*time.Second))
		sort.Slice(msgs, func(i, j int) bool { return msgs[i].at.Before(msgs[j].at) })
		// level at time at: every leak before it, plus the transactions
		// still open (two cursors over the sorted messages).
		leaked, li, oi := 0.0, 0, 0
		level := func(at time.Time) float64 {
			for li < len(msgs) && !msgs[li].at.After(at) {
				if msgs[li].leak {
					leaked += math.Ceil(entry/8) * 8
				}
				li++
			}
			for oi < li && at.Sub(msgs[oi].at) >= txnDur {
				oi++
			}
			open := 0
			for _, m := range msgs[oi:li] {
				if !m.leak {
					open++
				}
			}
			return 3e6 + leaked + txn*float64(open)
		}
		shm := MemSeries{Name: "shm", Pool: PoolShm, Metric: "used", Total: 64 << 20}
		for s := 0; s <= secs; s++ {
			at := simStart.Add(time.Duration(s) * time.Second)
			stale := at.Add(-time.Duration(rng.Int64N(int64(time.Second)))) // timer-tick refresh
			shm.Points = append(shm.Points, MemPoint{Time: at.Add(time.Duration(rng.Int64N(int64(20 * time.Millisecond)))),
				Used: level(stale) + 64*rng.NormFloat64()})
		}
		r := Attribute(tl, []MemSeries{shm}, Options{})
		i, s := suspectByUA(&r, uaA)
		if i != 0 {
			t.Fatalf("seed %d: leaking UA rank %d; suspects %+v\nbystanders %+v", seed, i, r.Suspects, r.MalformedWithoutImpact)
		}
		if rel := (s.BytesPerMessage - entry) / entry; math.Abs(rel) > 0.25 {
			t.Errorf("seed %d: %.1f B/message, want %g ± 25%%", seed, s.BytesPerMessage, entry)
		}
		if _, b := suspectByUA(&r, uaB); b != nil {
			t.Errorf("seed %d: loud transaction-only UA is a suspect: %+v", seed, b)
		}
		t.Logf("seed %d: %s", seed, s.Evidence)
	}
}

package esquery

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestRegressionTallyKeepsLateHeavyUA: the tally used to keep the first
// MaxKeys UAs it met, so a leaking UA that appears after 5 000 others (an
// operator's two weeks of logs, or the composite aggregation's UA order)
// was folded into an unnamed row. Now the heaviest are kept wherever they
// appear, and the folded identities and their hits are reported.
func TestRegressionTallyKeepsLateHeavyUA(t *testing.T) {
	base := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		maxKeys int
		others  int
		viaAgg  bool
	}{
		{"hits 5000 UAs cap 1000", 1000, 5000, false},
		{"buckets 6000 UAs cap 1000", 1000, 6000, true},
		{"hits 8000 UAs cap 100", 100, 8000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := &Tally{Bucket: time.Minute, MaxKeys: tc.maxKeys}
			var total int64
			for i := range tc.others {
				ua := fmt.Sprintf("Phone %05d", i)
				n := int64(1 + i%3)
				if tc.viaAgg {
					tl.AddBucket(Bucket{Start: base, UA: ua, HasUA: true, Count: n})
				} else {
					for range n {
						tl.AddHit(Hit{Time: base.Add(time.Duration(i) * time.Second), UA: ua, HasUA: true})
					}
				}
				total += n
			}
			// A stock line source, heavy, among the last.
			src := netip.MustParseAddrPort("198.51.100.7:5060")
			for i := range 300 {
				tl.AddHit(Hit{Time: base.Add(time.Duration(i) * time.Second), Src: src})
			}
			const leak = "Leaky/1.0"
			for i := range 2000 {
				if tc.viaAgg {
					tl.AddBucket(Bucket{Start: BucketStart(base.Add(time.Duration(i)*time.Second), time.Minute), UA: leak, HasUA: true, Count: 1})
				} else {
					tl.AddHit(Hit{Time: base.Add(time.Duration(i) * time.Second), UA: leak, HasUA: true})
				}
			}
			total += 2300
			var leakHits, srcHits, overflow int64
			for _, b := range tl.Buckets() {
				switch {
				case b.Overflow:
					overflow += b.Count
				case b.HasUA && b.UA == leak:
					leakHits += b.Count
				case !b.HasUA && b.Src == src.Addr():
					srcHits += b.Count
				}
			}
			if leakHits != 2000 || srcHits != 300 {
				t.Errorf("late heavy identities: leak %d (want 2000), source %d (want 300)", leakHits, srcHits)
			}
			folded, exact := tl.FoldedKeys()
			minFolded := tc.others - tc.maxKeys
			if !exact {
				// A HyperLogLog estimate: allow three standard errors (1.6 %).
				minFolded = minFolded * 95 / 100
			}
			if tl.Total() != total || overflow != tl.OverflowHits || tl.Keys() > tc.maxKeys ||
				folded < minFolded || tl.OverflowHits == 0 {
				t.Errorf("total %d want %d, overflow %d/%d, keys %d, folded %d", tl.Total(), total, overflow, tl.OverflowHits, tl.Keys(), folded)
			}
		})
	}
}

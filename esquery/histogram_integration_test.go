package esquery

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestNodeHistogram: the two-pass histogram keeps the TopUAs heaviest UAs
// exact per bucket (a late heavy one included), counts the others
// together per bucket, and gives the same per-bucket numbers however the
// requests are cut (UAs packed into groups, a UA split by time).
func TestNodeHistogram(t *testing.T) {
	c := testNode(t)
	index := testIndex(t, c)
	createIndex(t, c, index, ecsMapping)
	const light = 300
	// 300 light UAs with 1..3 hits each in the first 5 minutes, a heavy
	// one with 240 hits in every second of minutes 6-9 (late), and a
	// middle one with 40.
	type doc struct {
		ua string
		at time.Time
	}
	var docs []doc
	for i := range light {
		for j := range 1 + i%3 {
			docs = append(docs, doc{fmt.Sprintf("Light/%d", i), winFrom.Add(time.Duration(i+j*301) * time.Second / 2)})
		}
	}
	for i := range 240 {
		docs = append(docs, doc{"Late Heavy/1.0", winFrom.Add(6*time.Minute + time.Duration(i)*time.Second)})
	}
	for i := range 40 {
		docs = append(docs, doc{"Middle/2", winFrom.Add(time.Duration(i) * 7 * time.Second)})
	}
	var seedDocs []map[string]any
	for i, d := range docs {
		seedDocs = append(seedDocs, structuredDoc(logDoc{t: d.at, ua: d.ua, hasUA: true, ip: fmt.Sprintf("192.0.2.%d", i%200), port: 5060,
			msg: "NOTICE: Malformed SIP received. ua: [" + d.ua + "] received from <192.0.2.1:5060>"}))
	}
	seed(t, c, index, seedDocs)

	want := map[string]int64{}  // kept UAs: "ua@bucket"
	other := map[string]int64{} // overflow per bucket
	for _, d := range docs {
		k := BucketStart(d.at, 10*time.Second).Format("15:04:05")
		switch d.ua {
		case "Late Heavy/1.0", "Middle/2":
			want[d.ua+"@"+k]++
		default:
			if d.ua == "Light/101" || d.ua == "Light/104" { // 3 hits each, first by name among the 3-hit UAs
				want[d.ua+"@"+k]++
			} else {
				other[k]++
			}
		}
	}
	for _, tc := range []struct {
		name  string
		limit int
	}{{"one request per pass", 0}, {"groups and time slices", 7}} {
		t.Run(tc.name, func(t *testing.T) {
			q := Query{Indices: index, From: winFrom, To: winTo, Bucket: 10 * time.Second, TopUAs: 4, bucketsPerRequest: tc.limit}
			got, gotOther := map[string]int64{}, map[string]int64{}
			st, err := c.Histogram(context.Background(), q, "user_agent.original", func(b Bucket) error {
				k := b.Start.Format("15:04:05")
				if b.Overflow {
					gotOther[k] += b.Count
				} else {
					got[b.UA+"@"+k] += b.Count
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			diffCounts(t, "kept", got, want)
			diffCounts(t, "overflow", gotOther, other)
			var folded int64
			for _, n := range other {
				folded += n
			}
			if st.Aggregated != int64(len(docs)) || st.FoldedUAs != light-2 || st.FoldedHits != folded {
				t.Errorf("stats %+v, want %d aggregated and %d folded", st, len(docs), light-2)
			}
			t.Logf("%d requests", st.Pages)
			if tc.limit > 0 && st.Pages < 10 {
				t.Errorf("limit %d: only %d requests: nothing was split", tc.limit, st.Pages)
			}
		})
	}
}

func TestTimeSlices(t *testing.T) {
	for _, tc := range []struct {
		from, to time.Duration // offsets from winFrom
		bucket   time.Duration
		n        int
	}{
		{0, 10 * time.Minute, time.Minute, 1},
		{0, 10 * time.Minute, time.Minute, 3},
		{7 * time.Second, 10*time.Minute + 3*time.Second, time.Minute, 4},
		{0, 10 * time.Second, time.Minute, 5},
	} {
		q := Query{From: winFrom.Add(tc.from), To: winFrom.Add(tc.to), Bucket: tc.bucket}
		sl := q.timeSlices(tc.n)
		if !sl[0].from.Equal(q.From) || !sl[len(sl)-1].to.Equal(q.To) || len(sl) > tc.n {
			t.Errorf("%+v: %d slices %v", tc, len(sl), sl)
		}
		for i := 1; i < len(sl); i++ {
			if !sl[i].from.Equal(sl[i-1].to) || !BucketStart(sl[i].from, tc.bucket).Equal(sl[i].from) {
				t.Errorf("%+v: slice %d starts at %v, not on a bucket after %v", tc, i, sl[i].from, sl[i-1].to)
			}
		}
	}
}

// TestPackGroups: no group holds more estimated buckets than the limit,
// every UA is in exactly one group, and a UA above the limit alone gets
// enough time slices that none can exceed it.
func TestPackGroups(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts []int64
		nb     int64
		limit  int64
		groups int
	}{
		{"all in one", []int64{50, 30, 20}, 1000, 200, 1},
		{"packed", []int64{150, 100, 60, 40, 30}, 1000, 200, 3},
		{"heavy alone, sliced by window", []int64{100000, 5, 5}, 20160, 5000, 2},
		{"count above window buckets", []int64{300, 300}, 100, 150, 2},
		{"none", nil, 100, 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var uas []uaCount
			for i, n := range tc.counts {
				uas = append(uas, uaCount{ua: fmt.Sprint("ua", i), n: n})
			}
			gs := packGroups(uas, tc.nb, tc.limit)
			if len(gs) != tc.groups {
				t.Errorf("%d groups, want %d: %+v", len(gs), tc.groups, gs)
			}
			seen := map[string]int{}
			for _, g := range gs {
				var load int64
				for _, u := range g.uas {
					seen[u]++
					for _, x := range uas {
						if x.ua == u {
							load += min(x.n, tc.nb)
						}
					}
				}
				perSlice := (tc.nb + int64(g.slices) - 1) / int64(g.slices)
				if load > tc.limit && (len(g.uas) != 1 || perSlice > tc.limit) {
					t.Errorf("group %+v: %d buckets estimated, %d per slice, limit %d", g, load, perSlice, tc.limit)
				}
			}
			for _, u := range uas {
				if seen[u.ua] != 1 {
					t.Errorf("%s in %d groups", u.ua, seen[u.ua])
				}
			}
		})
	}
}

package correlate

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

var tlT0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

func ev(sec float64, ua string, first uint32, src Source) Event {
	return Event{Time: tlT0.Add(time.Duration(sec * float64(time.Second))), UA: ua, First: first, Failed: first, Source: src,
		Src: netip.MustParseAddrPort("192.0.2.1:5060")}
}

func TestTimelineCounts(t *testing.T) {
	tl := NewTimeline(TimelineOptions{Bucket: time.Second})
	for _, e := range []Event{
		ev(0.1, yealink, 512, SourceCapture), ev(0.9, yealink, 512, SourceCapture), ev(1.0, yealink, 512, SourceCapture),
		ev(1.5, yealink, 0, SourceCapture), ev(2.5, yealink, RuleUnknown, SourceLog), ev(-0.5, yealink, 512, SourceCapture),
		{UA: yealink, First: 512}, // no timestamp
	} {
		tl.Add(&e)
	}
	st := tl.Stats()
	if st.Events != 7 || st.Untimed != 1 || st.Malformed != 5 {
		t.Errorf("stats %+v", st)
	}
	u := tl.uas[yealink]
	var c512 *cell
	for _, c := range u.cells {
		if c.rule == 512 && c.source == SourceCapture {
			c512 = c
		}
	}
	b0 := tlT0.Unix()
	for _, tc := range []struct {
		from, to int64
		want     uint64
	}{{b0 - 1, b0, 1}, {b0, b0 + 1, 2}, {b0 + 1, b0 + 2, 1}, {b0 - 1, b0 + 3, 4}, {b0 + 2, b0 + 100, 0}} {
		if got := c512.sum(tc.from, tc.to); got != tc.want {
			t.Errorf("sum[%d,%d) = %d, want %d", tc.from-b0, tc.to-b0, got, tc.want)
		}
	}
	if len(u.cells) != 3 {
		t.Errorf("%d cells, want 512/capture, ok/capture, unknown/log", len(u.cells))
	}
	if !c512.example.Time.Equal(tlT0.Add(-500 * time.Millisecond)) {
		t.Errorf("example %v is not the earliest message", c512.example.Time)
	}
	if !st.First[SourceCapture].Equal(tlT0.Add(-500*time.Millisecond)) || !st.Last[SourceLog].Equal(tlT0.Add(2500*time.Millisecond)) {
		t.Errorf("spans %v %v", st.First, st.Last)
	}
}

func TestTimelineFoldsBeyondMaxUAs(t *testing.T) {
	tl := NewTimeline(TimelineOptions{MaxUAs: 10, MaxUALen: 16})
	for i := 0; i < 500; i++ {
		e := ev(float64(i), fmt.Sprintf("scanner-%d", i), 4, SourceCapture)
		tl.Add(&e)
		tl.Add(&e)
	}
	long := ev(1, "0123456789abcdefXYZ", 4, SourceCapture)
	tl.Add(&long)
	st := tl.Stats()
	if len(tl.uas) != 10 || tl.folded == nil {
		t.Fatalf("%d UAs kept", len(tl.uas))
	}
	// Space-Saving: 501 UAs through 10 slots, each newcomer evicts the
	// lightest; 491 were evicted with their 2 events each.
	if st.FoldedEvents != 2*491 || st.TruncatedUAs != 1 || st.Evictions != 491 {
		t.Errorf("folded %d truncated %d evictions %d", st.FoldedEvents, st.TruncatedUAs, st.Evictions)
	}
	if n, exact := tl.FoldedUAs(); n != 491 || !exact {
		t.Errorf("folded UAs %d (exact %v), want 491", n, exact)
	}
	var r Report
	timelineNotes(tl, &r.Notes)
	if !hasNote(&r, "cardinality", "the cap of 10") || !hasNote(&r, "cardinality", "longer than 16") {
		t.Errorf("notes %+v", r.Notes)
	}
}

func TestTopSources(t *testing.T) {
	var s topSources
	heavy := netip.MustParseAddrPort("198.51.100.7:5060")
	for i := 0; i < 1000; i++ {
		s.add(heavy, 4)
		s.add(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 5060), 4)
	}
	got := s.sorted()
	if len(got) != 4 || got[0].Addr != heavy || got[0].Count < 1000 {
		t.Fatalf("%+v", got)
	}
}

// A message of a User-Agent, rule and time already seen costs no
// allocation.
func TestTimelineAddAllocs(t *testing.T) {
	tl := NewTimeline(TimelineOptions{})
	e := ev(1, yealink, 512, SourceCapture)
	e.Header = []byte("Proxy-Require: sip.mysipproxy.com")
	e.Token = []byte("sip.mysipproxy.com")
	tl.Add(&e)
	if n := testing.AllocsPerRun(1000, func() { tl.Add(&e) }); n != 0 {
		t.Fatalf("Timeline.Add allocates %.1f times per known event", n)
	}
}

func BenchmarkTimelineAdd(b *testing.B) {
	tl := NewTimeline(TimelineOptions{Bucket: time.Second})
	uas := []string{yealink, polycom, snom, "Linphone/3.12 (belle-sip/1.6.3)"}
	events := make([]Event, 4096)
	for i := range events {
		events[i] = ev(float64(i%600), uas[i%len(uas)], []uint32{0, 512, 32, 4}[i%4], SourceCapture)
	}
	for i := range events {
		tl.Add(&events[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tl.Add(&events[i&4095])
	}
}

func BenchmarkAttribute(b *testing.B) {
	for _, n := range []int{360, 2880} {
		b.Run(fmt.Sprintf("buckets=%d", n), func(b *testing.B) {
			uas := []simUA{
				{ua: yealink, rule: 512, rate: bursty(1, n, 20), leak: 24},
				{ua: polycom, rule: 32, rate: bursty(2, n, 200)},
			}
			for i := 0; i < 14; i++ {
				uas = append(uas, simUA{ua: fmt.Sprintf("Device-%d/1.0", i), rule: 4, rate: bursty(uint64(10+i), n, 5)})
			}
			tl, mem := simulate(simConfig{buckets: n, noise: 300, seed: 1, uas: uas})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Attribute(tl, mem, Options{})
			}
		})
	}
}

// Past MaxBytes the timeline coarsens its bucket and keeps every count.
func TestTimelineCoarsensWithinMaxBytes(t *testing.T) {
	tl := NewTimeline(TimelineOptions{Bucket: time.Second, MaxBytes: 20 * chunkBytes})
	total := 0
	for i := 0; i < 64*40; i++ { // 40 chunks at 1 s
		e := ev(float64(i)+0.5, yealink, 512, SourceCapture)
		tl.Add(&e)
		total++
	}
	st := tl.Stats()
	if st.Coarsened != 1 || tl.Bucket() != 2*time.Second || tl.chunks*chunkBytes > 20*chunkBytes {
		t.Fatalf("coarsened %d, bucket %v, %d chunks", st.Coarsened, tl.Bucket(), tl.chunks)
	}
	c := tl.uas[yealink].cells[0]
	b0 := tlT0.Unix() / 2
	if got := c.sum(b0-10, b0+64*40); got != uint64(total) {
		t.Fatalf("%d events after coarsening, want %d", got, total)
	}
	if got := c.sum(b0, b0+1); got != 2 {
		t.Fatalf("first 2 s bucket holds %d, want 2", got)
	}
}

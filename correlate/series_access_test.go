package correlate

import (
	"slices"
	"testing"
	"time"
)

func TestTimelineCountsAccessor(t *testing.T) {
	tl := NewTimeline(TimelineOptions{Bucket: time.Second})
	for _, e := range []Event{
		ev(0.1, yealink, 512, SourceCapture), ev(0.9, yealink, 512, SourceCapture), ev(1.0, yealink, 512, SourceCapture),
		ev(1.5, yealink, 0, SourceCapture), ev(2.5, yealink, 512, SourceLog), ev(65, yealink, 512, SourceCapture),
		ev(-0.5, yealink, 512, SourceCapture),
	} {
		tl.Add(&e)
	}
	for _, tc := range []struct {
		name string
		ua   string
		rule uint32
		src  Source
		from time.Time
		step time.Duration
		n    int
		want []uint64
	}{
		{"seconds", yealink, 512, SourceCapture, tlT0.Add(-time.Second), time.Second, 4, []uint64{1, 2, 1, 0}},
		{"both sources", yealink, 512, 0, tlT0, 2 * time.Second, 2, []uint64{3, 1}},
		{"log only", yealink, 512, SourceLog, tlT0, 2 * time.Second, 2, []uint64{0, 1}},
		{"minutes across a chunk", yealink, 512, SourceCapture, tlT0, time.Minute, 2, []uint64{3, 1}},
		{"well-formed", yealink, 0, SourceCapture, tlT0, time.Minute, 1, []uint64{1}},
		{"unknown UA", "nobody", 512, 0, tlT0, time.Minute, 2, []uint64{0, 0}},
		{"no step", yealink, 512, 0, tlT0, 0, 2, []uint64{0, 0}},
		{"none", yealink, 512, 0, tlT0, time.Minute, 0, nil},
	} {
		if got := tl.Counts(tc.ua, tc.rule, tc.src, tc.from, tc.step, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Counts = %v, want %v", tc.name, got, tc.want)
		}
	}
}

package report

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

func TestJSONTimeOK(t *testing.T) {
	east := time.FixedZone("east", 5*3600+30*60)
	far := time.FixedZone("far", 24*3600)
	for _, tm := range []time.Time{{}, t0, t0.In(east), t0.In(far), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), jsonTimeMin, jsonTimeMin.Add(-1), jsonTimeEnd.Add(-1), jsonTimeEnd,
		jsonTimeEnd.In(east), jsonTimeMin.In(far), jsonTimeEnd.Add(-time.Hour).In(far)} {
		_, err := json.Marshal(tm.UTC())
		if jsonTimeOK(tm) != (err == nil) {
			t.Errorf("%v: jsonTimeOK %v, encoding/json's error for its UTC form: %v", tm, jsonTimeOK(tm), err)
		}
	}
}

// TestUTCTimesMatchFormat walks times across days, leap years, the epoch
// and the ends of the range MarshalJSON accepts, in and out of order so the
// day cache is hit and missed, and in other zones (time.Format's path).
func TestUTCTimesMatchFormat(t *testing.T) {
	var c utcTimes
	rng := rand.New(rand.NewPCG(5, 6))
	bases := []time.Time{t0, time.Unix(0, 0).UTC(), time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), {},
		time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(-1, 12, 31, 23, 0, 0, 0, time.UTC),
		t0.In(time.FixedZone("x", -7200))}
	for i := 0; i < 20000; i++ {
		tm := bases[rng.IntN(len(bases))].Add(time.Duration(rng.Int64N(int64(72*time.Hour))) - 36*time.Hour)
		switch rng.IntN(4) {
		case 0:
			tm = tm.Truncate(time.Second)
		case 1:
			tm = tm.Truncate(time.Millisecond)
		}
		if got, want := c.appendTable(nil, tm), tm.Format(tableTimeLayout); string(got) != want {
			t.Fatalf("%v: %s, Format writes %s", tm, got, want)
		}
	}
}

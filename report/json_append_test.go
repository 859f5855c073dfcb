package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// jsonStringSeeds hold every class of byte appendJSONString treats apart.
var jsonStringSeeds = []string{"", "plain", `quote " and \ backslash`, "\b\f\n\r\t\x00\x01\x1f\x7f", "<script>&amp;</script>",
	"line\u2028para\u2029", "bad\xff\xfe", "cut\xe2\x80", "surrogate\xed\xa0\x80", "Grüße 日本語 \U0001F600",
	"\u0085\u202e\ufffd", "=HYPERLINK(\"x\")\x1b[31m"}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), s); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json writes %s", s, got[1:], want)
		}
	})
}

func TestAppendJSONStringEveryByte(t *testing.T) {
	for b := 0; b < 256; b++ {
		for _, s := range []string{string([]byte{byte(b)}), "a" + string([]byte{byte(b)}) + "z"} {
			want, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
				t.Errorf("byte %#x: %s, encoding/json writes %s", b, got, want)
			}
		}
	}
}

func TestAppendJSONTime(t *testing.T) {
	east := time.FixedZone("east", 5*3600+30*60)
	far := time.FixedZone("far", 24*3600)
	for _, tm := range []time.Time{{}, t0, t0.Add(123456789), t0.Add(100 * time.Millisecond), t0.In(east),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), t0.In(far),
		jsonTimeMin.Add(-1), jsonTimeEnd.Add(-1), jsonTimeEnd, jsonTimeEnd.In(east), jsonTimeMin.In(far)} {
		want, err := json.Marshal(tm)
		got, ok := appendJSONTime(nil, tm)
		if ok != (err == nil) {
			t.Errorf("%v: ok %v, encoding/json error %v", tm, ok, err)
			continue
		}
		if ok && !bytes.Equal(got, want) {
			t.Errorf("%v: %s, encoding/json writes %s", tm, got, want)
		}
		_, utcErr := json.Marshal(tm.UTC())
		if jsonTimeOK(tm) != (utcErr == nil) {
			t.Errorf("%v: jsonTimeOK %v, encoding/json error for UTC: %v", tm, jsonTimeOK(tm), utcErr)
		}
	}
}

func TestAppendJSONStringDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	s := "friendly-scanner <probe&42> \xff\u2028 Grüße"
	if n := testing.AllocsPerRun(100, func() { buf = appendJSONString(buf[:0], s) }); n != 0 {
		t.Errorf("appendJSONString allocates %v times", n)
	}
}

// TestJSONTimesMatchMarshal walks times across days, leap years, the epoch
// and the ends of the range MarshalJSON accepts, in and out of order so the
// day cache is hit and missed.
func TestJSONTimesMatchMarshal(t *testing.T) {
	var c jsonTimes
	rng := rand.New(rand.NewPCG(5, 6))
	bases := []time.Time{t0, time.Unix(0, 0).UTC(), time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), {},
		time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(-1, 12, 31, 23, 0, 0, 0, time.UTC)}
	for i := 0; i < 20000; i++ {
		tm := bases[rng.IntN(len(bases))].Add(time.Duration(rng.Int64N(int64(72*time.Hour))) - 36*time.Hour)
		switch rng.IntN(4) {
		case 0:
			tm = tm.Truncate(time.Second)
		case 1:
			tm = tm.Truncate(time.Millisecond)
		}
		want, err := json.Marshal(tm)
		got, ok := c.append(nil, tm)
		if ok != (err == nil) || ok && !bytes.Equal(got, want) {
			t.Fatalf("%v: %s (ok %v), encoding/json writes %s (%v)", tm, got, ok, want, err)
		}
	}
}

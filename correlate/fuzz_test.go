package correlate

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// FuzzAttribute drives Attribute with arbitrary events and memory samples
// (unsorted, duplicate times, NaN/Inf, restarts, huge values): it must not
// panic and its report must marshal to JSON (every float finite).
func FuzzAttribute(f *testing.F) {
	f.Add([]byte("\x10\x20\x05\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"), uint8(0))
	f.Add(make([]byte, 200), uint8(1))
	seed := make([]byte, 400)
	for i := range seed {
		seed[i] = byte(i * 37)
	}
	f.Add(seed, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		tl := NewTimeline(TimelineOptions{Bucket: time.Second, MaxUAs: 4})
		var shm, pkg MemSeries
		shm = MemSeries{Name: "shm", Pool: PoolShm, Total: float64(mode) * 1e6}
		pkg = MemSeries{Name: "pkg", Pool: PoolPkg, Total: 8 << 20}
		uas := []string{yealink, polycom, snom, "x", "\x00\xff", ""}
		for i := 0; i+6 <= len(data); i += 6 {
			b := data[i : i+6]
			at := simStart.Add(time.Duration(b[0]) * time.Second)
			switch b[1] % 4 {
			case 0, 1:
				e := Event{Time: at, UA: uas[int(b[2])%len(uas)], First: uint32(1) << (b[3] % 32), Source: Source(b[4] % 4),
					Header: b[5:], Token: b[4:]}
				if b[3]%5 == 0 {
					e.First = 0
				}
				tl.Add(&e)
			case 2:
				v := float64(binary.LittleEndian.Uint32(b[2:])) * float64(b[1])
				if b[5] == 0xff {
					v = math.NaN()
				} else if b[5] == 0xfe {
					v = math.Inf(1)
				}
				shm.Points = append(shm.Points, MemPoint{Time: at, Used: v, Segment: int(b[5] % 2)})
			case 3:
				pkg.Points = append(pkg.Points, MemPoint{Time: at, Used: float64(b[2]) * 100, Segment: int(b[5] % 3)})
			}
		}
		r := Attribute(tl, []MemSeries{shm, pkg}, Options{Bootstrap: 20, MinBuckets: 3, Baseline: Baseline(mode % 2),
			Bucket: time.Duration(mode%4) * time.Second, Defects: testDefects, Version: "5.2.3"})
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not marshal: %v", err)
		}
	})
}

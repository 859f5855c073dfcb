package memstat

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// dayRecording is one day of 10-second polls of a 5-entry server
// (8640 lines, ~8 MB): the size sipcorr analyze reads per day recorded.
func dayRecording(b *testing.B) []byte {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var steps []any
	for i := range 8640 {
		steps = append(steps, server(time.Duration(i)*10*time.Second, 100, 1_000_000+uint64(i)*24, 900_000, 600_000+uint64(i)*8))
	}
	var buf bytes.Buffer
	w := &Watcher{Sampler: &script{steps: steps, cancel: cancel}, Interval: time.Nanosecond, Out: &buf}
	if err := w.Run(ctx); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkReadRecordingDay(b *testing.B) {
	data := dayRecording(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadRecording(bytes.NewReader(data), "day.jsonl"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadCSVMonth is a month of 5-minute Munin samples (8640 rows)
// of the compass pkg and shm fields.
func BenchmarkReadCSVMonth(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("time,min_used,min_free,used_size,real_used_size,free_size,max_used_size,total_size,fragments\n")
	for i := range 8640 {
		fmt.Fprintf(&sb, "%d,%d,%d,%d,%d,%d,%d,%d,%d\n", 1795953600+i*300, 1400000+i*24, 6988608-i*24,
			400000+i*8, 640000+i*8, 67108864-640000-i*8, 640000+i*8, 67108864, 1+i%7)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadCSV(bytes.NewReader(data), "month.csv", CSVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

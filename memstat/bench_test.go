package memstat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// BenchmarkReadRPCLogDay is a day of a 10-second cron + curl loop against
// Kamailio 5.6.3 (the real pretty answers of testdata/rpc: pkg.stats of 8
// processes, then stats.get_statistics shmem:), a date line per run and
// no newline after an answer: 8640 polls, ~48 MB.
func BenchmarkReadRPCLogDay(b *testing.B) {
	pkg, shm := readFixture(b, "kam563-pkg.stats.json"), readFixture(b, "kam563-stats.shmem.json")
	var buf bytes.Buffer
	for i := range 8640 {
		fmt.Fprintf(&buf, "%d\n", 1795953600+i*10)
		buf.Write(pkg)
		buf.Write(shm)
		buf.WriteByte('\n')
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadRPCLog(bytes.NewReader(data), "kam.log", CSVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadXportMonth is a month of 5-minute rows of min_used and
// min_free in rrdtool's XML (8640 rows).
func BenchmarkReadXportMonth(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n\n<xport>\n  <meta>\n    <start>1795953600</start>\n    <end>1798545600</end>\n    <step>300</step>\n    <rows>8640</rows>\n    <columns>2</columns>\n    <legend>\n      <entry>min_used</entry>\n      <entry>min_free</entry>\n    </legend>\n  </meta>\n  <data>\n")
	for i := range 8640 {
		fmt.Fprintf(&sb, "    <row><t>%d</t><v>%0.10e</v><v>%0.10e</v></row>\n", 1795953600+i*300, float64(1400000+i*24), float64(6988608-i*24))
	}
	sb.WriteString("  </data>\n</xport>\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadXport(bytes.NewReader(data), "month.xml", CSVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func readFixture(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "rpc", name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sipcorr/sipcorr/correlate"
)

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{[]float64{7, 0}, "█▁"},
		{[]float64{3, 3, 3}, "▁▁▁"},
		{[]float64{0, math.NaN(), 10}, "▁ █"},
		{nil, ""},
	} {
		if got := Sparkline(tc.in); got != tc.want {
			t.Errorf("Sparkline(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriteMemoryTrend(t *testing.T) {
	r := htmlFixture()
	var buf bytes.Buffer
	if err := WriteMemoryTrend(&buf, r.Memory, r.Offenders.Attribution); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || lines[0] != "memory trend:" {
		t.Fatalf("trend lines %q", lines)
	}
	pkg := lines[1]
	if !strings.Contains(pkg, "weakest process: pkg real_used entry 1 (udp receiver child=0)") ||
		!strings.Contains(pkg, "3.0 MiB → 4.0 MiB (+1.0 MiB in 20m0s)") {
		t.Errorf("pkg trend %q", pkg)
	}
	// The fixture's pkg leak: flat, rising, flat, rising, flat.
	spark := pkg[strings.IndexRune(pkg, '▁'):]
	spark = spark[:strings.Index(spark, "  ")]
	if n := utf8.RuneCountInString(spark); n != trendWidth {
		t.Errorf("sparkline %q has %d cells", spark, n)
	}
	if !strings.HasPrefix(spark, "▁▁▁▁▁▁▁▁") || !strings.HasSuffix(spark, "▇▇▇") || !strings.Contains(spark, "▄▄▄▄") {
		t.Errorf("sparkline %q does not show flat-rise-flat-rise-flat", spark)
	}
	if !strings.Contains(lines[2], "shm real_used") {
		t.Errorf("shm trend %q", lines[2])
	}
	buf.Reset()
	if err := WriteMemoryTrend(&buf, nil, nil); err != nil || buf.Len() != 0 {
		t.Errorf("without memory: %q, %v", buf.String(), err)
	}
	hostile := []correlate.MemSeries{{Name: "shm \x1b[2J", Pool: correlate.PoolShm, Points: r.Memory[3].Points}}
	if err := WriteMemoryTrend(&buf, hostile, nil); err != nil || strings.Contains(buf.String(), "\x1b") {
		t.Errorf("escape in trend: %q, %v", buf.String(), err)
	}
}

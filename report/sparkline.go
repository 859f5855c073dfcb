package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// sparkBlocks are the eight heights of a terminal sparkline.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one line of Unicode block characters, lowest
// value ▁, highest █. NaN values (no data) are drawn as spaces. A flat
// series is drawn at the lowest height.
func Sparkline(values []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	var b strings.Builder
	for _, v := range values {
		switch {
		case !finite(v):
			b.WriteByte(' ')
		case hi == lo:
			b.WriteRune(sparkBlocks[0])
		default:
			i := int((v - lo) / (hi - lo) * float64(len(sparkBlocks)-1))
			b.WriteRune(sparkBlocks[min(max(i, 0), len(sparkBlocks)-1)])
		}
	}
	return b.String()
}

// resample returns width values of s on an even time grid over its span:
// per column the last sample in it, NaN where a column has none (a gap).
func resample(s correlate.MemSeries, width int) (vals []float64, first, last correlate.MemPoint) {
	if len(s.Points) == 0 || width <= 0 {
		return nil, first, last
	}
	first, last = s.Points[0], s.Points[len(s.Points)-1]
	for _, p := range s.Points {
		if p.Time.Before(first.Time) {
			first = p
		}
		if !p.Time.Before(last.Time) {
			last = p
		}
	}
	vals = make([]float64, width)
	for i := range vals {
		vals[i] = math.NaN()
	}
	span := last.Time.Sub(first.Time)
	for _, p := range s.Points {
		col := width - 1
		if span > 0 {
			col = min(int(float64(p.Time.Sub(first.Time))/float64(span)*float64(width)), width-1)
		}
		vals[col] = p.Used
	}
	return vals, first, last
}

// trendWidth is the number of characters of a memory sparkline.
const trendWidth = 48

// MemoryTrend is one line for a terminal: the series' name, its sparkline
// over the samples' span and where it went, e.g.
// "shm real_used  ▁▁▂▃▅▆▇█  20.5 MiB → 20.6 MiB (+48.0 KiB in 20m0s)".
func MemoryTrend(s correlate.MemSeries) string {
	vals, first, last := resample(s, trendWidth)
	if vals == nil {
		return ""
	}
	return fmt.Sprintf("%s  %s  %s → %s (%s in %s)", Truncate(TerminalSafe(s.Name), 60), Sparkline(vals),
		humanBytes(uint64(math.Max(first.Used, 0))), humanBytes(uint64(math.Max(last.Used, 0))),
		plusBytes(last.Used-first.Used), last.Time.Sub(first.Time).Round(time.Second))
}

// WriteMemoryTrend writes the memory sparklines of the table report: the
// weakest pkg process (as the HTML plot picks it) and each shm series.
// It writes nothing without memory series.
func WriteMemoryTrend(w io.Writer, mem []correlate.MemSeries, rep *correlate.Report) error {
	var lines []string
	if rep == nil {
		rep = &correlate.Report{Weakest: -1}
	}
	if i := weakestPkg(mem, rep); i >= 0 {
		if l := MemoryTrend(mem[i]); l != "" {
			lines = append(lines, "  weakest process: "+l)
		}
	}
	for _, s := range mem {
		if s.Pool == correlate.PoolShm {
			if l := MemoryTrend(s); l != "" {
				lines = append(lines, "  "+l)
			}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	ew := &errWriter{w: w}
	ew.printf("memory trend:\n%s\n\n", strings.Join(lines, "\n"))
	return ew.err
}

// plusBytes is signedBytes with a + for growth.
func plusBytes(v float64) string {
	if v > 0 {
		return "+" + signedBytes(v)
	}
	return signedBytes(v)
}

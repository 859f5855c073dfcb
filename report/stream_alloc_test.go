package report

import (
	"testing"

	"github.com/sipcorr/sipcorr/correlate"
)

// correlateAllocs is what correlate's accessors allocate for the UA, their
// results kept as uaRow.reset keeps them: they build their result on every
// call, and a row needs each of them (Codes only for a UA with responses).
func correlateAllocs(s *correlate.UAStats) float64 {
	var r uaRow
	var codes []correlate.Count[int]
	return testing.AllocsPerRun(50, func() {
		r.methods = append(r.methods[:0], s.Methods()...)
		if s.Responses > 0 {
			codes = s.Codes()
		}
		r.sources = append(r.sources[:0], s.Sources()...)
		r.rules = r.rules[:0]
		for _, c := range append(s.Rules(false), s.Rules(true)...) {
			r.rules = append(r.rules, ruleRow{bit: c.Key})
		}
		r.codes = r.codes[:0]
		for range codes {
			r.codes = append(r.codes, codeCount{})
		}
	})
}

// sampleUAs are UAs of every shape in the 10 000-UA analysis: busy ones
// with methods, codes and sources beyond correlate's linear tables, a
// scanner's, the one without User-Agent and the other row.
func sampleUAs(t *testing.T) []*correlate.UAStats {
	uas := scaleBench().Inventory.UAs()
	out := append([]*correlate.UAStats{}, uas[:5]...)
	for _, s := range uas {
		if s.UA == correlate.OtherUA || !s.Present || s == uas[len(uas)/2] {
			out = append(out, s)
		}
	}
	if len(out) != 8 {
		t.Fatalf("%d sample UAs, want 8", len(out))
	}
	return out
}

// TestUARowAllocatesOnlyInCorrelate: filling a row from a UA allocates
// what correlate's accessors allocate, nothing more.
func TestUARowAllocatesOnlyInCorrelate(t *testing.T) {
	var r uaRow
	for _, s := range sampleUAs(t) {
		want := correlateAllocs(s)
		if got := testing.AllocsPerRun(50, func() { r.reset(s) }); got > want {
			t.Errorf("UA %q: uaRow.reset %v allocations, correlate's accessors %v", s.UA, got, want)
		}
	}
}

// TestUAEncodeDoesNotAllocate: writing a filled row, as a JSON object, a
// CSV record or a table row, allocates nothing, so the report's own memory
// per UA is its reused buffers, whatever the number of UAs.
func TestUAEncodeDoesNotAllocate(t *testing.T) {
	var e uaJSON
	c := csvRows{top: 3}
	var tc tableCells
	var widths [tableCols - 1]int
	buf := make([]byte, 0, 64<<10)
	for _, s := range sampleUAs(t) {
		e.row.reset(s)
		for name, encode := range map[string]func(){
			"JSON object": func() {
				var err error
				if buf, err = e.appendRow(buf[:0]); err != nil {
					t.Fatal(err)
				}
			},
			"CSV record": func() {
				c.buf = c.buf[:0]
				c.ua(&e.row)
			},
			"table row": func() {
				tc.row(&e.row, 3)
				buf = tc.appendAligned(buf[:0], &widths)
			},
		} {
			if n := testing.AllocsPerRun(50, encode); n != 0 {
				t.Errorf("UA %q: %s %v allocations", s.UA, name, n)
			}
		}
	}
}

// maxWriteRecorder records the largest single write.
type maxWriteRecorder struct {
	max, writes, total int
}

func (m *maxWriteRecorder) Write(p []byte) (int, error) {
	m.max = max(m.max, len(p))
	m.writes++
	m.total += len(p)
	return len(p), nil
}

// TestStreamedWritesAreBounded: the writers hand the output over in pieces
// of about flushSize, not as one document as large as the inventory.
func TestStreamedWritesAreBounded(t *testing.T) {
	for _, f := range []Format{FormatJSON, FormatCSV, FormatTable} {
		var m maxWriteRecorder
		if err := WriteAnalysis(&m, f, scaleBench()); err != nil {
			t.Fatal(err)
		}
		if m.max > flushSize+16<<10 || m.writes < m.total/(flushSize+16<<10) {
			t.Errorf("%s: %d bytes in %d writes, the largest %d bytes; want pieces of about %d", f, m.total, m.writes, m.max, flushSize)
		}
	}
}

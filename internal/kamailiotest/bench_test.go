package kamailiotest

import (
	"testing"
	"time"
)

// BenchmarkJudgeBatch measures the oracle's throughput on testdata/sip with
// every default call: one op is the whole directory.
//
//	go test ./internal/kamailiotest -run XXX -bench JudgeBatch -benchtime 5x
func BenchmarkJudgeBatch(b *testing.B) {
	own, err := LoadSIPDir(sipDir, repoRoot)
	if err != nil {
		b.Fatal(err)
	}
	o := Start(b, Options{})
	msgs := raws(own)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := o.JudgeBatch(msgs); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start).Seconds()
	n := float64(b.N * len(msgs))
	b.ReportMetric(n/el, "msgs/s")
	b.ReportMetric(n*float64(len(o.Calls()))/el, "probes/s")
}

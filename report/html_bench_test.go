package report

import (
	"io"
	"testing"
)

// BenchmarkWriteHTML renders the fixture's report (two suspects, four
// memory series of 241 samples, rates from the timeline, four UAs).
func BenchmarkWriteHTML(b *testing.B) {
	r := htmlFixture()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteHTML(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

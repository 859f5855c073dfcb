package report

import (
	"io"
	"sync"
	"testing"
)

// scaleBench is the 10 000-UA analysis the render benchmarks share; building
// it takes longer than rendering it.
var scaleBench = sync.OnceValue(func() *Analysis { return scaleAnalysis(10000) })

// benchWriteAnalysis renders an analysis with 10 000 UA rows (the
// inventory's default cap): the size a scanner inventing a User-Agent per
// request produces.
func benchWriteAnalysis(b *testing.B, f Format) {
	a := scaleBench()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteAnalysis(io.Discard, f, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteAnalysisJSON(b *testing.B)  { benchWriteAnalysis(b, FormatJSON) }
func BenchmarkWriteAnalysisCSV(b *testing.B)   { benchWriteAnalysis(b, FormatCSV) }
func BenchmarkWriteAnalysisTable(b *testing.B) { benchWriteAnalysis(b, FormatTable) }

// The writers as they were before they streamed (legacy_render_test.go),
// over the same analysis: the "before" of report/README.md's numbers.
func benchLegacy(b *testing.B, write func(io.Writer, *Analysis) error) {
	a := scaleBench()
	b.ReportAllocs()
	for b.Loop() {
		if err := write(io.Discard, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLegacyWriteAnalysisJSON(b *testing.B)  { benchLegacy(b, legacyWriteJSON) }
func BenchmarkLegacyWriteAnalysisCSV(b *testing.B)   { benchLegacy(b, legacyWriteCSV) }
func BenchmarkLegacyWriteAnalysisTable(b *testing.B) { benchLegacy(b, legacyWriteTable) }

// BenchmarkWriteOffendersJSON: the offender report embeds the 10 000-UA
// analysis.
func BenchmarkWriteOffendersJSON(b *testing.B) {
	o := offenderFixture()
	o.Analysis = scaleBench()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteOffenders(io.Discard, FormatJSON, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLegacyWriteOffendersJSON(b *testing.B) {
	o := offenderFixture()
	o.Analysis = scaleBench()
	b.ReportAllocs()
	for b.Loop() {
		if err := legacyWriteOffendersJSON(io.Discard, o); err != nil {
			b.Fatal(err)
		}
	}
}

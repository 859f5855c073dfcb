package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/internal/synth"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// benchMessages is the size of the scenario capture the analyze benchmarks
// read: the bench script's mix (registrations, calls, three malformed
// senders, a scanner inventing a User-Agent per request), a tenth of its
// large file. SIPCORR_BENCH_MESSAGES sets another size.
var benchMessages = 20000

func init() {
	if n, err := strconv.Atoi(os.Getenv("SIPCORR_BENCH_MESSAGES")); err == nil && n > 0 {
		benchMessages = n
	}
}

// writeBenchCapture writes the scenario capture into dir.
func writeBenchCapture(b *testing.B, dir string) string {
	path := filepath.Join(dir, "bench.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	c, err := synth.NewPcapCapture(f, synth.LinkEthernet, synth.PcapOptions{}, synth.Start, 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := synth.BenchScenario(benchMessages, 1).Run(c); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkAnalyzeStages splits analyze's cost over a scenario capture:
// reading and framing, then parsing, then judging (each stage includes the
// ones before it, on one goroutine), then the whole file loop as analyze
// runs it, then rendering the JSON report.
func BenchmarkAnalyzeStages(b *testing.B) {
	// The parent's TempDir outlives its sub-benchmarks.
	path := writeBenchCapture(b, b.TempDir())
	ctx := context.Background()
	j := defaultJudge(b)
	servers, _ := guessServer(ctx, []string{path}, capture.Options{})
	if len(servers) == 0 {
		b.Fatal("no server found in the bench capture")
	}
	perMsg := func(b *testing.B, n int) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
	}
	b.Run("read", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n = 0
			d := capture.NewDecoder(capture.Options{})
			if err := capture.ReadFile(ctx, path, d, func(*capture.Datagram) { n++ }); err != nil {
				b.Fatal(err)
			}
			d.Flush(func(*capture.Datagram) { n++ })
		}
		perMsg(b, n)
	})
	b.Run("parse", func(b *testing.B) {
		var m sipparse.Message
		n := 0
		for b.Loop() {
			n = 0
			d := capture.NewDecoder(capture.Options{})
			if err := capture.ReadFile(ctx, path, d, func(dg *capture.Datagram) {
				if sipparse.Parse(dg.Payload, &m) == nil {
					n++
				}
			}); err != nil {
				b.Fatal(err)
			}
		}
		perMsg(b, n)
	})
	b.Run("judge", func(b *testing.B) {
		n := 0
		for b.Loop() {
			p := newPipeline(capture.Options{}, j)
			p.servers = servers
			if err := p.readFile(ctx, path, func(*judged) { n++ }); err != nil {
				b.Fatal(err)
			}
		}
		perMsg(b, benchMessages)
	})
	for _, judges := range []int{0, 1, 2} {
		name := "analyze-sequential"
		if judges > 0 {
			name = fmt.Sprintf("analyze-%d-judges", judges)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, faulty := analyzeFilesOn(ctx, judges, &env{stderr: io.Discard}, []string{path}, capture.Options{}, j, servers, correlate.InventoryLimits{}, nil); faulty {
					b.Fatal("faulty")
				}
			}
			perMsg(b, benchMessages)
		})
	}
	b.Run("render-json", func(b *testing.B) {
		a, _ := analyzeFilesOn(ctx, 0, &env{stderr: io.Discard}, []string{path}, capture.Options{}, j, servers, correlate.InventoryLimits{}, nil)
		for b.Loop() {
			if err := report.WriteAnalysis(io.Discard, report.FormatJSON, a); err != nil {
				b.Fatal(err)
			}
		}
		perMsg(b, benchMessages)
	})
}

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var recordRealDemo = flag.String("record-real-demo", "", "TestRealLeakProof: write the 5.2.3 run's capture, memwatch recording, Munin CSV, cfg, syslog and truth to this directory (e.g. ../../testdata/demo/gh1990)")

// realDemoRun is run.json of the real-leak demo: what was sent and the
// RPC truth next to what sipcorr found from each input.
type realDemoRun struct {
	Date      time.Time          `json:"date"`
	Run       *realRun           `json:"run"`
	Estimates map[string]float64 `json:"estimates_bytes_per_message"`
}

// writeRealDemo copies the run's files into dir, the bulky ones gzipped
// (sipcorr reads them so), and writes run.json.
func writeRealDemo(t *testing.T, dir string, r *realRun, estimates map[string]float64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		src, name string
		gz        bool
	}{{r.pcap, "edge.pcapng.gz", true}, {r.mem, "mem.jsonl.gz", true}, {r.logs, "syslog.gz", true},
		{r.munin, "munin-min.csv", false}, {r.cfg, "kamailio.cfg", false}} {
		b, err := os.ReadFile(f.src)
		if err != nil {
			t.Fatal(err)
		}
		if f.gz {
			var z bytes.Buffer
			zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := zw.Write(b); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			b = z.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.MarshalIndent(realDemoRun{Date: time.Now().UTC().Truncate(time.Second), Run: r, Estimates: estimates}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("real-leak demo written to %s", dir)
}

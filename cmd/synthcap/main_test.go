package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sipcorr/sipcorr/internal/synth"
)

// update rewrites the checked-in captures instead of comparing:
//
//	go test ./cmd/synthcap -update
var update = flag.Bool("update", false, "rewrite testdata/captures and testdata/demo from the generator")

// capturesDir is the checked-in fixture directory.
var capturesDir = filepath.Join("..", "..", "testdata", "captures")

// TestFixturesUpToDate fails when the checked-in fixtures or manifest are
// not what the generator writes now, so they cannot drift silently.
func TestFixturesUpToDate(t *testing.T) {
	if *update {
		if _, err := writeFixtures(capturesDir); err != nil {
			t.Fatal(err)
		}
	}
	files, m, err := generateFixtures()
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := synth.MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	files[synth.ManifestName] = manifest
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(capturesDir, name))
		if err != nil {
			t.Errorf("%v (run: go test ./cmd/synthcap -update)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run: go test ./cmd/synthcap -update)", name)
		}
	}
	entries, err := os.ReadDir(capturesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		if _, ok := files[de.Name()]; !ok && de.Name() != "README.md" {
			t.Errorf("%s is in %s but not generated; delete it or add a fixture", de.Name(), capturesDir)
		}
	}
}

// demoDir is the checked-in demo directory.
var demoDir = filepath.Join("..", "..", "testdata", "demo")

// TestDemoUpToDate fails when testdata/demo is not what -demo writes now,
// and keeps the demo capture under its 2 MB budget.
func TestDemoUpToDate(t *testing.T) {
	if *update {
		if _, err := writeDemo(demoDir); err != nil {
			t.Fatal(err)
		}
	}
	b, m, err := generateDemo()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 2<<20 {
		t.Errorf("demo capture is %d bytes, budget 2 MiB", len(b))
	}
	manifest, err := synth.MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{DemoName: b, synth.ManifestName: manifest} {
		got, err := os.ReadFile(filepath.Join(demoDir, name))
		if err != nil {
			t.Errorf("%v (run: go test ./cmd/synthcap -update)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run: go test ./cmd/synthcap -update)", name)
		}
	}
}

// TestBenchMode writes a small bench capture through the command line and
// checks the summary it prints against the file.
func TestBenchMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.pcap")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-bench", "3000", "-out", path}, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	var e synth.FileEntry
	if err := json.Unmarshal(stdout.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if e.SIPMessages != 3000 {
		t.Errorf("summary says %d messages, want 3000", e.SIPMessages)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var prev time.Time
	for {
		_, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ci.Timestamp.Before(prev) {
			t.Fatalf("packet %d: timestamp %v before %v", n, ci.Timestamp, prev)
		}
		prev = ci.Timestamp
	}
	if n != e.Packets {
		t.Errorf("file has %d packets, summary %d", n, e.Packets)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-bench", "10"},
		{"-bench", "10", "-demo", "-out", "x"},
		{"stray"},
	} {
		var out, errb bytes.Buffer
		if err := run(args, &out, &errb); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

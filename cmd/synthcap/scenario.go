package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sipcorr/sipcorr/internal/synth"
)

// DemoName is the demo capture's file name; its manifest is
// MANIFEST.json next to it.
const DemoName = "edge.pcapng"

// writeBench streams a BenchScenario capture with n messages to path as a
// classic little-endian microsecond pcap (what tcpdump writes). Memory
// stays constant: packets go straight to a buffered file.
func writeBench(path string, n int, seed uint64) (*synth.FileEntry, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	c, err := synth.NewPcapCapture(w, synth.LinkEthernet, synth.PcapOptions{}, synth.Start, 0)
	if err == nil {
		// The randomising scanner would otherwise grow the summary
		// without bound; the rest is counted in user_agents_other.
		c.LimitUAs(100)
		err = synth.BenchScenario(n, seed).Run(c)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c.Finish(filepath.Base(path), fmt.Sprintf("bench scenario, %d messages, seed %d", n, seed)), nil
}

// generateDemo builds the demo capture in memory (it is under 2 MB).
func generateDemo() ([]byte, *synth.Manifest, error) {
	var buf bytes.Buffer
	c, err := synth.NewNgCapture(&buf, []synth.Link{synth.LinkEthernet}, []uint8{9}, []uint32{0}, synth.Start, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := synth.DemoScenario().Run(c); err != nil {
		return nil, nil, err
	}
	e := c.Finish(DemoName, "demo: 2 hours at a Kamailio edge; Yealink SIP-T48G Proxy-Require offenders (420), a Grandstream with an illegal CSeq number every 10 s (400), good Polycom/Zoiper/Linphone(TCP) phones, friendly-scanner sweeps")
	m := &synth.Manifest{Generator: "go run ./cmd/synthcap -demo -out testdata/demo", Files: []*synth.FileEntry{e}}
	return buf.Bytes(), m, nil
}

// writeDemo writes edge.pcapng and its MANIFEST.json into dir.
func writeDemo(dir string) (*synth.FileEntry, error) {
	b, m, err := generateDemo()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, DemoName), b, 0o644); err != nil {
		return nil, err
	}
	return m.Files[0], synth.WriteManifest(filepath.Join(dir, synth.ManifestName), m)
}
